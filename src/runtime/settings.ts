/**
 * Every setting, once (DESIGN §7: flags first, then `CLOUDFRONT_LETS_*` variables): one
 * valibot object whose entries carry their argument, help and default. The `Settings`
 * type, the flags each script parses, their `--help` lines and the environment variables
 * read are all derived from it, so a new setting is one entry here.
 * @module
 */
import * as v from "valibot";
import { FIELD_ORDERS, PRESETS } from "../core/fields.ts";
import { ROOT } from "../core/keys.ts";
import { DEFAULT_NAMESPACE } from "../core/metrics.ts";
import { LOG_FORMATS } from "../core/parse-object.ts";
import { DEFAULT_GRACE_MS, DEFAULT_MAX_LAG_MS } from "../core/finality.ts";
import { DEFAULT_STORAGE_CLASS } from "../pipeline/archive.ts";

/** Where `serve` listens by default: this machine only. */
export const DEFAULT_HOST = "127.0.0.1";
/** The port `serve` listens on by default. */
export const DEFAULT_PORT = 8787;

/** What `--help` shows of a setting besides its one-line help. */
interface Doc {
  /** The argument as the help writes it: `<dir | s3://bucket/prefix>`. */
  readonly arg: string;
  /** The default, in words, when there is one. */
  readonly default?: string;
  /**
   * Whether an environment variable may set it. `--tenant` may not: a variable that
   * changes where every run reads and writes is too easy to leave set by mistake.
   */
  readonly env: boolean;
}

/** A setting: a string, with what its help says. */
type Setting = v.OptionalSchema<v.GenericSchema<string>, undefined>;

const setting = (arg: string, help: string, fallback?: string | number, env = true): Setting =>
  v.optional(
    v.pipe(
      v.string(),
      v.description(help),
      v.metadata({ arg, default: fallback === undefined ? undefined : String(fallback), env }),
    ),
  );

const WHERE = "<dir | s3://bucket/prefix>";

/** Every setting, by its flag name. All optional: what a command needs, it checks. */
export const SettingsSchema = v.object({
  source: setting(WHERE, "live queue of log objects"),
  store: setting(WHERE, "where results are written"),
  archive: setting(WHERE, "where archive moves ingested objects"),
  "storage-class": setting("<class>", "S3 storage class of archive copies", DEFAULT_STORAGE_CLASS),
  format: setting(
    `<${LOG_FORMATS.join("|")}>`,
    "log format; a #Fields header or JSON lines switch it per object",
    "realtime",
  ),
  fields: setting(
    "<preset | a,b,c | file>",
    `field list; presets: ${Object.keys(PRESETS).join(", ")}`,
    "all; standard for --format standard",
  ),
  "field-order": setting(
    `<${FIELD_ORDERS.join("|")}>`,
    "canonical orders a set as AWS writes it, exact keeps it",
    "canonical; exact for standard",
  ),
  now: setting("<ISO-8601>", "the clock, for reproducible finality", "the current time"),
  "grace-minutes": setting("<n>", "finality grace period", DEFAULT_GRACE_MS / 60_000),
  "max-lag-minutes": setting(
    "<n>",
    "how far from its key time an object may hold records",
    DEFAULT_MAX_LAG_MS / 60_000,
  ),
  "s3-endpoint": setting("<url>", "S3-compatible endpoint (also AWS_ENDPOINT_URL_S3)", "AWS"),
  tenant: setting(
    "<E1>",
    `work on one tenant: its queue (E1/) and its data (${ROOT}/E1/); a flag only`,
    undefined,
    false,
  ),
  tenants: setting(
    "<auto | E1,E2>",
    "several tenants, each in turn (auto: every tenant of the queue and the store)",
  ),
  "metrics-tenant": setting(
    "<name>",
    "the Tenant dimension of CloudWatch metrics",
    "the tenant, else the source's last path segment",
  ),
  "metrics-namespace": setting("<name>", "the CloudWatch metrics namespace", DEFAULT_NAMESPACE),
  alerts: setting("<file | JSON>", "alert rules (a JSON array)"),
  out: setting(WHERE, "where export writes its Parquet files"),
  host: setting("<address>", "address to listen on", DEFAULT_HOST),
  port: setting("<n>", "port to listen on (0: any free port)", DEFAULT_PORT),
});

