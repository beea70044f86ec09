/**
 * Builds raw parts (DESIGN §4 `raw/`, see {@link RawEntrySchema}) from parsed rows and
 * writes their JSON straight into bytes. This runs once per log line, so columns are
 * typed arrays, text ids are remapped from the object's value tables to a part-local
 * dictionary, and the encoder writes digits itself instead of building strings.
 * @module
 */
import { indexWidth, packIndex } from "./packed-index.ts";
import { RAW_VERSION } from "./raw-entry.ts";
import { NUMBER_COLUMNS } from "./record.ts";
import { type Row, ROW_TEXT } from "./row.ts";
import type { ValueTable } from "./value-table.ts";

/** One text column being built. */
interface TextBuilder {
  index: Int32Array;
  dict: string[];
  local: Map<string, number>;
  /** Object-level id → local id + 1 (0: not seen in this part). */
  remap: Int32Array;
  /** The table generation `remap` belongs to. */
  generation: number;
}

/** Accumulates rows column-wise until a part is full. Missing numbers are NaN. */
export interface RawBuilder {
  count: number;
  numbers: Record<(typeof NUMBER_COLUMNS)[number], Float64Array>;
  /** Per ROW_TEXT column. */
  text: TextBuilder[];
}

const INITIAL_CAPACITY = 1024;

/** An empty builder. */
export function rawBuilder(): RawBuilder {
  return {
    count: 0,
    numbers: Object.fromEntries(
      NUMBER_COLUMNS.map((c) => [c, new Float64Array(INITIAL_CAPACITY)]),
    ) as RawBuilder["numbers"],
    text: ROW_TEXT.map(() => ({
      index: new Int32Array(INITIAL_CAPACITY),
      dict: [],
      local: new Map(),
      remap: new Int32Array(64),
      generation: 0,
    })),
  };
}

function grow<T extends Float64Array | Int32Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** Appends one row whose text ids refer to `tables`. */
export function rawAppend(b: RawBuilder, tables: readonly ValueTable[], row: Row): void {
  const i = b.count++;
  const n = b.numbers;
  if (i === n.timestamp.length) {
    const size = i * 2;
    for (const c of NUMBER_COLUMNS) n[c] = grow(n[c], size);
    for (const col of b.text) col.index = grow(col.index, size);
  }
  n.timestamp[i] = row.timestamp;
  n.bytes[i] = row.bytes;
  n.time_taken_ms[i] = row.time_taken_ms;
  n.ttfb_ms[i] = row.ttfb_ms;
  const ids = row.ids;
  for (let c = 0; c < b.text.length; c++) {
    const col = b.text[c];
    const table = tables[c];
    if (col.generation !== table.generation) {
      col.remap.fill(0);
      col.generation = table.generation;
    }
    const id = ids[c];
    if (id >= col.remap.length) col.remap = grow(col.remap, Math.max(id + 1, col.remap.length * 2));
    let local = col.remap[id] - 1;
    if (local < 0) {
      const value = table.values[id];
      local = col.local.get(value) ?? -1;
      if (local < 0) {
        local = col.dict.length;
        col.dict.push(value);
        col.local.set(value, local);
      }
      col.remap[id] = local + 1;
    }
    col.index[i] = local;
  }
}

/** Where a part comes from. */
export interface RawMeta {
  sourceKey: string;
  sourceHash: string;
  window: string;
  part: number;
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
const DIGITS = new Uint8Array(24);

/** Writes a number as JSON does (NaN as null); integers digit by digit. */
function number(out: Out, v: number): void {
  const b = out.bytes;
  let at = out.at;
  if (v !== v) {
    b[at] = 110, b[at + 1] = 117, b[at + 2] = 108, b[at + 3] = 108; // null
    out.at = at + 4;
    return;
  }
  if (!Number.isSafeInteger(v)) {
    out.at = at + encoder.encodeInto(String(v), b.subarray(at)).written;
    return;
  }
  if (v < 0) {
    b[at++] = 45;
    v = -v;
  }
  let n = 0;
  do {
    const q = Math.floor(v / 10);
    DIGITS[n++] = 48 + v - q * 10;
    v = q;
  } while (v > 0);
  while (n > 0) b[at++] = DIGITS[--n];
  out.at = at;
}

/** The stored JSON of a builder, as bytes (the shape of {@link RawEntrySchema}, version 2). */
export function rawEncode(b: RawBuilder, meta: RawMeta): Uint8Array {
  const n = b.count;
  const out: Out = { bytes: new Uint8Array(1024 + n * 64), at: 0 };
  const head = JSON.stringify({
    version: RAW_VERSION,
    source: { key: meta.sourceKey, hash: meta.sourceHash },
    window: meta.window,
    part: meta.part,
    count: n,
  });
  text(out, `${head.slice(0, -1)},"numbers":{`);
  NUMBER_COLUMNS.forEach((c, k) => {
    text(out, `${k ? "," : ""}"${c}":[`);
    ensure(out, n * (NUMBER_CHARS + 1));
    const values = b.numbers[c];
    for (let i = 0; i < n; i++) {
      if (i) out.bytes[out.at++] = 44; // ,
      number(out, values[i]);
    }
    text(out, "]");
  });
  text(out, `},"text":{`);
  ROW_TEXT.forEach((c, k) => {
    const col = b.text[k];
    const width = indexWidth(col.dict.length);
    text(out, `${k ? "," : ""}"${c}":{"dict":${JSON.stringify(col.dict)},"index":"`);
    ensure(out, n * width + 8);
    out.at = packIndex(col.index, n, width, out.bytes, out.at);
    text(out, `"}`);
  });
  text(out, "}}");
  return out.bytes.subarray(0, out.at);
}
