/**
 * Configuration as users give it (DESIGN §7): flags first, then `CLOUDFRONT_LETS_*`
 * environment variables. Scripts, the server and the Lambda handler all read settings
 * here, so a value means the same wherever it is set.
 * @module
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import * as v from "valibot";
import type { AppDeps } from "../api/app.ts";
import type { ApiKey } from "../api/auth.ts";
import { type AlertRule, AlertRulesSchema } from "../core/alerts.ts";
import { type FieldOrder, PRESETS, resolveFields } from "../core/fields.ts";
import { DEFAULT_GRACE_MS, DEFAULT_MAX_LAG_MS } from "../core/finality.ts";
import { localPlace, type Located, overlapError, type Place, s3Place } from "../core/locations.ts";
import { LOG_FORMATS, type LogFormat } from "../core/parse-object.ts";
import { DEFAULT_STORAGE_CLASS } from "../pipeline/archive.ts";
import { type Context, makeContext } from "../pipeline/context.ts";
import { openSource } from "../source/open.ts";
import type { LogSource } from "../source/source.ts";
import { tenantSource } from "../source/tenant.ts";
import { openStore } from "../store/open.ts";
import { isTenantName, prefixedStore, TENANT_NAME_RULE, tenantStore } from "../store/tenant.ts";
import type { Store } from "../store/store.ts";
import { API_KEY_VARIABLE, envName, type Settings } from "./settings.ts";

export {
  ENV_VARIABLES,
  envName,
  SETTING_NAMES,
  type Settings,
  settingsHelp,
  withEnv,
} from "./settings.ts";

/** A setting is missing or wrong. The message is one line for a person. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

function required(s: Settings, flag: "source" | "store" | "out"): string {
  const value = s[flag];
  if (!value) throw new ConfigError(`--${flag} is required (or set ${envName(flag)})`);
  return value;
}

function minutes(value: string | undefined, fallbackMs: number, flag: string): number {
  if (value === undefined) return fallbackMs;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    throw new ConfigError(`--${flag} must be a number of minutes, got "${value}"`);
  }
  return n * 60_000;
}

/** Parses `--now`; the current time when unset. */
export function parseNow(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new ConfigError(`--now must be an ISO-8601 time, got "${value}"`);
  return t;
}

/** Turns `--fields` (a preset, a list, or a file of names) into a column order. */
export function parseFields(
  spec: string | undefined,
  order: string | undefined,
  format: LogFormat,
): string[] {
  if (order !== undefined && order !== "canonical" && order !== "exact") {
    throw new ConfigError(`--field-order must be canonical or exact, got "${order}"`);
  }
  // A preset's name is the preset, whatever file of that name the directory holds (give
  // ./all for such a file); else a file's content; else the list itself.
  const text = spec === undefined
    ? (format === "standard" ? "standard" : "all")
    : !Object.hasOwn(PRESETS, spec.trim()) && existsSync(spec)
    ? readText(spec, "fields")
    : spec;
  // Standard logs name their columns in file order; only real-time sets are reordered.
  const defaultOrder: FieldOrder = format === "standard" ? "exact" : "canonical";
  try {
    return resolveFields(text, (order ?? defaultOrder) as FieldOrder);
  } catch (e) {
    throw new ConfigError(`--fields: ${(e as Error).message}`);
  }
}

function open<T>(
  s: Settings,
  flag: "source" | "store" | "archive" | "out",
  location: string,
  how: (location: string, endpoint?: string) => T,
): T {
  try {
    return how(location, s["s3-endpoint"]);
  } catch (e) {
    throw new ConfigError(`--${flag}: ${(e as Error).message}`);
  }
}

/** Where `export` writes: `--out`, a directory or `s3://bucket/prefix`. */
export function outFrom(s: Settings): Store {
  const out = required(s, "out");
  if (!out.startsWith("s3://") && out !== "memory:" && existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new ConfigError(`--out ${out} is not a directory`);
  }
  return open(s, "out", out, openStore);
}

/** The store named by `--store` (with `--tenant`, that tenant's part of it). */
export function storeFrom(s: Settings): Store {
  const store = open(s, "store", required(s, "store"), openStore);
  const tenant = tenantFrom(s);
  return tenant === undefined ? store : tenantStore(store, tenant);
}

