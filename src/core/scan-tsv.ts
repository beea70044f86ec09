/**
 * The fast path of the parser: log lines read straight from the bytes.
 *
 * A line costs one pass to find its tabs, a hash and compare per kept text field, and a
 * few digit loops; no string, object or decode per line. It takes only lines of the
 * common shape (the exact width, a 3-digit status, plain decimal numbers, no leading
 * blank, `#` or `{`); every other line goes to the string parser, whose rules
 * ({@link parseLine}) stay the single definition of what a line means. A test holds the
 * two paths to the same output on every fixture and on generated edge cases.
 * @module
 */
import { KEPT_FIELDS, type Layout, MAX_EPOCH_S, MIN_EPOCH_S } from "./parse-line.ts";
import { type Row, ROW_TEXT } from "./row.ts";
import { idOfBytes, idOfValue, type ValueTable } from "./value-table.ts";

// Field slots: the numbers, then the text columns in ROW_TEXT order (status is text 0).
const TIMESTAMP = 0;
const BYTES = 1;
const TIME_TAKEN = 2;
const TTFB = 3;
const DATE = 4;
const TIME = 5;
const TEXT0 = 6;
const SLOTS = TEXT0 + ROW_TEXT.length;
const PATH = TEXT0 + ROW_TEXT.indexOf("path");
const STATUS = TEXT0 + ROW_TEXT.indexOf("status");

const SLOT_OF: Readonly<Record<string, number>> = {
  "timestamp": TIMESTAMP,
  "date": DATE,
  "time": TIME,
  "sc-bytes": BYTES,
  "time-taken": TIME_TAKEN,
  "time-to-first-byte": TTFB,
  "sc-status": STATUS,
  "cs-method": TEXT0 + ROW_TEXT.indexOf("method"),
  "cs-protocol": TEXT0 + ROW_TEXT.indexOf("protocol"),
  "cs-protocol-version": TEXT0 + ROW_TEXT.indexOf("protocol_version"),
  "cs-uri-stem": PATH,
  "x-edge-location": TEXT0 + ROW_TEXT.indexOf("edge_location"),
  "x-edge-result-type": TEXT0 + ROW_TEXT.indexOf("result_type"),
  "x-edge-response-result-type": TEXT0 + ROW_TEXT.indexOf("response_result_type"),
  "sc-content-type": TEXT0 + ROW_TEXT.indexOf("content_type"),
  "c-country": TEXT0 + ROW_TEXT.indexOf("country"),
  "cs-user-agent": TEXT0 + ROW_TEXT.indexOf("user_agent"),
  "cs-referer": TEXT0 + ROW_TEXT.indexOf("referer"),
};
const HOST = TEXT0 + ROW_TEXT.indexOf("host");

