/**
 * Reading and lowering the stored aggregate watermark.
 * @module
 */
import { WATERMARK_KEY } from "../core/keys.ts";
import {
  formatWatermark,
  lowerWatermark,
  NO_WATERMARK,
  parseWatermark,
  type Watermark,
} from "../core/watermark.ts";
import { getJson, putJson, type Store } from "../store/store.ts";

/** The stored watermark, or none (look at everything) when there is no file. */
export async function readWatermark(store: Store): Promise<Watermark> {
  // A watermark that cannot be read is no watermark: every period is looked at again, and
  // the next aggregate run writes a good one.
  try {
    const json = await getJson(store, WATERMARK_KEY);
    return json === undefined ? NO_WATERMARK : parseWatermark(json);
  } catch {
    return NO_WATERMARK;
  }
}

/** Writes the watermark. */
export function writeWatermark(store: Store, w: Watermark): Promise<void> {
  return putJson(store, WATERMARK_KEY, formatWatermark(w));
}

/**
 * Lowers the stored watermark so the periods containing `at` are looked at again. Another
 * writer may overwrite it meanwhile, so the stored value is read back and lowered again
 * until it is at or below what this call needs.
 */
export async function lowerStoredWatermark(store: Store, at: number): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const before = await readWatermark(store);
    if (before === NO_WATERMARK) return; // nothing is skipped anyway
    const after = lowerWatermark(before, at);
    if (Object.entries(after).every(([p, t]) => t === before[p as keyof Watermark])) return;
    await writeWatermark(store, after);
  }
  throw new Error("the aggregate watermark kept being raised over this lowering");
}
