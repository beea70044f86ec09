/**
 * Finality (DESIGN §5): when an aggregate may be frozen.
 *
 * A 30-minute window is final once the clock is past its end plus a grace period and no
 * unprocessed object in the live queue can still hold records for it. Coarser periods are
 * final when all their children are. Final aggregates are never recomputed unless late
 * data arrives for them, which sends them (and every period above) back to partial.
 * @module
 */
import * as v from "valibot";
import { hash64 } from "./sketches/hash.ts";

/** Firehose buffering plus delivery delay. */
export const DEFAULT_GRACE_MS = 20 * 60 * 1000;
/** How far from its key time an unprocessed object may hold records. */
export const DEFAULT_MAX_LAG_MS = 60 * 60 * 1000;

/** `__meta.json` beside every `data.json`. */
export const MetaSchema = v.object({
  status: v.picklist(["final", "partial"]),
  computed_at: v.string(),
  source_count: v.number(),
  sources_final: v.boolean(),
  /** Set when late data reopened a period that had been final. */
  late_data: v.optional(v.boolean()),
  /**
   * A stamp of what the period was computed from (its window's sources, or its children's
   * stamps): a writer reads it back to know whether another writer changed the inputs.
   */
  inputs: v.optional(v.string()),
});
/** The finality metadata of one aggregate. */
export type Meta = v.InferOutput<typeof MetaSchema>;

/**
 * A meta's `inputs`: a short stamp of the identities a period was computed from (a
 * window's sources, a coarser period's children's stamps), to tell whether they changed.
 */
export function inputsStamp(parts: readonly string[]): string {
  const [a, b] = hash64(parts.join(","));
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}

/** A time range [from, to) that an unprocessed object may still hold records for. */
export interface Hold {
  from: number;
  to: number;
  key: string;
}

/** The hold of an unprocessed object with time `t` (from its key, else its mtime). */
export function holdFor(key: string, t: number, maxLagMs = DEFAULT_MAX_LAG_MS): Hold {
  return { key, from: t - maxLagMs, to: t + maxLagMs };
}

/** True when no hold overlaps [start, end). */
export function sourcesFinal(start: number, end: number, holds: readonly Hold[]): boolean {
  return !holds.some((h) => h.from < end && h.to > start);
}

/** True when the clock has passed `end` plus the grace period. */
export function clockFinal(end: number, now: number, graceMs = DEFAULT_GRACE_MS): boolean {
  return now >= end + graceMs;
}

/**
 * The time an object's key says it was written: Firehose names
 * (`...-YYYY-MM-DD-HH-MM-SS-<uuid>`), standard log names (`<dist>.YYYY-MM-DD-HH.<id>`),
 * or the folders (`YYYY/MM/DD/HH/` or Hive `year=/month=/day=/hour=`). Undefined if none.
 */
export function keyTime(key: string): number | undefined {
  let m = /(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-[0-9a-fA-F-]{8,}/.exec(key);
  if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  m = /\.(\d{4})-(\d{2})-(\d{2})-(\d{2})\./.exec(key);
  if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4]);
  m = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\//.exec(key);
  if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4]);
  m = /year=(\d{4})\/month=(\d{1,2})\/day=(\d{1,2})(?:\/hour=(\d{1,2}))?/.exec(key);
  if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0));
  return undefined;
}