/** A layout compiled for the byte scanner. */
export interface FastLayout {
  readonly width: number;
  /** Per column, the slot it fills, or -1. */
  readonly slotOf: Int8Array;
  /** Per slot, whether some column fills it. */
  readonly present: Uint8Array;
  /** Per-line scratch: field bounds by slot. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/** Compiles a layout for the fast path, or undefined when it has no time columns at all. */
export function compileFast(layout: Layout): FastLayout | undefined {
  const has = (name: string) => layout.fields.includes(name);
  if (!has("timestamp") && !(has("date") && has("time"))) return undefined;
  const hostField = KEPT_FIELDS[layout.hostW];
  const slotOf = Int8Array.from(
    layout.fields,
    (name) => (name === hostField ? HOST : SLOT_OF[name] ?? -1),
  );
  const present = new Uint8Array(SLOTS);
  for (const s of slotOf) if (s >= 0) present[s] = 1;
  return {
    width: layout.fields.length,
    slotOf,
    present,
    starts: new Int32Array(SLOTS),
    ends: new Int32Array(SLOTS),
  };
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `digits[.digits]` of at most 15 digits as the same double `Number()` gives (both
 * operands are exact, and IEEE division rounds correctly), else NaN.
 */
function decimal(b: Uint8Array, s: number, e: number): number {
  if (e - s > 16 || s >= e) return NaN;
  let v = 0;
  let i = s;
  for (; i < e; i++) {
    const d = b[i] - 48;
    if (d >>> 0 > 9) break;
    v = v * 10 + d;
  }
  if (i === e) return v;
  if (i === s || b[i] !== 46 || i + 1 === e) return NaN;
  const dot = i;
  for (i++; i < e; i++) {
    const d = b[i] - 48;
    if (d >>> 0 > 9) return NaN;
    v = v * 10 + d;
  }
  return v / POW10[e - dot - 1];
}

/** Two ASCII digits at `i` as a number, or NaN. */
function two(b: Uint8Array, i: number): number {
  const hi = b[i] - 48;
  const lo = b[i + 1] - 48;
  return hi >>> 0 > 9 || lo >>> 0 > 9 ? NaN : hi * 10 + lo;
}

/**
 * Epoch ms of a standard log's `YYYY-MM-DD` and `HH:MM:SS` (UTC), or NaN for anything
 * else: fractions, days past the 28th and years before 1970 go to the string parser,
 * which knows every calendar rule.
 */
function dateTime(b: Uint8Array, ds: number, de: number, ts: number, te: number): number {
  if (de - ds !== 10 || te - ts !== 8) return NaN;
  if (b[ds + 4] !== 45 || b[ds + 7] !== 45 || b[ts + 2] !== 58 || b[ts + 5] !== 58) return NaN;
  const year = two(b, ds) * 100 + two(b, ds + 2);
  const month = two(b, ds + 5);
  const day = two(b, ds + 8);
  const hour = two(b, ts);
  const minute = two(b, ts + 3);
  const second = two(b, ts + 6);
  if (
    !(year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour <= 23 &&
      minute <= 59 && second <= 59)
  ) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

const DASH = 45;
/** True for an empty field or `-`. */
function missing(b: Uint8Array, s: number, e: number): boolean {
  return s === e || (e - s === 1 && b[s] === DASH);
}

/** Milliseconds from seconds as logged; NaN for missing; undefined when not a plain decimal. */
function millis(b: Uint8Array, s: number, e: number): number | undefined {
  if (missing(b, s, e)) return NaN;
  const v = decimal(b, s, e);
  return Number.isNaN(v) ? undefined : Math.round(v * 1000);
}

/** What the scanner calls back with. */
export interface ScanTarget {
  /** The compiled layout, or undefined to send every line to `onOther`. May change in `onOther`. */
  fast: FastLayout | undefined;
  tables: ValueTable[];
  row: Row;
  /** A record of the common shape, in `row`. */
  onRow: (row: Row) => void;
  /** A line the fast path does not take, without its terminator (a CR before LF included). */
  onOther: (bytes: Uint8Array, start: number, end: number) => void;
}

/**
 * Parses the complete lines of `bytes` from `from` on and returns where the first
 * incomplete line starts (`bytes.length` when the last line is complete).
 */
export function scanLines(bytes: Uint8Array, from: number, t: ScanTarget): number {
  const to = bytes.length;
  let pos = from;
  while (pos < to) {
    const fast = t.fast;
    const first = bytes[pos];
    if (fast === undefined || first <= 32 || first === 35 /* # */ || first === 123 /* { */) {
      const nl = bytes.indexOf(10, pos);
      if (nl === -1) return pos;
      t.onOther(bytes, pos, nl > pos && bytes[nl - 1] === 13 ? nl - 1 : nl);
      pos = nl + 1;
      continue;
    }
    const { width, slotOf, starts, ends } = fast;
    let col = 0;
    let fieldStart = pos;
    let i = pos;
    for (; i < to; i++) {
      const c = bytes[i];
      if (c === 9) {
        if (col < width) {
          const s = slotOf[col];
          if (s >= 0) {
            starts[s] = fieldStart;
            ends[s] = i;
          }
        }
        col++;
        fieldStart = i + 1;
      } else if (c === 10) break;
    }
    if (i === to) return pos;
    const end = i > pos && bytes[i - 1] === 13 ? i - 1 : i;
    if (col + 1 === width && fillRow(bytes, fast, t, slotOf[col], fieldStart, end)) {
      t.onRow(t.row);
    } else t.onOther(bytes, pos, end);
    pos = i + 1;
  }
  return pos;
}

/** Fills the row from the field bounds; false when the line needs the string parser. */
function fillRow(
  b: Uint8Array,
  fast: FastLayout,
  t: ScanTarget,
  lastSlot: number,
  lastStart: number,
  lastEnd: number,
): boolean {
  const { starts, ends, present } = fast;
  if (lastSlot >= 0) {
    starts[lastSlot] = lastStart;
    ends[lastSlot] = lastEnd;
  }
  // sc-status: three digits.
  const ss = starts[STATUS];
  if (
    ends[STATUS] - ss !== 3 || (b[ss] - 48) >>> 0 > 9 || (b[ss + 1] - 48) >>> 0 > 9 ||
    (b[ss + 2] - 48) >>> 0 > 9
  ) return false;
  const row = t.row;
  if (present[TIMESTAMP]) {
    // timestamp: epoch seconds, 9 to 16 characters, within the plausible range.
    const ts = starts[TIMESTAMP];
    const te = ends[TIMESTAMP];
    if (te - ts < 9) return false;
    const seconds = decimal(b, ts, te);
    if (!(seconds >= MIN_EPOCH_S && seconds < MAX_EPOCH_S)) return false;
    row.timestamp = Math.round(seconds * 1000);
  } else {
    const ms = dateTime(b, starts[DATE], ends[DATE], starts[TIME], ends[TIME]);
    if (Number.isNaN(ms)) return false;
    row.timestamp = ms;
  }

  if (present[BYTES] && !missing(b, starts[BYTES], ends[BYTES])) {
    const v = decimal(b, starts[BYTES], ends[BYTES]);
    if (Number.isNaN(v)) return false;
    row.bytes = v;
  } else row.bytes = 0;
  if (present[TIME_TAKEN]) {
    const v = millis(b, starts[TIME_TAKEN], ends[TIME_TAKEN]);
    if (v === undefined) return false;
    row.time_taken_ms = v;
  } else row.time_taken_ms = NaN;
  if (present[TTFB]) {
    const v = millis(b, starts[TTFB], ends[TTFB]);
    if (v === undefined) return false;
    row.ttfb_ms = v;
  } else row.ttfb_ms = NaN;

  const ids = row.ids;
  const tables = t.tables;
  for (let s = TEXT0; s < SLOTS; s++) {
    const c = s - TEXT0;
    if (!present[s]) {
      ids[c] = idOfValue(tables[c], ""); // an absent column reads as missing
      continue;
    }
    let e = ends[s];
    if (s === PATH) {
      // Real-time logs carry the query inside cs-uri-stem; paths are kept without it.
      for (let i = starts[s]; i < e; i++) {
        if (b[i] === 63 /* ? */) {
          e = i;
          break;
        }
      }
    }
    ids[c] = idOfBytes(tables[c], b, starts[s], e);
  }
  return true;
}
