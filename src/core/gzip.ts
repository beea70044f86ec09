/**
 * Gzip detection and decompression over web streams.
 *
 * Compression is decided by the magic bytes, never the file name: plain text named `.gz`
 * occurs in production. The engine is a parameter: the I/O edge passes a fast one
 * (`node:zlib`), the web `DecompressionStream` is the portable default, and fflate reads
 * multi-member gzip everywhere (Deno's `DecompressionStream` stops after the first).
 * @module
 */
import { Gunzip } from "fflate";
import { crc32 } from "./crc32.ts";

/** The gzip data could not be inflated: truncated, corrupt, or an engine's limit. */
export class GzipError extends Error {
  override name = "GzipError";
}

/** Makes a fresh gunzip transform: the runtime's or an I/O edge's fast one, or fflate. */
export type Inflate = () => ReadableWritablePair<Uint8Array, Uint8Array>;

/**
 * Inflates a whole gzip file held in memory, every member of it, in one call: for a
 * small object, where a stream's set-up costs more than the inflating. Undefined when
 * the text would exceed `limit` bytes (the caller streams it instead).
 * @throws GzipError when the data is truncated or corrupt
 */
export type InflateBytes = (gz: Uint8Array, limit: number) => Uint8Array | undefined;

/** The web platform's `DecompressionStream`: everywhere, but slower than `node:zlib`. */
export const webGunzip: Inflate = () =>
  new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Gzip's per-member trailer: CRC-32 and size of the member's text. */
const TRAILER = 8;
/** Input kept to find a member's trailer: far more than any gzip header. */
const RECENT_BYTES = 64 * 1024;

/**
 * A TransformStream that gunzips with fflate and checks every member's trailer (CRC-32 and
 * size) itself: fflate accepts a stream cut inside a header or a trailer without error,
 * and a truncated object must fail, never pass as a short one.
 */
export function fflateGunzip(): TransformStream<Uint8Array, Uint8Array> {
  let gunzip: Gunzip;
  let crc = 0;
  let size = 0;
  let offset = 0;
  // Recent input chunks: fflate reports a member's end only after parsing the next header.
  const recent: Array<{ start: number; bytes: Uint8Array }> = [];
  const trailerAt = (end: number): Uint8Array | undefined => {
    const out = new Uint8Array(TRAILER);
    let filled = 0;
    for (const { start, bytes } of recent) {
      for (
        let at = Math.max(start, end - TRAILER);
        at < Math.min(start + bytes.length, end);
        at++
      ) {
        out[at - (end - TRAILER)] = bytes[at - start];
        filled++;
      }
    }
    return end >= TRAILER && filled === TRAILER ? out : undefined;
  };
  const checkMember = (end: number) => {
    const t = trailerAt(end);
    if (!t) throw new Error("unexpected end of gzip data (truncated member)");
    const want = new DataView(t.buffer, t.byteOffset, TRAILER);
    if (want.getUint32(0, true) !== crc || want.getUint32(4, true) !== size >>> 0) {
      throw new Error("gzip member does not match its checksum (truncated or corrupt)");
    }
    crc = 0;
    size = 0;
  };
  return new TransformStream({
    start(controller) {
      gunzip = new Gunzip((chunk) => {
        crc = crc32(chunk, crc);
        size += chunk.length;
        controller.enqueue(chunk);
      });
      gunzip.onmember = (memberOffset) => checkMember(memberOffset);
    },
    transform(chunk) {
      recent.push({ start: offset, bytes: chunk });
      offset += chunk.length;
      while (recent.length > 2 && recent[1].start + RECENT_BYTES < offset) recent.shift();
      gunzip.push(chunk);
    },
    flush() {
      gunzip.push(new Uint8Array(0), true);
      if (offset > 0) checkMember(offset);
    },
  });
}

/**
 * Returns the stream's text bytes: gunzipped when it starts with the gzip magic, as is
 * otherwise. Reads only the first chunk to decide. A failure to inflate reaches the reader
 * as a {@link GzipError}; a failure of the source itself (network, disk) keeps its own
 * error, so that it is never reported as a corrupt file.
 */
export async function maybeGunzip(
  stream: ReadableStream<Uint8Array>,
  inflate: Inflate = webGunzip,
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
  let sourceError: unknown;
  const rest = relay(reader, (e) => (sourceError = e), head);
  if (!isGzip(head)) return { gzip: false, body: rest };
  const inflater = inflate();
  const body = relay(
    rest.pipeThrough(inflater).getReader(),
    (e) => (e === sourceError ? e : new GzipError((e as Error)?.message ?? String(e))),
  );
  return { gzip: true, body };
}

/** A stream of `head` then what `reader` yields; a read error is rethrown as `mapError(e)`. */
function relay(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  mapError: (e: unknown) => unknown,
  head?: Uint8Array,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (head && head.length > 0) controller.enqueue(head);
    },
    async pull(controller) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw mapError(e);
      }
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
