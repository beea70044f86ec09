/**
 * What every script shares: flag parsing with `CLOUDFRONT_LETS_*` fallbacks, `--help`,
 * progress on stderr, `--json` on stdout, one-line errors and exit codes (DESIGN §7).
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { type FieldOrder, resolveFields } from "../src/core/fields.ts";
import { DEFAULT_GRACE_MS, DEFAULT_MAX_LAG_MS } from "../src/core/finality.ts";
import type { LogFormat } from "../src/core/parse-object.ts";
import { type Context, makeContext } from "../src/pipeline/context.ts";
import { openSource } from "../src/source/open.ts";
import { openStore } from "../src/store/open.ts";

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
  --fields <preset | a,b,c | file>      presets: pack, all-2020, all (default), standard
  --field-order <canonical|exact>       canonical orders a set as AWS writes it (the default
                                        for realtime); exact (the default for standard) keeps it
  --now <ISO-8601>                      the clock, for reproducible finality (default: now)
  --grace-minutes <n>                   finality grace period (default 20)
  --max-lag-minutes <n>                 how far from its key time an object may hold records (default 60)
  --s3-endpoint <url>                   S3-compatible endpoint (also AWS_ENDPOINT_URL_S3)
  --json                                machine-readable result on stdout
  -h, --help                            this text`;

const env = (name: string) => process.env[`CLOUDFRONT_LETS_${name}`];

/** Parses argv; prints `usage` and exits 0 on --help, or a one-line error and exits 2. */
export function parseFlags<
  const T extends Record<string, { type: "string" | "boolean"; short?: string }>,
>(
  flags: T,
  usage: string,
  args = process.argv.slice(2),
) {
  try {
    const { values } = parseArgs({ args, options: flags, allowPositionals: false, strict: true });
    if ((values as { help?: boolean }).help) {
      console.log(usage.trim());
      process.exit(0);
    }
    return values;
  } catch (e) {
    fail(`${(e as Error).message} (see --help)`, 2);
  }
}

/** Prints one line to stderr (a multi-line message is folded) and exits. */
export function fail(message: string, code = 1): never {
  console.error(`error: ${message.trim().replace(/\s*\n\s*/g, "; ")}`);
  process.exit(code);
}

/** Progress for a person, on stderr. */
export const progress = (message: string) => console.error(message);

function required(value: string | undefined, flag: string, envName: string): string {
  if (!value) fail(`--${flag} is required (or set CLOUDFRONT_LETS_${envName})`, 2);
  return value;
}

function minutes(value: string | undefined, fallbackMs: number, flag: string): number {
  if (value === undefined) return fallbackMs;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    fail(`--${flag} must be a number of minutes, got "${value}"`, 2);
  }
  return n * 60_000;
}

/** Parses `--now`, failing clearly on a bad value. */
export function parseNow(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const t = Date.parse(value);
  if (Number.isNaN(t)) fail(`--now must be an ISO-8601 time, got "${value}"`, 2);
  return t;
}

/** Turns `--fields` (a preset, a list, or a file of names) into a column order. */
export function fieldsFrom(
  spec: string | undefined,
  order: string | undefined,
  format: LogFormat,
): string[] {
  if (order !== undefined && order !== "canonical" && order !== "exact") {
    fail(`--field-order must be canonical or exact, got "${order}"`, 2);
  }
  const text = spec === undefined
    ? (format === "standard" ? "standard" : "all")
    : existsSync(spec)
    ? readFileSync(spec, "utf8")
    : spec;
  // Standard logs name their columns in file order; only real-time sets are reordered.
  const defaultOrder: FieldOrder = format === "standard" ? "exact" : "canonical";
  try {
    return resolveFields(text, (order ?? defaultOrder) as FieldOrder);
  } catch (e) {
    fail(`--fields: ${(e as Error).message}`, 2);
  }
}

type Flags = Partial<Record<keyof typeof COMMON_FLAGS, string | boolean>>;

function opener(values: Flags) {
  const endpoint = (values["s3-endpoint"] as string | undefined) ?? env("S3_ENDPOINT");
  return <T>(what: "source" | "store", open: (location: string, endpoint?: string) => T): T => {
    const location = required(
      values[what] as string | undefined ?? env(what.toUpperCase()),
      what,
      what.toUpperCase(),
    );
    try {
      return open(location, endpoint);
    } catch (e) {
      fail(`--${what}: ${(e as Error).message}`, 2);
    }
  };
}

/** What a store-only step (consolidate) needs: the store, the clock and progress. */
export function storeContextFrom(values: Flags): Pick<Context, "store" | "now" | "log"> {
  return {
    store: opener(values)("store", openStore),
    now: parseNow((values.now as string | undefined) ?? env("NOW")),
    log: progress,
  };
}

/** Builds the pipeline context from parsed common flags. */
export function contextFrom(values: Flags): Context {
  const s = (k: keyof typeof COMMON_FLAGS) => values[k] as string | undefined;
  const format = (s("format") ?? env("FORMAT") ?? "realtime") as LogFormat;
  if (!["realtime", "standard", "json"].includes(format)) {
    fail(`--format must be realtime, standard or json, got "${format}"`, 2);
  }
  const open = opener(values);
  return makeContext({
    source: open("source", openSource),
    store: open("store", openStore),
    parse: {
      format,
      fields: fieldsFrom(
        s("fields") ?? env("FIELDS"),
        s("field-order") ?? env("FIELD_ORDER"),
        format,
      ),
    },
    now: parseNow(s("now") ?? env("NOW")),
    graceMs: minutes(s("grace-minutes") ?? env("GRACE_MINUTES"), DEFAULT_GRACE_MS, "grace-minutes"),
    maxLagMs: minutes(
      s("max-lag-minutes") ?? env("MAX_LAG_MINUTES"),
      DEFAULT_MAX_LAG_MS,
      "max-lag-minutes",
    ),
    log: progress,
  });
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
