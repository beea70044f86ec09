/**
 * What every script shares: flag parsing with `CLOUDFRONT_LETS_*` fallbacks, `--help`,
 * progress on stderr, `--json` on stdout, one-line errors and exit codes (DESIGN §7).
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { messageLine, progressLine } from "./_progress.ts";
import type { Context } from "../src/pipeline/context.ts";
import {
  ConfigError,
  contextFrom as contextFrom_,
  parseNow,
  type Settings,
  storeFrom,
  tenantsFrom,
  withEnv,
} from "../src/runtime/config.ts";
import { helpLine, settingFlags, type SettingName, settingsHelp } from "../src/runtime/settings.ts";
import { knownTenants, tenantSource } from "../src/source/tenant.ts";
import type { LogSource } from "../src/source/source.ts";
import type { Store } from "../src/store/store.ts";
import { tenantStore } from "../src/store/tenant.ts";

/** The settings every pipeline script takes. */
export const COMMON_SETTINGS = [
  "source",
  "store",
  "format",
  "fields",
  "field-order",
  "now",
  "grace-minutes",
  "max-lag-minutes",
  "s3-endpoint",
  "tenant",
  "tenants",
] as const satisfies readonly SettingName[];

/** The flags every script takes besides its settings. */
export const OUTPUT_FLAGS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Help text of {@link OUTPUT_FLAGS}. */
export const OUTPUT_HELP = [
  helpLine("--json", "machine-readable result on stdout"),
  helpLine("-h, --help", "this text"),
].join("\n");

/** Flags every pipeline script takes. */
export const COMMON_FLAGS = { ...settingFlags(COMMON_SETTINGS), ...OUTPUT_FLAGS };

/** Help text for the common flags. */
export const COMMON_HELP = `\n${settingsHelp(COMMON_SETTINGS)}\n${OUTPUT_HELP}`;

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

/** What a step run over several tenants gives: per tenant, its result or why it failed. */
export interface TenantResults<R> {
  tenants: Record<string, R | { error: string }>;
}

/** What a step works on: a store, and the live queue when it reads one. */
interface Scope {
  store: Store;
  source?: LogSource;
  log: (message: string) => void;
}

/**
 * Runs a step as {@link run} does, over the tenants of `--tenants` when it is set: on each
 * in turn, its context scoped to that tenant's queue and data, its result under its name
 * (`auto`: every tenant of the queue and the store). A tenant that fails does not stop the
 * others; the run then exits 1 naming it.
 */
export async function runStep<C extends Scope, R>(
  values: Record<string, unknown>,
  ctx: C,
  body: (ctx: C, tenant?: string) => Promise<R>,
  human: (r: R) => string,
  failure: (r: R) => string | undefined = () => undefined,
): Promise<void> {
  const json = values.json as boolean | undefined;
  const tenants = configured(() => tenantsFrom(settingsOf(values)));
  if (tenants === undefined) return run(json, () => body(ctx), human, failure);
  const all = async () => {
    const names = tenants !== "auto" ? tenants : await knownTenants(ctx.store, ctx.source);
    if (names.length === 0) throw new Error(`no tenant in ${ctx.source?.name ?? ctx.store.name}`);
    const out: TenantResults<R> = { tenants: {} };
    for (const t of names) {
      const scoped: C = {
        ...ctx,
        store: tenantStore(ctx.store, t),
        source: ctx.source && tenantSource(ctx.source, t),
        log: (m: string) => ctx.log(`[${t}] ${m}`),
      };
      out.tenants[t] = await body(scoped, t).catch((e) => ({ error: (e as Error).message }));
    }
    return out;
  };
  const each = (r: TenantResults<R>) => Object.entries(r.tenants);
  const failed = (x: R | { error: string }): x is { error: string } =>
    x !== null && typeof x === "object" && "error" in x;
  await run(
    json,
    all,
    (r) =>
      each(r).map(([t, x]) =>
        failed(x)
          ? `[${t}] error: ${x.error}`
          : `[${t}] ${human(x as R).replaceAll("\n", `\n[${t}] `)}`
      ).join("\n"),
    (r) => {
      const why = each(r).flatMap(([t, x]) => {
        const reason = failed(x) ? x.error : failure(x as R);
        return reason === undefined ? [] : [`${t}: ${reason}`];
      });
      return why.length === 0 ? undefined : why.join("; ");
    },
  );
}