/** Every setting, by its flag name. */
export type Settings = v.InferOutput<typeof SettingsSchema>;
/** One setting's flag name. */
export type SettingName = keyof Settings;

/** Every setting's flag name, in the schema's order. */
export const SETTING_NAMES = Object.keys(SettingsSchema.entries) as SettingName[];

/** What the help shows of a setting. */
function docOf(name: SettingName): Doc & { help: string } {
  const schema = SettingsSchema.entries[name].wrapped;
  return { ...(v.getMetadata(schema) as unknown as Doc), help: v.getDescription(schema) ?? "" };
}

/** The settings an environment variable may set. */
const FROM_ENV = SETTING_NAMES.filter((name) => docOf(name).env);

/** The environment variable of a flag: `grace-minutes` → `CLOUDFRONT_LETS_GRACE_MINUTES`. */
export function envName(flag: string): string {
  return `CLOUDFRONT_LETS_${flag.toUpperCase().replaceAll("-", "_")}`;
}

/** The API keys: a secret, so an environment variable only, never a flag. */
export const API_KEY_VARIABLE = envName("api-key");

/** Every environment variable this project reads (a deployment can set no other). */
export const ENV_VARIABLES: readonly string[] = [...FROM_ENV.map(envName), API_KEY_VARIABLE];

/** Settings that exclude each other: a flag for one leaves the others' variables unread. */
const ALTERNATIVES: ReadonlyArray<readonly SettingName[]> = [["tenant", "tenants"]];

/** `flags` with every unset setting taken from `env`. */
export function withEnv(flags: Settings, env: Record<string, string | undefined>): Settings {
  const out: Settings = { ...flags };
  const flagged = (name: SettingName) =>
    ALTERNATIVES.some((group) =>
      group.includes(name) && group.some((other) => other !== name && flags[other] !== undefined)
    );
  for (const name of FROM_ENV) if (!flagged(name)) out[name] ??= env[envName(name)];
  out["s3-endpoint"] ??= env.AWS_ENDPOINT_URL_S3;
  return out;
}

/** The `parseArgs` options of the named settings (every one a string). */
export function settingFlags<const N extends SettingName>(
  names: readonly N[],
): { [K in N]: { type: "string" } } {
  return Object.fromEntries(names.map((n) => [n, { type: "string" }])) as {
    [K in N]: { type: "string" };
  };
}

/** Where a help line's text begins, and how wide a line may be. */
const TEXT_AT = 40;
const WIDTH = 100;

/**
 * A flag's help: `  --flag <arg>   text (default …) [VARIABLE]`, the text from column
 * {@link TEXT_AT}, wrapped at {@link WIDTH} characters.
 */
export function helpLine(flag: string, text: string, variable?: string): string {
  const words = [...text.split(" "), ...(variable ? [`[${variable}]`] : [])];
  const lines: string[] = [];
  let line = `  ${flag}`;
  if (line.length >= TEXT_AT) {
    lines.push(line);
    line = "";
  }
  line = line.padEnd(TEXT_AT);
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = " ".repeat(TEXT_AT);
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join("\n");
}

/** The `--help` lines of the named settings, each with its variable and default. */
export function settingsHelp(names: readonly SettingName[]): string {
  return names.map((name) => {
    const doc = docOf(name);
    const fallback = doc.default === undefined ? "" : ` (default ${doc.default})`;
    return helpLine(
      `--${name} ${doc.arg}`,
      `${doc.help}${fallback}`,
      doc.env ? envName(name) : undefined,
    );
  }).join("\n");
}
