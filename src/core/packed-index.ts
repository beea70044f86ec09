/**
 * Dictionary indexes packed as fixed-width base-64 text: one character per record for a
 * dictionary of up to 64 values (most columns: status, method, edge, result type...), two
 * up to 4,096, three up to 262,144. A raw part's index columns shrink several-fold against
 * a JSON array of numbers, and a JSON string is the cheapest thing to parse.
 * @module
 */

/** The URL-safe base-64 alphabet: no character needs escaping in JSON. */
const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const CODE = new Uint8Array(64).map((_, i) => DIGITS.charCodeAt(i));
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) VALUE[CODE[i]] = i;

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
  for (let i = 0; i < count; i++) {
    const v = index[i];
    for (let shift = 6 * (width - 1); shift >= 0; shift -= 6) out[at++] = CODE[(v >> shift) & 63];
  }
  return at;
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
  for (let i = 0, at = 0; i < out.length; i++) {
    let v = 0;
    for (let k = 0; k < width; k++) {
      const c = text.charCodeAt(at++);
      const d = c < 128 ? VALUE[c] : -1;
      if (d < 0) throw new Error(`packed index has a character outside base-64 at ${at - 1}`);
      v = v * 64 + d;
    }
    if (v >= size) throw new Error(`packed index ${v} is outside its dictionary of ${size}`);
    out[i] = v;
  }
  return out;
}
