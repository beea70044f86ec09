/**
 * The per-line parser: one tab-separated (or JSON) log line in, one {@link LogRecord} or a
 * malformed-line reason out. This is the hot path, so the layout is compiled once per
 * object and a line costs one `split` plus the work for the columns we keep.
 * @module
 */
import { cleanStatus } from "./clean.ts";
import {
  COLUMNS,
  KEPT_FIELDS,
  NUMBER_COLUMN_SPECS,
  TEXT_COLUMN_NAMES,
  TEXT_COLUMN_SPECS,
} from "./columns.ts";
import { normalizeFieldName, NUMBER_LIMITS } from "./fields.ts";
import type { LogRecord } from "./record.ts";

export { KEPT_FIELDS };

const KEPT_INDEX = new Map(KEPT_FIELDS.map((name, i) => [name, i]));
const W_DATE = KEPT_INDEX.get("date")!;
const W_TIME = KEPT_INDEX.get("time")!;

/**
 * Why a line was not turned into a record: its column count, its time, its status, a
 * number that is not a plain decimal within its field's limit, a value of a kept field
 * that does not fit the field's shape, or a line longer than {@link MAX_LINE_BYTES}.
 */
export type Malformed = "columns" | "timestamp" | "status" | "number" | "value" | "length";

/** Bytes a line may have; the rest of a longer one is skipped and the line is malformed. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** A field list compiled for fast lookup. */
export interface Layout {
  readonly fields: readonly string[];
  /** For each column, the KEPT_FIELDS index it fills, or -1 when it is skipped unread. */
  readonly want: Int16Array;
  /**
   * Per record column (COLUMNS order), the KEPT_FIELDS index it is read from: the first
   * of its fields the list has (the time: `timestamp`, else -1 for `date` and `time`).
   */
  readonly source: Int16Array;
  /** Standard logs may carry extra trailing columns; real-time lines must fit exactly. */
  readonly tolerateExtra: boolean;
  /** Per-line scratch, in KEPT_FIELDS order. Parsing is synchronous, so one per layout is safe. */
  readonly values: Array<string | undefined>;
}

/** Compiles a field list (in column order) for {@link parseLine}. */
export function compileLayout(
  fields: readonly string[],
  opts: { standard?: boolean } = {},
): Layout {
  const names = fields.map(normalizeFieldName);
  const want = Int16Array.from(names, (n) => KEPT_INDEX.get(n) ?? -1);
  const has = (n: string) => names.includes(n);
  if (!has("timestamp") && !(has("date") && has("time"))) {
    throw new Error("the field list has neither `timestamp` nor `date` and `time`");
  }
  if (!has("sc-status")) throw new Error("the field list has no `sc-status`");
  const source = sources(has, opts.standard === true);
  return {
    fields: names,
    want,
    source,
    tolerateExtra: opts.standard === true,
    values: new Array(KEPT_FIELDS.length).fill(undefined),
  };
}

/**
 * Per record column, the KEPT_FIELDS index it is read from, given which fields there are:
 * the first of its fields, in the standard logs' order of preference where it has one.
 */
function sources(has: (field: string) => boolean, standard: boolean): Int16Array {
  return Int16Array.from(COLUMNS, (c) => {
    const order: readonly string[] = c.kind === "time"
      ? ["timestamp"]
      : c.kind === "number"
      ? [c.field]
      : (standard && "standard" in c ? c.standard : c.fields);
    const field = order.find(has);
    return field === undefined ? -1 : KEPT_INDEX.get(field)!;
  });
}

/** Real-time timestamps outside [2000, 2100) mean the field list is wrong. */
export const MIN_EPOCH_S = 946_684_800; // 2000-01-01
/** See {@link MIN_EPOCH_S}. */
export const MAX_EPOCH_S = 4_102_444_800; // 2100-01-01

/** Epoch milliseconds from real-time `1591741350.123`, or NaN when it is not epoch seconds. */
export function parseEpochSeconds(text: string): number {
  if (text.length < 9 || text.length > 20) return NaN;
  const ms = Math.round(Number(text) * 1000);
  // Rounded first: 2099-12-31T23:59:59.9999 must not land in 2100.
  return ms >= MIN_EPOCH_S * 1000 && ms < MAX_EPOCH_S * 1000 ? ms : NaN;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}:\d{2}(?:\.\d+)?$/;

/**
 * Epoch milliseconds from a standard log's `date` and `time` columns (UTC), or NaN for a
 * day the calendar does not have (`2024-02-30`), a time past `23:59:59`, or an instant
 * outside the years the real-time timestamps may have ({@link MIN_EPOCH_S}).
 */
export function parseDateTime(date: string, time: string): number {
  if (!DATE.test(date) || !TIME.test(time)) return NaN;
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  if (m < 1 || m > 12 || d < 1 || d > new Date(Date.UTC(y, m, 0)).getUTCDate()) return NaN;
  if (hh > 23 || mm > 59 || Number(time.slice(6)) >= 60) return NaN;
  const ms = Date.parse(`${date}T${time}Z`);
  return ms >= MIN_EPOCH_S * 1000 && ms < MAX_EPOCH_S * 1000 ? ms : NaN;
}

