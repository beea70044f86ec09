/**
 * Dictionary indexes and integer columns packed as fixed-width base-64 text: one character
 * per record for a dictionary of up to 64 values (most columns: status, method, edge,
 * result type...), two up to 4,096, three up to 262,144; integers as offsets from the
 * column's least value. A raw part's columns shrink several-fold against JSON arrays of
 * numbers, and a JSON string is the cheapest thing to parse and to write.
 * @module
 */

/** The URL-safe base-64 alphabet: no character needs escaping in JSON. */
const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const CODE = new Uint8Array(64).map((_, i) => DIGITS.charCodeAt(i));
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) VALUE[CODE[i]] = i;

/** The integer that `width` base-64 characters at `at` write, or -1 when one is not base-64. */
function codeAt(text: string, at: number, width: number): number {
  let v = 0;
  for (let k = at, end = at + width; k < end; k++) {
    const c = text.charCodeAt(k);
    const d = c < 128 ? VALUE[c] : -1;
    if (d < 0) return -1;
    v = v * 64 + d;
  }
  return v;
}

/** Characters per index for a dictionary of `size` values. */
export function indexWidth(size: number): number {
  let width = 1;
  while (size > 64 ** width) width++;
  return width;
}

/** Writes `count` indexes as ASCII into `out` at `at`; returns the end. */
export function packIndex(
  index: Int32Array,
  count: number,
  width: number,
  out: Uint8Array,
  at: number,
): number {
  if (width === 1) {
    for (let i = 0; i < count; i++) out[at++] = CODE[index[i]];
    return at;
  }
  for (let i = 0; i < count; i++) at = putCode(out, at, index[i], width);
  return at;
}

/**
 * Writes `code` (below 2^30) as `width` base-64 characters at `at`; returns the end. The
 * usual widths are written out: a loop over the characters took three times as long.
 */
function putCode(out: Uint8Array, at: number, code: number, width: number): number {
  switch (width) {
    case 2:
      out[at] = CODE[code >> 6];
      out[at + 1] = CODE[code & 63];
      return at + 2;
    case 3:
      out[at] = CODE[code >> 12];
      out[at + 1] = CODE[(code >> 6) & 63];
      out[at + 2] = CODE[code & 63];
      return at + 3;
    case 4:
      out[at] = CODE[code >> 18];
      out[at + 1] = CODE[(code >> 12) & 63];
      out[at + 2] = CODE[(code >> 6) & 63];
      out[at + 3] = CODE[code & 63];
      return at + 4;
    default:
      for (let shift = 6 * (width - 1); shift >= 0; shift -= 6) {
        out[at++] = CODE[(code >> shift) & 63];
      }
      return at;
  }
}

/**
 * Reads packed indexes of a dictionary of `size` values.
 * @throws on a bad length, a character outside base-64 or an index outside the dictionary.
 */
export function unpackIndex(text: string, size: number): Int32Array {
  const width = indexWidth(size);
  if (text.length % width !== 0) {
    throw new Error(`packed index length ${text.length} is not a multiple of ${width}`);
  }
  const out = new Int32Array(text.length / width);
  for (let i = 0; i < out.length; i++) {
    const v = codeAt(text, i * width, width);
    if (v < 0) throw new Error(`packed index ${i} has a character outside base-64`);
    if (v >= size) throw new Error(`packed index ${v} is outside its dictionary of ${size}`);
    out[i] = v;
  }
  return out;
}

/**
 * Per dictionary value, how many of the packed indexes name it: what a count per value
 * needs, without an index array. Checks as {@link unpackIndex} does.
 * @throws on a bad length, a character outside base-64 or an index outside the dictionary.
 */
export function countIndex(text: string, size: number): Int32Array {
  const width = indexWidth(size);
  if (text.length % width !== 0) {
    throw new Error(`packed index length ${text.length} is not a multiple of ${width}`);
  }
  const counts = new Int32Array(size);
  if (width === 1) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const v = c < 128 ? VALUE[c] : -1;
      if (v < 0) throw new Error(`packed index ${i} has a character outside base-64`);
      if (v >= size) throw new Error(`packed index ${v} is outside its dictionary of ${size}`);
      counts[v]++;
    }
    return counts;
  }
  for (const v of unpackIndex(text, size)) counts[v]++;
  return counts;
}

/** Characters per packed number at most: 48 bits, exact in a double. */
const MAX_NUMBER_WIDTH = 8;

/**
 * A number column as packed text: `width` characters a value, each an integer offset from
 * `base`, the highest code of that width for a missing value.
 */
export interface PackedNumbers {
  base: number;
  width: number;
  packed: string;
}

/** How a number column packs: its least value and characters a value. */
export interface NumberPacking {
  base: number;
  width: number;
}

/**
 * How `count` numbers pack when every value is an integer (or NaN, for missing) and they
 * span less than 2^48; else undefined, and the column is written as JSON. Timestamps of a
 * window span at most 1.8 million ms: four characters a value.
 */
export function numberPacking(values: Float64Array, count: number): NumberPacking | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v !== v) continue;
    if (v !== Math.floor(v) || v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) {
      return undefined;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const base = min === Infinity ? 0 : min;
  const span = min === Infinity ? 0 : max - min;
  let width = 1;
  while (64 ** width < span + 2) width++; // + 2: the codes 0..span, and one for missing
  return width > MAX_NUMBER_WIDTH ? undefined : { base, width };
}

/** Writes `count` numbers packed as `p` says into `out` at `at`; returns the end. */
export function writePackedNumbers(
  values: Float64Array,
  count: number,
  p: NumberPacking,
  out: Uint8Array,
  at: number,
): number {
  const { base, width } = p;
  const missing = 64 ** width - 1;
  if (width <= 5) {
    // Codes below 2^30: int32 arithmetic.
    for (let i = 0; i < count; i++) {
      const v = values[i];
      at = putCode(out, at, v !== v ? missing : v - base, width);
    }
    return at;
  }
  for (let i = 0; i < count; i++) {
    const v = values[i];
    let code = v !== v ? missing : v - base;
    for (let k = at + width - 1; k >= at; k--) {
      const q = Math.floor(code / 64);
      out[k] = CODE[code - q * 64];
      code = q;
    }
    at += width;
  }
  return at;
}

/**
 * Reads numbers packed by {@link writePackedNumbers} (missing ones as NaN).
 * @throws on a bad width or length, or a character outside base-64.
 */
export function unpackNumbers(p: PackedNumbers): Float64Array {
  const { base, width, packed } = p;
  if (!(Number.isInteger(width) && width >= 1 && width <= MAX_NUMBER_WIDTH)) {
    throw new Error(`packed numbers have a width of ${width}, not 1 to ${MAX_NUMBER_WIDTH}`);
  }
  if (packed.length % width !== 0) {
    throw new Error(`packed numbers' length ${packed.length} is not a multiple of ${width}`);
  }
  const missing = 64 ** width - 1;
  const out = new Float64Array(packed.length / width);
  for (let i = 0; i < out.length; i++) {
    const code = codeAt(packed, i * width, width);
    if (code < 0) throw new Error(`packed number ${i} has a character outside base-64`);
    out[i] = code === missing ? NaN : base + code;
  }
  return out;
}