/** The live queue named by `--source` (with `--tenant`, that tenant's part of it). */
export function sourceFrom(s: Settings): LogSource {
  const source = open(s, "source", required(s, "source"), openSource);
  const tenant = tenantFrom(s);
  return tenant === undefined ? source : tenantSource(source, tenant);
}

/**
 * The one tenant of `--tenant`, checked; undefined without it.
 * @throws ConfigError for a bad name, or with `--tenants` too
 */
export function tenantFrom(s: Settings): string | undefined {
  if (!s.tenant) return undefined;
  if (s.tenants) throw new ConfigError("give --tenant or --tenants, not both");
  if (!isTenantName(s.tenant)) {
    throw new ConfigError(`--tenant: "${s.tenant}" is not a tenant name (${TENANT_NAME_RULE})`);
  }
  return s.tenant;
}

/** How steps parse and finalize: `--format`, `--fields`, the grace and lag minutes. */
export function stepSettingsFrom(s: Settings): Pick<Context, "parse" | "graceMs" | "maxLagMs"> {
  const format = (s.format ?? "realtime") as LogFormat;
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError(`--format must be realtime, standard or json, got "${format}"`);
  }
  return {
    parse: { format, fields: parseFields(s.fields, s["field-order"], format) },
    graceMs: minutes(s["grace-minutes"], DEFAULT_GRACE_MS, "grace-minutes"),
    maxLagMs: minutes(s["max-lag-minutes"], DEFAULT_MAX_LAG_MS, "max-lag-minutes"),
  };
}

/**
 * The place a location names. A local path is resolved against the working directory, with
 * the symlinks of its longest existing part resolved too (the rest may not exist yet), so
 * `./logs/`, `logs/../logs` and a link to it are one place.
 */
export function placeOf(location: string): Place {
  if (location === "memory:") return { kind: "memory" };
  if (location.startsWith("s3://")) return s3Place(location);
  let existing = resolve(location);
  const missing: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    missing.unshift(basename(existing));
    existing = dirname(existing);
  }
  let real = existing;
  try {
    real = realpathSync(existing);
  } catch {
    // Unreadable: compare the path as written.
  }
  return localPlace(join(real, ...missing));
}

/**
 * Refuses settings whose source, store and archive overlap, before anything is opened: one
 * inside another would delete originals with no copy or count requests twice.
 * @throws ConfigError naming both locations and their roles
 */
export function assertApart(s: Settings): void {
  const set: Located[] = [];
  for (const role of ["source", "store", "archive", "out"] as const) {
    const text = s[role];
    if (text) set.push({ role, text, place: placeOf(text) });
  }
  const why = overlapError(set);
  if (why !== undefined) throw new ConfigError(why);
}

/** The pipeline context of complete settings. @throws ConfigError */
export function contextFrom(s: Settings, log: (message: string) => void): Context {
  assertApart(s);
  return makeContext({
    ...stepSettingsFrom(s),
    source: sourceFrom(s),
    store: storeFrom(s),
    now: parseNow(s.now),
    log,
  });
}

/**
 * What the API app is built from: the store (required), the live queue and the archive
 * when set, the step settings, and the API keys. A fixed `--now` fixes the app's clock.
 * @throws ConfigError, also when no API key is set: the server must not start without one.
 */
export function appDepsFrom(
  s: Settings,
  env: Record<string, string | undefined>,
  log: (message: string) => void,
): AppDeps {
  const apiKeys = apiKeysFrom(env);
  if (apiKeys.length === 0) {
    throw new ConfigError(
      `${API_KEY_VARIABLE} is not set: the server does not start without an API key`,
    );
  }
  assertApart(s);
  const now = s.now === undefined ? undefined : parseNow(s.now);
  return {
    store: storeFrom(s),
    source: s.source ? sourceFrom(s) : undefined,
    archive: archiveFrom(s),
    pipeline: { ...stepSettingsFrom(s), log },
    apiKeys,
    tenants: tenantsFrom(s),
    alerts: alertsFrom(s),
    clock: now === undefined ? undefined : () => now,
    log,
  };
}

