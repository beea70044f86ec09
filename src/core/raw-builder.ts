/**
 * Builds raw parts (DESIGN §4 `raw/`, see {@link RawEntrySchema}) from parsed rows and
 * writes their JSON straight into bytes. This runs once per log line, so columns are
 * typed arrays of the object's value-table ids, remapped to a part-local dictionary only
 * when the part is encoded, and the encoder writes digits itself instead of building
 * strings.
 * @module
 */
import { indexWidth, numberPacking, packIndex, writePackedNumbers } from "./packed-index.ts";
import { RAW_VERSION, type RawEntry } from "./raw-entry.ts";
import { NUMBER_COLUMNS } from "./record.ts";
import { type Row, ROW_TEXT } from "./row.ts";
import type { ValueTable } from "./value-table.ts";

/** Accumulates rows column-wise until a part is full. Missing numbers are NaN. */
export interface RawBuilder {
  count: number;
  numbers: Record<(typeof NUMBER_COLUMNS)[number], Float64Array>;
  /**
   * The rows' ids in `values`, row by row: row `i`'s id of ROW_TEXT column `c` is at
   * `i * ROW_TEXT.length + c` (one array, so that appending a row is one short loop).
   */
  ids: Int32Array;
  /**
   * Per ROW_TEXT column, the table's values when the part began: a table that starts over
   * gets a new array, so these stay the values of the ids held here.
   */
  values: string[][];
  /** The row generation the part began with (see {@link Row}). */
  generation: number;
  /** The encoder's working arrays, kept so that a part allocates none per column. */
  scratch: Scratch;
}

/** See {@link localize}. `remap` is -1 throughout between calls. */
interface Scratch {
  remap: Int32Array;
  index: Int32Array;
  firstIds: Int32Array;
}

const INITIAL_CAPACITY = 1024;
const WIDTH = ROW_TEXT.length;

/** An empty builder. */
export function rawBuilder(): RawBuilder {
  return {
    count: 0,
    numbers: Object.fromEntries(
      NUMBER_COLUMNS.map((c) => [c, new Float64Array(INITIAL_CAPACITY)]),
    ) as RawBuilder["numbers"],
    ids: new Int32Array(INITIAL_CAPACITY * ROW_TEXT.length),
    values: [],
    generation: 0,
    scratch: { remap: new Int32Array(0), index: new Int32Array(0), firstIds: new Int32Array(0) },
  };
}

/**
 * Empties a builder whose part has been encoded, keeping its grown columns: a window's
 * next part then allocates nothing.
 */
export function rawReset(b: RawBuilder): void {
  b.count = 0;
  b.values = [];
}

function grow<T extends Float64Array | Int32Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/**
 * Appends one row whose text ids refer to `tables`. Ids stay the tables' own until the
 * part is encoded, so a row costs a few stores. Returns false, appending nothing, when a
 * table has started over since the part began: the part must be encoded and a new one
 * begun for the row.
 */
export function rawAppend(b: RawBuilder, tables: readonly ValueTable[], row: Row): boolean {
  const i = b.count;
  if (i === 0) {
    b.values = tables.map((t) => t.values);
    b.generation = row.generation;
  } else if (row.generation !== b.generation) return false;
  const n = b.numbers;
  if (i === n.timestamp.length) {
    const size = i * 2;
    for (const c of NUMBER_COLUMNS) n[c] = grow(n[c], size);
    b.ids = grow(b.ids, size * WIDTH);
  }
  n.timestamp[i] = row.timestamp;
  n.bytes[i] = row.bytes;
  n.time_taken_ms[i] = row.time_taken_ms;
  n.ttfb_ms[i] = row.ttfb_ms;
  n.bytes_in[i] = row.bytes_in;
  const { ids, at } = row;
  const into = b.ids;
  for (let c = 0, o = i * WIDTH; c < WIDTH; c++) into[o + c] = ids[at + c];
  b.count = i + 1;
  return true;
}

