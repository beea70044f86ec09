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
export const KEPT_FIELDS = [
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
const W = Object.fromEntries(KEPT_FIELDS.map((name, i) => [name, i])) as Record<
  (typeof KEPT_FIELDS)[number],
  number
>;

/** Why a line was not turned into a record. */
export type Malformed = "columns" | "timestamp" | "status";

/** A field list compiled for fast lookup. */
export interface Layout {
  readonly fields: readonly string[];
  /** For each column, the KEPT_FIELDS index it fills, or -1 when it is skipped unread. */
  readonly want: Int16Array;
  /** The KEPT_FIELDS index of the viewer's Host: `x-host-header` in standard logs, `cs-host` in real-time. */
  readonly hostW: number;
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
  const want = Int16Array.from(names, (n) => (KEPT_FIELDS as readonly string[]).indexOf(n));
  const has = (n: (typeof KEPT_FIELDS)[number]) => names.includes(n);
  if (!has("timestamp") && !(has("date") && has("time"))) {
    throw new Error("the field list has neither `timestamp` nor `date` and `time`");
  }
  if (!has("sc-status")) throw new Error("the field list has no `sc-status`");
  const [first, second] = opts.standard
    ? ["x-host-header", "cs-host"] as const
    : ["cs-host", "x-host-header"] as const;
  return {
    fields: names,
    want,
    hostW: W[has(first) ? first : second],
    tolerateExtra: opts.standard === true,
    values: new Array(KEPT_FIELDS.length).fill(undefined),
  };
}

/** Real-time timestamps outside [2000, 2100) mean the field list is wrong. */
export const MIN_EPOCH_S = 946_684_800; // 2000-01-01
/** See {@link MIN_EPOCH_S}. */
export const MAX_EPOCH_S = 4_102_444_800; // 2100-01-01

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

/** A status code as logged: three ASCII digits (`000` included). */
export function isStatus(s: string): boolean {
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
const agentMemo = memoize((s) => redactAgent(decodeAgent(s)));
/** A user agent as stored: decoded (twice for pre-2020 logs) and redacted. */
export const cleanAgent = (s: string | undefined): string => agentMemo(s ?? "-");
/** A free-text value as stored: "-" is "", URL-decoded once, addresses redacted. */
export const clean = (
  s: string | undefined,
): string => (s === undefined || s === "-" || s === "" ? "" : redactAddresses(decodeValue(s)));
/** A token value as stored (method, edge, result type...): "-" is "", otherwise as logged. */
export const plain = (s: string | undefined): string => (s === undefined || s === "-" ? "" : s);

/** Builds a record from values in KEPT_FIELDS order (shared by TSV and JSON lines). */
function buildRecord(v: ReadonlyArray<string | undefined>, hostW: number): LogRecord | Malformed {
  const status = v[W["sc-status"]];
  if (status === undefined || !isStatus(status)) return "status";
  const ts = v[W.timestamp];
  const timestamp = ts !== undefined
    ? parseEpochSeconds(ts)
    : parseDateTime(v[W.date] ?? "", v[W.time] ?? "");
  if (Number.isNaN(timestamp)) return "timestamp";

  // Real-time logs carry the query inside cs-uri-stem; paths are kept without it.
  let stem = v[W["cs-uri-stem"]] ?? "";
  const q = stem.indexOf("?");
  if (q !== -1) stem = stem.slice(0, q);
  return {
    timestamp,
    status,
    bytes: toNumber(v[W["sc-bytes"]]) ?? 0,
    time_taken_ms: toMillis(v[W["time-taken"]]),
    ttfb_ms: toMillis(v[W["time-to-first-byte"]]),
    method: plain(v[W["cs-method"]]),
    protocol: plain(v[W["cs-protocol"]]),
    protocol_version: plain(v[W["cs-protocol-version"]]),
    host: clean(v[hostW]),
    path: clean(stem),
    edge_location: plain(v[W["x-edge-location"]]),
    result_type: plain(v[W["x-edge-result-type"]]),
    response_result_type: plain(v[W["x-edge-response-result-type"]]),
    content_type: clean(v[W["sc-content-type"]]),
    country: plain(v[W["c-country"]]),
    user_agent: cleanAgent(v[W["cs-user-agent"]]),
    referer: clean(v[W["cs-referer"]]),
  };
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
  return buildRecord(values, layout.hostW);
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
  return buildRecord(values, W[byName.has("x-host-header") ? "x-host-header" : "cs-host"]);
}