/** The alert rules of `--alerts` (JSON, or a file of JSON); none when unset. */
export function alertsFrom(s: Settings): AlertRule[] {
  if (!s.alerts) return [];
  const text = s.alerts.trim().startsWith("[") ? s.alerts : readText(s.alerts, "alerts");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`--alerts is not JSON (${(e as Error).message})`);
  }
  const rules = v.safeParse(AlertRulesSchema, json);
  if (!rules.success) {
    const i = rules.issues[0];
    const where = (i.path ?? []).map((p) => String(p.key)).join(".");
    throw new ConfigError(`--alerts: ${where ? `${where}: ` : ""}${i.message}`);
  }
  return rules.output;
}

/** A settings file is read only up to this size: a field list or rules are a few KB. */
const SETTINGS_FILE_BYTES = 1024 * 1024;

function readText(path: string, flag: string): string {
  try {
    const info = statSync(path);
    // A device or a pipe has no size to check (/dev/zero would never end): files only.
    if (!info.isFile()) throw new ConfigError(`--${flag}: ${path} is not a regular file`);
    const size = info.size;
    if (size > SETTINGS_FILE_BYTES) {
      throw new ConfigError(`--${flag}: ${path} has ${size} bytes; at most ${SETTINGS_FILE_BYTES}`);
    }
    return readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`--${flag}: cannot read ${path} (${(e as Error).message})`);
  }
}

/** Where archive copies go, when `--archive` is set (apart from the source and the store). */
export function archiveFrom(s: Settings): { store: Store; storageClass: string } | undefined {
  if (!s.archive) return undefined;
  assertApart(s);
  const store = open(s, "archive", s.archive, openStore);
  const tenant = tenantFrom(s);
  return {
    store: tenant === undefined ? store : prefixedStore(store, tenant),
    storageClass: s["storage-class"] ?? DEFAULT_STORAGE_CLASS,
  };
}

/**
 * The API keys from `CLOUDFRONT_LETS_API_KEY`: several may be given, comma-separated, so
 * that a key can be rotated without downtime; `key@E1+E2` limits a key to those tenants.
 * Keys shorter than 16 characters are refused.
 */
export function apiKeysFrom(env: Record<string, string | undefined>): ApiKey[] {
  const entries = (env[API_KEY_VARIABLE] ?? "").split(",").map((k) => k.trim()).filter(Boolean);
  return entries.map((entry) => {
    const [key, scope] = entry.split("@");
    if (key.length < 16) {
      throw new ConfigError(`${API_KEY_VARIABLE}: every key needs at least 16 characters`);
    }
    if (scope === undefined) return { key };
    const tenants = scope.split("+").filter(Boolean);
    if (tenants.length === 0 || !tenants.every(isTenantName)) {
      throw new ConfigError(`${API_KEY_VARIABLE}: "@${scope}" does not name tenants`);
    }
    return { key, tenants };
  });
}

/**
 * The Tenant dimension of metrics: `--metrics-tenant`, else `--tenant`, else the last
 * segment of the source's location (the prefix of `s3://bucket/cloudfront/E2EXAMPLE` is
 * `E2EXAMPLE`; of a bucket alone, the bucket).
 */
export function tenantOf(s: Settings): string {
  if (s["metrics-tenant"]) return s["metrics-tenant"];
  if (s.tenant) return s.tenant;
  const parts = (s.source ?? "").replace(/^s3:\/\//, "").split(/[\/\\]/).filter(Boolean);
  return parts.at(-1) ?? "default";
}

/** The tenants setting: undefined for one tenant (DESIGN §4's layout), `auto`, or a list. */
export function tenantsFrom(s: Settings): "auto" | string[] | undefined {
  if (!s.tenants) return undefined;
  if (s.tenants.trim() === "auto") return "auto";
  const list = s.tenants.split(",").map((t) => t.trim()).filter(Boolean);
  const bad = list.find((t) => !isTenantName(t));
  if (bad !== undefined || list.length === 0) {
    throw new ConfigError(
      `--tenants: "${bad ?? s.tenants}" is not a tenant name (${TENANT_NAME_RULE})`,
    );
  }
  return list;
}
