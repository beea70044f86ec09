#!/usr/bin/env node
// @ts-check
/**
 * The `cloudfront-lets` command: runs the CLI bundle (dist/cli.mjs, built by `npm install`
 * through `prepare`). In a checkout whose sources are newer than the bundle it is rebuilt
 * first (about a second), so an edit is never run stale; otherwise starting costs what
 * Node's own start-up does, not a TypeScript loader's.
 * @module
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildCli, CLI_BUNDLE } from "../scripts/_esbuild.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The newest modification time of the files under `dir` (0: none). */
function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

const built = existsSync(CLI_BUNDLE) ? statSync(CLI_BUNDLE).mtimeMs : 0;
const lock = join(ROOT, "package-lock.json"); // dependencies upgraded: bundled anew
const sources = Math.max(
  newest(join(ROOT, "src")),
  newest(join(ROOT, "scripts")),
  existsSync(lock) ? statSync(lock).mtimeMs : 0,
);
if (built < sources) {
  try {
    await buildCli();
  } catch (e) {
    // Without esbuild (an install without dev dependencies) the bundle shipped is run.
    if (built === 0) throw e;
  }
}
await import(pathToFileURL(CLI_BUNDLE).href);
