/**
 * What ingest hands to consolidation in the same process: per window and source object,
 * the accumulation of the raw parts it has just written. Consolidation then adds those
 * parts up without reading, decoding and unpacking them again (most of its cost for a
 * fresh object). The parts in the store stay the truth: a source not held here (another
 * process ingested it, or the handoff was full) is read from its parts as before.
 * @module
 */
import { accumulatorBytes, type WindowAccumulator } from "../core/consolidate.ts";

/** Bytes of accumulations a handoff holds at most (a rough count: see accumulatorBytes). */
export const HANDOFF_BYTES = 48 * 1024 * 1024;
/**
 * Accumulations a handoff holds at most, whatever their bytes: each has fixed sketches of
 * about 100 KB, and an object spread over thousands of windows must not hold one each.
 */
export const HANDOFF_COUNT = 256;

/** Accumulations by `window start/hash/parts`, oldest first, and their bytes. */
export interface Handoff {
  held: Map<string, { acc: WindowAccumulator; bytes: number }>;
  bytes: number;
  limit: number;
}

/** An empty handoff holding at most `limit` bytes. */
export function handoff(limit = HANDOFF_BYTES): Handoff {
  return { held: new Map(), bytes: 0, limit };
}

const id = (start: number, hash: string, parts: number) => `${start}/${hash}/${parts}`;

/**
 * Holds the accumulation of all `parts` raw parts `hash` has in the window at `start`,
 * making room by dropping the oldest; one larger than the whole limit is not held.
 */
export function handOver(
  h: Handoff,
  start: number,
  hash: string,
  parts: number,
  acc: WindowAccumulator,
): void {
  const bytes = accumulatorBytes(acc);
  if (bytes > h.limit) return;
  const key = id(start, hash, parts);
  drop(h, key);
  for (const [k] of h.held) {
    if (h.bytes + bytes <= h.limit && h.held.size < HANDOFF_COUNT) break;
    drop(h, k);
  }
  h.held.set(key, { acc, bytes });
  h.bytes += bytes;
}

/** The accumulation held for exactly these parts, removed from the handoff (it is consumed). */
export function takeOver(
  h: Handoff,
  start: number,
  hash: string,
  parts: number,
): WindowAccumulator | undefined {
  const key = id(start, hash, parts);
  const held = h.held.get(key);
  drop(h, key);
  return held?.acc;
}

function drop(h: Handoff, key: string): void {
  const held = h.held.get(key);
  if (!held) return;
  h.held.delete(key);
  h.bytes -= held.bytes;
}
