/**
 * `bundle`: the Lambda artifact. esbuild bundles src/runtime/lambda.ts and everything it
 * imports (the AWS SDK included: the version tested is the version deployed) into one
 * ES module, dist/lambda/index.mjs, whose `handler` the SAM template names.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { fail, parseFlags, progress } from "./_cli.ts";
import { NODE_MODULE } from "./_esbuild.mjs";

const flags = parseFlags(
  {
    measure: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  `
Usage: bundle [--measure N] [--json]

Builds dist/lambda/index.mjs (the CodeUri of template.yaml is dist/lambda) and prints its
size. With --measure N, also imports it N times in fresh Node processes and prints the
median cold-start import time.`,
);

const root = fileURLToPath(new URL("..", import.meta.url));
const outfile = `${root}dist/lambda/index.mjs`;
mkdirSync(`${root}dist/lambda`, { recursive: true });
const result = await esbuild.build({
  ...NODE_MODULE,
  entryPoints: [`${root}src/runtime/lambda.ts`],
  minify: true,
  outfile,
  metafile: true,
  legalComments: "linked",
});
writeFileSync(`${root}dist/lambda/meta.json`, JSON.stringify(result.metafile));
const bytes = statSync(outfile).size;
progress(`wrote ${outfile}`);

let importMs: number | undefined;
if (flags.measure) {
  const n = Number(flags.measure);
  if (!Number.isInteger(n) || n <= 0) fail("--measure must be a positive integer", 2);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = spawnSync("node", [
      "--input-type=module",
      "-e",
      `const t = performance.now(); const m = await import(${JSON.stringify(outfile)}); ` +
      `if (typeof m.handler !== "function") process.exit(3); ` +
      `console.log(performance.now() - t);`,
    ], { encoding: "utf8" });
    if (r.status !== 0) fail(`importing the bundle failed: ${r.stderr}`);
    times.push(Number(r.stdout.trim()));
  }
  times.sort((a, b) => a - b);
  importMs = Math.round(times[Math.floor((n - 1) / 2)]);
}
const report = { file: "dist/lambda/index.mjs", bytes, import_ms: importMs };
if (flags.json) console.log(JSON.stringify(report));
else {
  console.log(
    `dist/lambda/index.mjs: ${(bytes / 1024 / 1024).toFixed(2)} MB` +
      (importMs === undefined ? "" : `, cold import ${importMs} ms (median)`),
  );
}
process.exit(0);
