// @ts-check
/**
 * esbuild options shared by `bundle` (the Lambda artifact), `bench` (its Node runtime runs
 * what Lambda runs) and the CLI bundle: one ES module for Node 20. Plain JavaScript, so
 * that bin/cloudfront-lets.mjs can build the CLI without a TypeScript loader.
 * @module
 */
import { renameSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Bundles an entry point and everything it imports into one ES module for Node 20. */
export const NODE_MODULE = /** @type {const} */ ({
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // Some CommonJS dependencies call require(): give the ES module one.
  banner: {
    js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  },
  logLevel: "warning",
});

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Where the CLI bundle is written (the `bin` runs it). */
export const CLI_BUNDLE = `${ROOT}dist/cli.mjs`;

/**
 * Builds {@link CLI_BUNDLE} from scripts/cli.ts. It is written beside and renamed into
 * place, so that processes starting at the same moment never import half a file.
 */
export async function buildCli() {
  const esbuild = await import("esbuild");
  const tmp = `${CLI_BUNDLE}.${process.pid}.tmp`;
  await esbuild.build({
    ...NODE_MODULE,
    entryPoints: [`${ROOT}scripts/cli.ts`],
    outfile: tmp,
    // Half the bytes to compile at every start; names are kept for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
  });
  renameSync(tmp, CLI_BUNDLE);
}
