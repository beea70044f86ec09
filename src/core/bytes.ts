/**
 * Byte arrays joined: what a stream's chunks become when a whole value is needed (a line
 * split across chunks, a generated object).
 * @module
 */

/** `parts` joined into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
