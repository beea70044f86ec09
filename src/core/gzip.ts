/**
 * Gzip detection and decompression over web streams.
 *
 * Compression is decided by the magic bytes, never the file name: plain text named `.gz`
 * occurs in production. Two engines: the runtime's native `DecompressionStream` (fast)
 * and fflate (handles multi-member gzip everywhere; Deno's native engine does not).
 * @module
 */
import { Gunzip } from "fflate";

/** Which gunzip implementation to use. */
export type GunzipEngine = "native" | "fflate";

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** A TransformStream that gunzips with fflate; a truncated member is an error. */
export function fflateGunzip(): TransformStream<Uint8Array, Uint8Array> {
  let gunzip: Gunzip;
  return new TransformStream({
    start(controller) {
      gunzip = new Gunzip((chunk) => controller.enqueue(chunk));
    },
    transform(chunk) {
      gunzip.push(chunk);
    },
    flush() {
      gunzip.push(new Uint8Array(0), true);
    },
  });
}

/**
 * Returns the stream's text bytes: gunzipped when it starts with the gzip magic, as is
 * otherwise. Reads only the first chunk to decide.
 */
export async function maybeGunzip(
  stream: ReadableStream<Uint8Array>,
  engine: GunzipEngine = "native",
): Promise<{ gzip: boolean; body: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  let first = await reader.read();
  // A first chunk of one byte cannot be classified; take the next one too.
  while (!first.done && first.value.length < 2) {
    const next = await reader.read();
    if (next.done) break;
    first = { done: false, value: concat(first.value, next.value) };
  }
  const head = first.done ? new Uint8Array(0) : first.value;
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  if (!isGzip(head)) return { gzip: false, body: rest };
  const inflater = engine === "native"
    ? (new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
    : fflateGunzip();
  return { gzip: true, body: rest.pipeThrough(inflater) };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