/**
 * A part's dictionary for column `c` of `ids` (row by row, see {@link RawBuilder}): the
 * values its rows use, in order of first use; and in `scratch.index`, each row's position
 * in that dictionary.
 */
function localize(
  ids: Int32Array,
  c: number,
  n: number,
  values: readonly string[],
  scratch: Scratch,
): string[] {
  if (scratch.remap.length < values.length) {
    scratch.remap = new Int32Array(values.length).fill(-1);
  }
  if (scratch.index.length < n) {
    scratch.index = new Int32Array(n);
    scratch.firstIds = new Int32Array(n);
  }
  const { remap, index, firstIds } = scratch;
  const dict: string[] = [];
  for (let i = 0, at = c; i < n; i++, at += WIDTH) {
    const id = ids[at];
    let local = remap[id];
    if (local < 0) {
      local = remap[id] = dict.length;
      firstIds[local] = id;
      dict.push(values[id]);
    }
    index[i] = local;
  }
  for (let d = 0; d < dict.length; d++) remap[firstIds[d]] = -1;
  return dict;
}

/** Where a part comes from. */
export interface RawMeta {
  sourceKey: string;
  sourceHash: string;
  window: string;
  part: number;
  /** The record columns the object's field list has. */
  logged?: readonly string[];
}

const encoder = new TextEncoder();

/** A growable byte buffer: the encoder's only state. */
interface Out {
  bytes: Uint8Array;
  at: number;
}

function ensure(out: Out, more: number): void {
  if (out.at + more <= out.bytes.length) return;
  const bytes = new Uint8Array(Math.max(out.bytes.length * 2, out.at + more));
  bytes.set(out.bytes.subarray(0, out.at));
  out.bytes = bytes;
}

function text(out: Out, s: string): void {
  ensure(out, s.length * 3);
  out.at += encoder.encodeInto(s, out.bytes.subarray(out.at)).written;
}

/** The longest a JSON number is written: `-1.2345678901234567e+308`. */
const NUMBER_CHARS = 24;
/** "00" to "99": integers are written two digits a step. */
const PAIRS = Uint8Array.from(
  { length: 200 },
  (_, i) => 48 + (i & 1 ? (i >> 1) % 10 : (i >> 1) / 10 | 0),
);

/** Writes `v` as JSON does (NaN as null) at `at`; returns the end. */
function number(b: Uint8Array, at: number, v: number): number {
  if (v !== v) {
    b[at] = 110, b[at + 1] = 117, b[at + 2] = 108, b[at + 3] = 108; // null
    return at + 4;
  }
  if (!Number.isSafeInteger(v)) return at + encoder.encodeInto(String(v), b.subarray(at)).written;
  if (v < 0) {
    b[at++] = 45;
    v = -v;
  }
  if (v < 1e8) return digits(b, at, v);
  // A larger integer (an epoch ms) as two int32 halves: the high digits, then eight more.
  const high = Math.floor(v / 1e8);
  at = digits(b, at, high);
  let low = v - high * 1e8;
  for (let k = at + 6; k >= at; k -= 2) {
    const q = (low / 100) | 0;
    const r = (low - q * 100) << 1;
    b[k] = PAIRS[r];
    b[k + 1] = PAIRS[r + 1];
    low = q;
  }
  return at + 8;
}

/** Writes an integer in [0, 2^31) at `at`; returns the end. */
function digits(b: Uint8Array, at: number, v: number): number {
  let len = 1;
  for (let p = 10; len < 10 && v >= p; p *= 10) len++;
  let k = at + len;
  while (v >= 100) {
    const q = (v / 100) | 0;
    const r = (v - q * 100) << 1;
    b[--k] = PAIRS[r + 1];
    b[--k] = PAIRS[r];
    v = q;
  }
  if (v >= 10) {
    b[--k] = PAIRS[(v << 1) + 1];
    b[--k] = PAIRS[v << 1];
  } else b[--k] = 48 + v;
  return at + len;
}

