/**
 * esbuild options shared by `bundle` (the Lambda artifact) and `bench` (its Node runtime
 * runs what Lambda runs): one ES module for Node 20.
 * @module
 */
import type { BuildOptions } from "esbuild";

/** Bundles an entry point and everything it imports into one ES module for Node 20. */
export const NODE_MODULE = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // Some CommonJS dependencies call require(): give the ES module one.
  banner: {
    js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  },
  logLevel: "warning",
} as const satisfies BuildOptions;