const DECIMAL = /^\d{1,16}(?:\.\d{1,9})?$/;

/** Not a number: the line is malformed ("number"). */
const BAD = Symbol("bad number");

/**
 * A number field's value: null for missing (`-`), {@link BAD} unless a plain decimal
 * within the field's limit ({@link NUMBER_LIMITS}); byte counts must be whole.
 */
function toNumber(s: string | undefined, field: string): number | null | typeof BAD {
  if (s === undefined || s === "-" || s === "") return null;
  if (!DECIMAL.test(s)) return BAD;
  const n = Number(s);
  const limit = NUMBER_LIMITS[field] ?? Number.MAX_SAFE_INTEGER;
  if (n > limit || (field.endsWith("bytes") && !Number.isInteger(n))) return BAD;
  return n;
}

/**
 * How each text column's logged text becomes its stored value, by column name (from the
 * column table; see clean.ts).
 */
export const STORE = Object.fromEntries(TEXT_COLUMN_SPECS.map((c) => [c.name, c.clean])) as Record<
  (typeof TEXT_COLUMN_NAMES)[number],
  (logged: string | undefined) => string | null
>;

const STATUS_AT = COLUMNS.findIndex((c) => c.name === "status");
const TIME_AT = COLUMNS.findIndex((c) => c.kind === "time");
const NUMBER_AT = NUMBER_COLUMN_SPECS.map((c) => COLUMNS.indexOf(c as (typeof COLUMNS)[number]));
const TEXT_AT = TEXT_COLUMN_SPECS.map((c) => COLUMNS.indexOf(c as (typeof COLUMNS)[number]));

/**
 * Builds a record from values in KEPT_FIELDS order (shared by TSV and JSON lines), column
 * by column of the column table. A status, time, number or closed value that does not fit
 * names the line's malformed reason, in that order.
 */
function buildRecord(
  v: ReadonlyArray<string | undefined>,
  source: Int16Array,
): LogRecord | Malformed {
  const at = (column: number) => (source[column] < 0 ? undefined : v[source[column]]);
  if (cleanStatus(at(STATUS_AT)) === null) return "status";
  const ts = at(TIME_AT);
  const timestamp = ts !== undefined
    ? parseEpochSeconds(ts)
    : parseDateTime(v[W_DATE] ?? "", v[W_TIME] ?? "");
  if (Number.isNaN(timestamp)) return "timestamp";
  const out: Record<string, string | number | null> = { timestamp };
  for (let i = 0; i < NUMBER_AT.length; i++) {
    const c = NUMBER_COLUMN_SPECS[i];
    const n = toNumber(at(NUMBER_AT[i]), c.field);
    if (n === BAD) return "number";
    out[c.name] = n === null ? c.missing : c.scale === 1 ? n : Math.round(n * c.scale);
  }
  for (let i = 0; i < TEXT_AT.length; i++) {
    const c = TEXT_COLUMN_SPECS[i];
    let logged = at(TEXT_AT[i]);
    if (c.cutQuery && logged !== undefined) {
      const q = logged.indexOf("?");
      if (q !== -1) logged = logged.slice(0, q);
    }
    const stored = c.clean(logged);
    if (stored === null) return "value";
    out[c.name] = stored;
  }
  return out as LogRecord;
}

/**
 * Parses one tab-separated line (no line terminator) against a compiled layout. It scans
 * tab offsets and copies out only the KEPT_FIELDS columns: address fields are never read, and
 * the other columns cost no allocation.
 */
export function parseLine(line: string, layout: Layout): LogRecord | Malformed {
  const want = layout.want;
  const width = want.length;
  const values = layout.values;
  let start = 0;
  let col = 0;
  let extra = false;
  for (let tab = line.indexOf("\t"); tab !== -1; tab = line.indexOf("\t", start)) {
    if (col < width) {
      const w = want[col];
      if (w >= 0) values[w] = line.slice(start, tab);
    } else if (tab > start) extra = true;
    col++;
    start = tab + 1;
  }
  if (col < width) {
    const w = want[col];
    if (w >= 0) values[w] = line.slice(start);
  } else if (line.length > start) extra = true;
  if (col + 1 < width || (extra && !layout.tolerateExtra)) return "columns";
  return buildRecord(values, layout.source);
}

/** Parses one standard-logging v2 JSON line: an object whose keys are field names. */
export function parseJsonLine(line: string): LogRecord | Malformed {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return "columns";
  }
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return "columns";
  const byName = new Map<string, string>();
  for (const [k, val] of Object.entries(obj)) {
    if (val !== null && val !== undefined) byName.set(normalizeFieldName(k), String(val));
  }
  const values = KEPT_FIELDS.map((name) => byName.get(name));
  // Like standard logs, JSON lines name the viewer's Host x-host-header where they have it.
  return buildRecord(values, sources((n) => byName.has(n), true));
}
