/**
 * The per-line parser: one tab-separated (or JSON) log line in, one {@link LogRecord} or a
 * malformed-line reason out. This is the hot path, so the layout is compiled once per
 * object and a line costs one `split` plus the work for the columns we keep.
 * @module
 */
import { decodeAgent, decodeValue } from "./decode.ts";
import { normalizeFieldName } from "./fields.ts";
import { memoize, redactAddresses, redactAgent } from "./privacy.ts";
import type { LogRecord } from "./record.ts";

/** Log fields a record is built from; every other field is skipped unread. */
const WANTED = [
  "timestamp",
  "date",
  "time",
  "sc-status",
  "sc-bytes",
  "cs-method",
  "cs-protocol",
  "cs-protocol-version",
  "cs-host",
  "x-host-header",
  "cs-uri-stem",
  "cs-uri-query",
  "x-edge-location",
  "x-edge-result-type",
  "x-edge-response-result-type",
  "time-taken",
  "time-to-first-byte",
  "cs-user-agent",
  "cs-referer",
  "sc-content-type",
  "c-country",
] as const;
const W = Object.fromEntries(WANTED.map((name, i) => [name, i])) as Record<
  (typeof WANTED)[number],
  number
>;

/** Why a line was not turned into a record. */
export type Malformed = "columns" | "timestamp" | "status";

/** A field list compiled for fast lookup. */
export interface Layout {
  readonly fields: readonly string[];
  /** For each WANTED field, its column, or -1. */
  readonly columns: Int32Array;
  /** Standard logs: `x-host-header` is the viewer's Host. Real-time: `cs-host` is. */
  readonly hostColumn: number;
  /** Standard logs may carry extra trailing columns; real-time lines must fit exactly. */
  readonly tolerateExtra: boolean;
}

/** Compiles a field list (in column order) for {@link parseLine}. */
export function compileLayout(
  fields: readonly string[],
  opts: { standard?: boolean } = {},
): Layout {
  const names = fields.map(normalizeFieldName);
  const columns = new Int32Array(WANTED.length).fill(-1);
  WANTED.forEach((name, i) => (columns[i] = names.indexOf(name)));
  const host = opts.standard
    ? (columns[W["x-host-header"]] >= 0 ? columns[W["x-host-header"]] : columns[W["cs-host"]])
    : (columns[W["cs-host"]] >= 0 ? columns[W["cs-host"]] : columns[W["x-host-header"]]);
  if (columns[W.timestamp] < 0 && (columns[W.date] < 0 || columns[W.time] < 0)) {
    throw new Error("the field list has neither `timestamp` nor `date` and `time`");
  }
  if (columns[W["sc-status"]] < 0) throw new Error("the field list has no `sc-status`");
  return { fields: names, columns, hostColumn: host, tolerateExtra: opts.standard === true };
}

const MIN_EPOCH_S = 946_684_800; // 2000-01-01
const MAX_EPOCH_S = 4_102_444_800; // 2100-01-01

/** Epoch milliseconds from real-time `1591741350.123`, or NaN when it is not epoch seconds. */
export function parseEpochSeconds(text: string): number {
  if (text.length < 9 || text.length > 20) return NaN;
  const s = Number(text);
  if (!(s >= MIN_EPOCH_S && s < MAX_EPOCH_S)) return NaN;
  return Math.round(s * 1000);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}:\d{2}(?:\.\d+)?$/;

/** Epoch milliseconds from a standard log's `date` and `time` columns (UTC), or NaN. */
export function parseDateTime(date: string, time: string): number {
  if (!DATE.test(date) || !TIME.test(time)) return NaN;
  return Date.parse(`${date}T${time}Z`);
}

function isStatus(s: string): boolean {
  return s.length === 3 &&
    s.charCodeAt(0) - 48 >>> 0 < 10 && s.charCodeAt(1) - 48 >>> 0 < 10 &&
    s.charCodeAt(2) - 48 >>> 0 < 10;
}

