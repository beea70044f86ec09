/**
 * The aggregate watermark: per level, every period that starts before its mark is final.
 * It lets a run skip the finished past without reading one `__meta.json` per period ever
 * written (on S3 that is a GET each). Consolidation lowers it for every window it rebuilds,
 * before it clears the window's pending markers, so late data can never hide below it.
 * @module
 */
import * as v from "valibot";
import { type Period, periodBounds, periodKey, PERIODS } from "./windows.ts";

/** The stored form: one ISO-8601 instant per level. */
export const WatermarkSchema = v.object({
  "30min": v.string(),
  hourly: v.string(),
  daily: v.string(),
  monthly: v.string(),
});

/** Epoch ms per level; -Infinity means nothing is known final. */
export type Watermark = Record<Period, number>;

/** No watermark: every period with data is looked at. */
export const NO_WATERMARK: Watermark = {
  "30min": -Infinity,
  hourly: -Infinity,
  daily: -Infinity,
  monthly: -Infinity,
};

/** The watermark lowered so that every period containing instant `at` is looked at again. */
export function lowerWatermark(w: Watermark, at: number): Watermark {
  const out = { ...w };
  for (const p of PERIODS) out[p] = Math.min(w[p], periodBounds(p, periodKey(p, at)).start);
  return out;
}

/** Parses the stored form. */
export function parseWatermark(json: unknown): Watermark {
  const w = v.parse(WatermarkSchema, json);
  const out = { ...NO_WATERMARK };
  for (const p of PERIODS) {
    const t = Date.parse(w[p]);
    if (Number.isNaN(t)) throw new Error(`watermark ${p} is not an ISO time: ${w[p]}`);
    out[p] = t;
  }
  return out;
}

/** The stored form of a watermark with every level known. */
export function formatWatermark(w: Watermark): v.InferOutput<typeof WatermarkSchema> {
  const text = (
    t: number,
  ) => (Number.isFinite(t) ? new Date(t).toISOString() : "1970-01-01T00:00:00.000Z");
  return {
    "30min": text(w["30min"]),
    hourly: text(w.hourly),
    daily: text(w.daily),
    monthly: text(w.monthly),
  };
}
