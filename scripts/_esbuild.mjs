// @ts-check
/**
 * esbuild options shared by `bundle` (the Lambda artifact), `bench` (its Node runtime runs
 * what Lambda runs) and the CLI bundle: one ES module for Node 22 and later (`engines`;
 * Lambda runs 24). Plain JavaScript, so that bin/cloudfront-lets.mjs can build the CLI
 * without a TypeScript loader.
 * @module
 */
import { readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Bundles an entry point and everything it imports into one ES module for Node 22 and later. */
export const NODE_MODULE = /** @type {const} */ ({
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  // Some CommonJS dependencies call require(): give the ES module one.
  banner: {
    js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  },
  logLevel: "warning",
});

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The CLI's entry: it imports the newest build (the `bin` runs it). */
export const CLI_BUNDLE = `${ROOT}dist/cli.mjs`;

/** How long an older build is kept: a long-running server may still load a chunk of it. */
const KEEP_OLD_MS = 24 * 3600_000;

/**
 * Builds the CLI from scripts/cli.ts into a directory of its own (dist/cli-<id>/, split:
 * the AWS SDK is a chunk loaded only by a step that opens an S3 location), then points
 * {@link CLI_BUNDLE} at it. The pointer is written beside and renamed into place, so
 * processes starting at the same moment never import half a file.
 */
export async function buildCli() {
  const esbuild = await import("esbuild");
  const id = `cli-${Date.now().toString(36)}-${process.pid}`;
  await esbuild.build({
    ...NODE_MODULE,
    entryPoints: [`${ROOT}scripts/cli.ts`],
    outdir: `${ROOT}dist/${id}`,
    splitting: true,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunk-[hash]",
    // Fewer bytes to compile at every start; names are kept for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
  });
  const tmp = `${CLI_BUNDLE}.${process.pid}.tmp`;
  writeFileSync(tmp, `import "./${id}/cli.mjs";\n`);
  renameSync(tmp, CLI_BUNDLE);
  for (const name of readdirSync(`${ROOT}dist`)) {
    const old = `${ROOT}dist/${name}`;
    if (
      name.startsWith("cli-") && name !== id && statSync(old).mtimeMs < Date.now() - KEEP_OLD_MS
    ) {
      rmSync(old, { recursive: true, force: true });
    }
  }
}