function toNumber(s: string | undefined): number | null {
  if (s === undefined || s === "-" || s === "") return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function toMillis(s: string | undefined): number | null {
  const n = toNumber(s);
  return n === null ? null : Math.round(n * 1000);
}

// Agents are long and repeat heavily: redact each distinct one once. Paths, hosts and
// referers are cheap to check directly (a `%`, `:` or digit-dot-digit test) and too varied
// for a memo to pay.
const cleanAgent = memoize((s) => redactAgent(decodeAgent(s)));
const clean = (
  s: string | undefined,
) => (s === undefined || s === "-" || s === "" ? "" : redactAddresses(decodeValue(s)));
const plain = (s: string | undefined) => (s === undefined || s === "-" ? "" : s);

/** A column of `cols` by WANTED index, or undefined when the field list lacks it. */
const at = (cols: readonly string[], columns: Int32Array, w: number): string | undefined =>
  columns[w] < 0 ? undefined : cols[columns[w]];

/**
 * Builds a record from `cols`, where `columns[w]` is the column of WANTED field `w` (shared
 * by TSV lines and JSON lines, whose values are first laid out in WANTED order).
 */
function buildRecord(
  cols: readonly string[],
  columns: Int32Array,
  host: string | undefined,
): LogRecord | Malformed {
  const status = at(cols, columns, W["sc-status"]);
  if (status === undefined || !isStatus(status)) return "status";
  const ts = at(cols, columns, W.timestamp);
  const timestamp = ts !== undefined
    ? parseEpochSeconds(ts)
    : parseDateTime(at(cols, columns, W.date) ?? "", at(cols, columns, W.time) ?? "");
  if (Number.isNaN(timestamp)) return "timestamp";

  let stem = at(cols, columns, W["cs-uri-stem"]) ?? "";
  let query = at(cols, columns, W["cs-uri-query"]);
  const q = stem.indexOf("?");
  if (q !== -1) {
    if (query === undefined || query === "-") query = stem.slice(q + 1);
    stem = stem.slice(0, q);
  }
  return {
    timestamp,
    status,
    bytes: toNumber(at(cols, columns, W["sc-bytes"])) ?? 0,
    time_taken_ms: toMillis(at(cols, columns, W["time-taken"])),
    ttfb_ms: toMillis(at(cols, columns, W["time-to-first-byte"])),
    method: plain(at(cols, columns, W["cs-method"])),
    protocol: plain(at(cols, columns, W["cs-protocol"])),
    protocol_version: plain(at(cols, columns, W["cs-protocol-version"])),
    host: clean(host),
    path: clean(stem),
    query: clean(query),
    edge_location: plain(at(cols, columns, W["x-edge-location"])),
    result_type: plain(at(cols, columns, W["x-edge-result-type"])),
    response_result_type: plain(at(cols, columns, W["x-edge-response-result-type"])),
    content_type: clean(at(cols, columns, W["sc-content-type"])),
    country: plain(at(cols, columns, W["c-country"])),
    user_agent: cleanAgent(at(cols, columns, W["cs-user-agent"]) ?? "-"),
    referer: clean(at(cols, columns, W["cs-referer"])),
  };
}

/**
 * Parses one tab-separated line (no line terminator) against a compiled layout.
 * Address fields are never read: they are not among the WANTED columns.
 */
export function parseLine(line: string, layout: Layout): LogRecord | Malformed {
  const cols = line.split("\t");
  const width = layout.fields.length;
  if (cols.length !== width) {
    if (cols.length < width) return "columns";
    if (!layout.tolerateExtra) {
      for (let i = width; i < cols.length; i++) if (cols[i] !== "") return "columns";
    }
  }
  return buildRecord(
    cols,
    layout.columns,
    layout.hostColumn < 0 ? undefined : cols[layout.hostColumn],
  );
}

const IDENTITY = Int32Array.from(WANTED, (_, i) => i);

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
  const values = WANTED.map((name) => byName.get(name)) as string[];
  return buildRecord(values, IDENTITY, byName.get("x-host-header") ?? byName.get("cs-host"));
}
