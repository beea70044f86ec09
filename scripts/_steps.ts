/**
 * The steps of the `cloudfront-lets` command (scripts/cli.ts), by the name it takes: each
 * is its own script, imported only when named. package.json's scripts run these names.
 * @module
 */
export const STEPS = {
  start: () => import("./start.ts"),
  ingest: () => import("./ingest.ts"),
  consolidate: () => import("./consolidate.ts"),
  aggregate: () => import("./aggregate.ts"),
  archive: () => import("./archive.ts"),
  export: () => import("./export.ts"),
  pipeline: () => import("./pipeline.ts"),
  check: () => import("./check.ts"),
  detect: () => import("./detect.ts"),
  generate: () => import("./generate.ts"),
  serve: () => import("./serve.ts"),
  "handle-event": () => import("./handle-event.ts"),
} as const;

/** A step's name. */
export type Step = keyof typeof STEPS;
