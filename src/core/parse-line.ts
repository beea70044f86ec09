/**
 * The per-line parser: one tab-separated (or JSON) log line in, one {@link LogRecord} or a
 * malformed-line reason out. This is the hot path, so the layout is compiled once per
 * object and a line costs one `split` plus the work for the columns we keep.
 * @module
 */
import { decodeAgent, decodeValue } from "./decode.ts";
import { FIELD_SHAPES, normalizeFieldName, NUMBER_LIMITS } from "./fields.ts";
import { memoize, redactAddresses, redactAgent } from "./privacy.ts";
import type { LogRecord, TEXT_COLUMNS } from "./record.ts";

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

/** A status code as logged: three ASCII digits (`000` included). */
export function isStatus(s: string): boolean {
  return s.length === 3 &&
    s.charCodeAt(0) - 48 >>> 0 < 10 && s.charCodeAt(1) - 48 >>> 0 < 10 &&
    s.charCodeAt(2) - 48 >>> 0 < 10;
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
 * Stored text is bounded: a longer value keeps its first characters and ends with
 * {@link TRUNCATED}, so that no stored key, summary or figure grows with the input.
 */
export const TEXT_LIMITS = { path: 500, host: 255, referer: 500, user_agent: 500, text: 200 };
/** The mark at the end of a value cut to its column's limit (U+2026). */
export const TRUNCATED = "…";

/** Control characters are stored as U+FFFD: they are no figure's business. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * `text` within `limit` characters. The text is cut to twice the limit before redaction
 * (so that a huge value costs no more than a long one) and to the limit after it (so that
 * a cut never leaves half an address).
 */
function bounded(text: string, limit: number, redact: (s: string) => string): string {
  const safe = redact(text.length > 2 * limit ? text.slice(0, 2 * limit) : text)
    .replace(CONTROL, "\ufffd");
  if (safe.length <= limit) return safe;
  let cut = limit - 1;
  const c = safe.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--; // never half a surrogate pair
  return safe.slice(0, cut) + TRUNCATED;
}

// Agents are long and repeat heavily: redact each distinct one once. Paths, hosts and
// referers are cheap to check directly (a `%`, `:` or digit-dot-digit test) and too varied
// for a memo to pay.
const agentMemo = memoize((s) => bounded(decodeAgent(s), TEXT_LIMITS.user_agent, redactAgent));
/** A user agent as stored: decoded (twice for pre-2020 logs), redacted, bounded. */
export const cleanAgent = (s: string | undefined): string => agentMemo(s ?? "-");
/** A free-text value as stored: "-" is "", URL-decoded once, addresses redacted, bounded. */
export const cleanText = (limit: number) => (s: string | undefined): string =>
  s === undefined || s === "-" || s === "" ? "" : bounded(decodeValue(s), limit, redactAddresses);
/** A free-text value of the default limit (content types). */
export const clean = cleanText(TEXT_LIMITS.text);
/** A path as stored. */
export const cleanPath = cleanText(TEXT_LIMITS.path);

/**
 * A value of a field with a known shape (method, edge, result type, country...), as
 * stored: "-" is "", a value that fits is kept as logged, and one that does not is null:
 * its line is malformed. A shape never admits an address, so nothing here needs redacting.
 */
export const closed = (field: string) => {
  const shape = FIELD_SHAPES[field];
  return (s: string | undefined): string | null =>
    s === undefined || s === "-" || s === "" ? "" : shape.test(s) ? s : null;
};

/** The methods HTTP defines; CloudFront serves the first seven. */
export const METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "CONNECT",
  "TRACE",
]);

/**
 * Any other method a viewer sent is stored as `OTHER`: the method is the viewer's to
 * choose, and the count of distinct methods must not grow with what viewers make up.
 */
function method(check: (s: string | undefined) => string | null) {
  return (s: string | undefined): string | null => {
    const m = check(s);
    return m === null || m === "" || METHODS.has(m) ? m : "OTHER";
  };
}

/**
 * How each text column's logged text becomes its stored value (DESIGN §3 and §6): closed
 * columns are checked against their field's shape (null: the line is malformed), free
 * text is decoded, redacted and bounded. Every kept text value goes through one of them.
 */
export const STORE: Readonly<
  Record<"status" | (typeof TEXT_COLUMNS)[number], (logged: string | undefined) => string | null>
> = {
  status: (s) => (s !== undefined && isStatus(s) ? s : null),
  method: method(closed("cs-method")),
  protocol: closed("cs-protocol"),
  protocol_version: closed("cs-protocol-version"),
  host: cleanText(TEXT_LIMITS.host),
  path: cleanPath,
  edge_location: closed("x-edge-location"),
  result_type: closed("x-edge-result-type"),
  response_result_type: closed("x-edge-response-result-type"),
  content_type: clean,
  country: closed("c-country"),
  user_agent: cleanAgent,
  referer: cleanText(TEXT_LIMITS.referer),
};
const CLOSED = STORE;

/** Builds a record from values in KEPT_FIELDS order (shared by TSV and JSON lines). */
function buildRecord(v: ReadonlyArray<string | undefined>, hostW: number): LogRecord | Malformed {
  const status = v[W["sc-status"]];
  if (status === undefined || !isStatus(status)) return "status";
  const ts = v[W.timestamp];
  const timestamp = ts !== undefined
    ? parseEpochSeconds(ts)
    : parseDateTime(v[W.date] ?? "", v[W.time] ?? "");
  if (Number.isNaN(timestamp)) return "timestamp";
  const bytes = toNumber(v[W["sc-bytes"]], "sc-bytes");
  const taken = toNumber(v[W["time-taken"]], "time-taken");
  const ttfb = toNumber(v[W["time-to-first-byte"]], "time-to-first-byte");
  if (bytes === BAD || taken === BAD || ttfb === BAD) return "number";
  const method = CLOSED.method(v[W["cs-method"]]);
  const protocol = CLOSED.protocol(v[W["cs-protocol"]]);
  const protocolVersion = CLOSED.protocol_version(v[W["cs-protocol-version"]]);
  const edge = CLOSED.edge_location(v[W["x-edge-location"]]);
  const result = CLOSED.result_type(v[W["x-edge-result-type"]]);
  const response = CLOSED.response_result_type(v[W["x-edge-response-result-type"]]);
  const country = CLOSED.country(v[W["c-country"]]);
  if (
    method === null || protocol === null || protocolVersion === null || edge === null ||
    result === null || response === null || country === null
  ) return "value";

  // Real-time logs carry the query inside cs-uri-stem; paths are kept without it.
  let stem = v[W["cs-uri-stem"]] ?? "";
  const q = stem.indexOf("?");
  if (q !== -1) stem = stem.slice(0, q);
  return {
    timestamp,
    status,
    bytes: bytes ?? 0,
    time_taken_ms: taken === null ? null : Math.round(taken * 1000),
    ttfb_ms: ttfb === null ? null : Math.round(ttfb * 1000),
    method,
    protocol,
    protocol_version: protocolVersion,
    host: STORE.host(v[hostW])!,
    path: cleanPath(stem),
    edge_location: edge,
    result_type: result,
    response_result_type: response,
    content_type: clean(v[W["sc-content-type"]]),
    country,
    user_agent: cleanAgent(v[W["cs-user-agent"]]),
    referer: STORE.referer(v[W["cs-referer"]])!,
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
