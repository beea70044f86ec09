/**
 * The Node flags package.json's scripts run the steps with (a test keeps the two in step), which
 * `bench` also runs its tsx runtime with.
 * @module
 */

/**
 * What every Node that runs the pipeline is given, Lambda's too (template.yaml's NODE_OPTIONS;
 * a test keeps them in step). Node 24 lets the young generation grow past the 16 MB a
 * semi-space this caps it at; on the month of small objects (`bench --objects 2976`) that
 * cost 404 MB of peak RSS against 317 MB with the cap, for no speed (43.4 s against 42.8 s).
 */
export const NODE_HEAP_FLAGS = ["--max-semi-space-size=16"];

/**
 * The same for Deno, given by the deno tasks of the steps (a test keeps them in step) and
 * bench's deno runtime: with semi-spaces of 8 MB, the month of small objects took 34.4 s and
 * peaked at 288 MB, against 37.6 s and 339 MB without; the big object peaked at 274-285 MB
 * against 291-298 MB, as fast.
 */
export const DENO_HEAP_FLAGS = ["--v8-flags=--max-semi-space-size=8"];

/**
 * Under tsx, V8 starts its old generation small and grows it by full collections (16–22 a
 * run of a million lines here, against 6 bundled); starting it at 64 MB took that run from
 * 15.6 s to 13.3 s over six runs, as fast as the bundle, for about 20 MB more peak RSS
 * (README, Performance). It cannot be set from inside the process, nor in NODE_OPTIONS.
 */
export const NPM_SCRIPT_NODE_FLAGS = ["--initial-old-space-size=64", ...NODE_HEAP_FLAGS];