/** A part's text columns with their part-local dictionaries (see {@link localize}). */
export interface LocalColumns {
  dicts: string[][];
  index: Int32Array[];
}

/** Every text column of a builder's part, localized once for both of its forms. */
export function localColumns(b: RawBuilder): LocalColumns {
  const dicts: string[][] = [];
  const index: Int32Array[] = [];
  ROW_TEXT.forEach((_, k) => {
    dicts.push(localize(b.ids, k, b.count, b.values[k], b.scratch));
    index.push(b.scratch.index.slice(0, b.count));
  });
  return { dicts, index };
}

/**
 * The part as {@link parseRawEntry} would read its stored JSON back, without the round
 * trip: what ingest hands to consolidation in the same process.
 */
export function rawEntryOf(b: RawBuilder, meta: RawMeta, cols: LocalColumns): RawEntry {
  const n = b.count;
  const text = {} as Record<string, RawEntry["text"][keyof RawEntry["text"]]>;
  ROW_TEXT.forEach((c, k) => {
    const index = cols.index[k];
    const counts = new Int32Array(cols.dicts[k].length);
    for (let i = 0; i < n; i++) counts[index[i]]++;
    text[c] = { dict: cols.dicts[k], index, counts };
  });
  return {
    version: RAW_VERSION,
    source: { key: meta.sourceKey, hash: meta.sourceHash },
    window: meta.window,
    part: meta.part,
    count: n,
    logged: [...meta.logged ?? []],
    numbers: Object.fromEntries(
      NUMBER_COLUMNS.map((c) => [c, b.numbers[c].slice(0, n)]),
    ) as RawEntry["numbers"],
    text: text as RawEntry["text"],
  };
}

/**
 * The stored JSON of a builder's part, as bytes (the shape of {@link RawEntrySchema},
 * version 3): from its `cols` when they were localized already, else localizing each
 * column in the builder's working arrays as it is written.
 */
export function rawEncode(b: RawBuilder, meta: RawMeta, cols?: LocalColumns): Uint8Array {
  const n = b.count;
  // About 30 bytes a record (packed indexes and numbers); ensure() grows it when not.
  const out: Out = { bytes: new Uint8Array(4096 + n * 32), at: 0 };
  const head = JSON.stringify({
    version: RAW_VERSION,
    source: { key: meta.sourceKey, hash: meta.sourceHash },
    window: meta.window,
    part: meta.part,
    count: n,
    ...(meta.logged ? { logged: meta.logged } : {}),
  });
  text(out, `${head.slice(0, -1)},"numbers":{`);
  NUMBER_COLUMNS.forEach((c, k) => {
    const values = b.numbers[c];
    const packing = numberPacking(values, n);
    if (packing) {
      text(
        out,
        `${k ? "," : ""}"${c}":{"base":${packing.base},"width":${packing.width},"packed":"`,
      );
      ensure(out, n * packing.width + 8);
      out.at = writePackedNumbers(values, n, packing, out.bytes, out.at);
      text(out, `"}`);
      return;
    }
    text(out, `${k ? "," : ""}"${c}":[`);
    ensure(out, n * (NUMBER_CHARS + 1));
    const bytes = out.bytes;
    let at = out.at;
    for (let i = 0; i < n; i++) {
      if (i) bytes[at++] = 44; // ,
      at = number(bytes, at, values[i]);
    }
    out.at = at;
    text(out, "]");
  });
  text(out, `},"text":{`);
  ROW_TEXT.forEach((c, k) => {
    const dict = cols ? cols.dicts[k] : localize(b.ids, k, n, b.values[k], b.scratch);
    const width = indexWidth(dict.length);
    text(out, `${k ? "," : ""}"${c}":{"dict":${JSON.stringify(dict)},"index":"`);
    ensure(out, n * width + 8);
    out.at = packIndex(cols ? cols.index[k] : b.scratch.index, n, width, out.bytes, out.at);
    text(out, `"}`);
  });
  text(out, "}}");
  return out.bytes.subarray(0, out.at);
}
