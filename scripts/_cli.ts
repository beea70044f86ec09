/**
 * What every script shares: flag parsing with `CLOUDFRONT_LETS_*` fallbacks, `--help`,
 * progress on stderr, `--json` on stdout, one-line errors and exit codes (DESIGN §7).
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { PRESETS } from "../src/core/fields.ts";
import { messageLine, progressLine } from "./_progress.ts";
import type { Context } from "../src/pipeline/context.ts";
import {
  ConfigError,
  contextFrom as contextFrom_,
  parseNow,
  type Settings,
  storeFrom,
  withEnv,
} from "../src/runtime/config.ts";

/** Flags every pipeline script takes. */
export const COMMON_FLAGS = {
  source: { type: "string" },
  store: { type: "string" },
  format: { type: "string" },
  fields: { type: "string" },
  "field-order": { type: "string" },
  now: { type: "string" },
  "grace-minutes": { type: "string" },
  "max-lag-minutes": { type: "string" },
  "s3-endpoint": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Help text for the common flags. */
export const COMMON_HELP = `
  --source <dir | s3://bucket/prefix>   live queue of log objects   [CLOUDFRONT_LETS_SOURCE]
  --store <dir | s3://bucket/prefix>    where results are written   [CLOUDFRONT_LETS_STORE]
  --format <realtime|standard|json>     default realtime; headers and JSON lines switch per object
  --fields <preset | a,b,c | file>      presets: ${Object.keys(PRESETS).join(", ")} (default all)
  --field-order <canonical|exact>       canonical orders a set as AWS writes it (the default
                                        for realtime); exact (the default for standard) keeps it
  --now <ISO-8601>                      the clock, for reproducible finality (default: now)
  --grace-minutes <n>                   finality grace period (default 20)
  --max-lag-minutes <n>                 how far from its key time an object may hold records (default 60)
  --s3-endpoint <url>                   S3-compatible endpoint (also AWS_ENDPOINT_URL_S3)
  --json                                machine-readable result on stdout
  -h, --help                            this text`;

/**
 * The exit code of a usage or configuration error. (`check` uses 2 for a breached rule,
 * so its usage errors exit 1, as its other errors do.)
 */
export const USAGE_EXIT = 2;

/** Parses argv; prints `usage` and exits 0 on --help, or a one-line error and exits 2. */
export function parseFlags<
  const T extends Record<string, { type: "string" | "boolean"; short?: string }>,
>(
  flags: T,
  usage: string,
  args = process.argv.slice(2),
) {
  return parseCommandLine(flags, usage, 0, args).values;
}

/** {@link parseFlags} for a command that also takes up to `most` positional arguments. */
export function parseCommandLine<
  const T extends Record<string, { type: "string" | "boolean"; short?: string }>,
>(
  flags: T,
  usage: string,
  most: number,
  args = process.argv.slice(2),
  code = USAGE_EXIT,
) {
  try {
    const parsed = parseArgs({ args, options: flags, allowPositionals: most > 0, strict: true });
    if ((parsed.values as { help?: boolean }).help) {
      console.log(usage.trim());
      process.exit(0);
    }
    if (parsed.positionals.length > most) {
      throw new Error(`unexpected argument "${parsed.positionals[most]}"`);
    }
    return parsed;
  } catch (e) {
    fail(`${(e as Error).message} (see --help)`, code);
  }
}

/** Prints one line to stderr (a multi-line message is folded) and exits. */
export function fail(message: string, code = 1): never {
  console.error(`error: ${message.trim().replace(/\s*\n\s*/g, "; ")}`);
  process.exit(code);
}

/** Progress for a person, on stderr. */
export const progress = (message: string) => console.error(message);

/** Runs `make`, turning a configuration error into a usage error (exit 2). */
export function configured<T>(make: () => T, code = USAGE_EXIT): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, code);
    throw e;
  }
}

/** The parsed flags as settings, with the environment filling what is unset. */
export function settingsOf(values: Record<string, unknown>): Settings {
  const flags: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === "string") flags[k] = v;
  return withEnv(flags, process.env);
}

/** Parses `--now`, failing clearly on a bad value. */
export const nowFrom = (value: string | undefined): number => configured(() => parseNow(value));

/** What a store-only step (consolidate) needs: the store, the clock and progress. */
export function storeContextFrom(
  values: Record<string, unknown>,
): Pick<Context, "store" | "now" | "log"> {
  const s = settingsOf(values);
  return configured(() => ({ store: storeFrom(s), now: parseNow(s.now), log: progress }));
}

/** Builds the pipeline context from parsed common flags, drawing its progress on stderr. */
export function contextFrom(values: Record<string, unknown>): Context {
  const ctx = configured(() => contextFrom_(settingsOf(values), messageLine()));
  return { ...ctx, progress: progressLine() };
}

/**
 * Runs a script body: prints its result (JSON with --json, else `human(result)`), and
 * exits non-zero with one line when the body throws or `failure(result)` names a failure.
 */
export async function run<R>(
  json: boolean | undefined,
  body: () => Promise<R>,
  human: (r: R) => string,
  failure: (r: R) => string | undefined = () => undefined,
): Promise<void> {
  let result: R;
  try {
    result = await body();
  } catch (e) {
    fail((e as Error).message ?? String(e));
  }
  console.log(json ? JSON.stringify(result, null, 2) : human(result));
  const why = failure(result);
  if (why) fail(why);
}
