/**
 * The dictionary of one text column while an object is parsed, keyed two ways: by the
 * stored (decoded, redacted) string, and by the bytes as logged. Logs repeat the same
 * paths, agents and edges millions of times, so the hot path looks a value up by its raw
 * bytes (a hash and a compare) and decodes, URL-decodes and redacts each distinct value
 * once. Different raw bytes that clean to the same string share one id.
 *
 * Memory is bounded: past {@link TABLE_LIMIT} values the table starts over and bumps its
 * `generation`, so whoever holds ids (the raw builders) knows to forget them.
 * @module
 */

/** Distinct values after which a table starts over. */
export const TABLE_LIMIT = 100_000;
/** Bytes of raw values after which a table starts over. */
const POOL_LIMIT = 16 * 1024 * 1024;

/** One column's dictionary. Mutable on purpose: it is the parser's hot-path state. */
export interface ValueTable {
  /** id → stored value. */
  values: string[];
  byValue: Map<string, number>;
  /** Turns the logged text of a value into the stored one ("-" → "", decode, redact). */
  clean: (logged: string) => string;
  /** Bumped whenever ids are reused after a reset. */
  generation: number;
  // Open-addressing hash table from raw bytes to id. slot → entry + 1 (0 = empty).
  slots: Int32Array;
  hashes: Int32Array;
  starts: Int32Array;
  lengths: Int32Array;
  ids: Int32Array;
  entries: number;
  pool: Uint8Array;
  used: number;
}

const INITIAL_SLOTS = 64;

/** An empty table whose values are made by `clean`. */
export function valueTable(clean: (logged: string) => string): ValueTable {
  return {
    values: [],
    byValue: new Map(),
    clean,
    generation: 0,
    slots: new Int32Array(INITIAL_SLOTS),
    hashes: new Int32Array(INITIAL_SLOTS / 2),
    starts: new Int32Array(INITIAL_SLOTS / 2),
    lengths: new Int32Array(INITIAL_SLOTS / 2),
    ids: new Int32Array(INITIAL_SLOTS / 2),
    entries: 0,
    pool: new Uint8Array(4096),
    used: 0,
  };
}

/** The id of a stored value, adding it when new. */
export function idOfValue(t: ValueTable, value: string): number {
  let id = t.byValue.get(value);
  if (id === undefined) {
    if (t.values.length >= TABLE_LIMIT) reset(t);
    id = t.values.length;
    t.values.push(value);
    t.byValue.set(value, id);
  }
  return id;
}

const fieldDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The id of the value logged as `bytes[start, end)`. A value seen before costs a hash and
 * a byte compare; a new one is decoded and cleaned once.
 */
export function idOfBytes(t: ValueTable, bytes: Uint8Array, start: number, end: number): number {
  const len = end - start;
  // FxHash-style (rotate, xor, multiply), four bytes a step: the rotation carries high bits
  // down, so the low bits that pick a slot depend on every byte.
  let h = len;
  let i = start;
  for (const last = end - 3; i < last; i += 4) {
    const w = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    h = Math.imul(((h << 5) | (h >>> 27)) ^ w, 0x9e3779b9);
  }
  for (; i < end; i++) h = Math.imul(((h << 5) | (h >>> 27)) ^ bytes[i], 0x9e3779b9);
  h ^= h >>> 16;
  const slots = t.slots;
  const mask = slots.length - 1;
  let slot = h & mask;
  for (let e = slots[slot]; e !== 0; e = slots[slot]) {
    const entry = e - 1;
    if (t.hashes[entry] === h && t.lengths[entry] === len) {
      const pool = t.pool;
      const at = t.starts[entry] - start;
      let k = start;
      while (k < end && pool[at + k] === bytes[k]) k++;
      if (k === end) return t.ids[entry];
    }
    slot = (slot + 1) & mask;
  }
  if (t.values.length >= TABLE_LIMIT || t.used + len > POOL_LIMIT) {
    reset(t);
    slot = h & (t.slots.length - 1);
  }
  const id = idOfValue(t, t.clean(fieldDecoder.decode(bytes.subarray(start, end))));
  addEntry(t, slot, h, bytes, start, end, id);
  return id;
}

function addEntry(
  t: ValueTable,
  slot: number,
  h: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  id: number,
): void {
  const len = end - start;
  if (t.used + len > t.pool.length) {
    const pool = new Uint8Array(Math.max(t.pool.length * 2, t.used + len));
    pool.set(t.pool.subarray(0, t.used));
    t.pool = pool;
  }
  t.pool.set(bytes.subarray(start, end), t.used);
  const entry = t.entries++;
  if (entry === t.hashes.length) growEntries(t);
  t.hashes[entry] = h;
  t.starts[entry] = t.used;
  t.lengths[entry] = len;
  t.ids[entry] = id;
  t.used += len;
  t.slots[slot] = entry + 1;
  if (t.entries * 2 > t.slots.length) rehash(t);
}

function growEntries(t: ValueTable): void {
  const grow = (a: Int32Array) => {
    const b = new Int32Array(a.length * 2);
    b.set(a);
    return b;
  };
  t.hashes = grow(t.hashes);
  t.starts = grow(t.starts);
  t.lengths = grow(t.lengths);
  t.ids = grow(t.ids);
}

function rehash(t: ValueTable): void {
  const slots = new Int32Array(t.slots.length * 2);
  const mask = slots.length - 1;
  for (let entry = 0; entry < t.entries; entry++) {
    let slot = t.hashes[entry] & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = entry + 1;
  }
  t.slots = slots;
}

function reset(t: ValueTable): void {
  t.values = [];
  t.byValue = new Map();
  t.generation++;
  t.slots = new Int32Array(INITIAL_SLOTS);
  t.entries = 0;
  t.used = 0;
}
