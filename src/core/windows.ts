/**
 * Time windows and the period hierarchy 30min → hourly → daily → monthly. All UTC.
 * A period is named by its key (`2024-03-01-1030`, `2024-03-01-10`, `2024-03-01`,
 * `2024-03`); bounds are [start, end).
 * @module
 */

/** The four aggregate levels, finest first. */
export const PERIODS = ["30min", "hourly", "daily", "monthly"] as const;
/** One aggregate level. */
export type Period = (typeof PERIODS)[number];

/** Milliseconds in one 30-minute window. */
export const WINDOW_MS = 30 * 60 * 1000;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Start (epoch ms) of the 30-minute window holding `ms`. */
export function windowStart(ms: number): number {
  return Math.floor(ms / WINDOW_MS) * WINDOW_MS;
}

/** The key of the `period` that contains instant `ms`. */
export function periodKey(period: Period, ms: number): string {
  const d = new Date(ms);
  const ymd = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  switch (period) {
    case "30min":
      return `${ymd}-${pad(d.getUTCHours())}${d.getUTCMinutes() < 30 ? "00" : "30"}`;
    case "hourly":
      return `${ymd}-${pad(d.getUTCHours())}`;
    case "daily":
      return ymd;
    case "monthly":
      return ymd.slice(0, 7);
  }
}

const KEY_PATTERNS: Record<Period, RegExp> = {
  "30min": /^(\d{4})-(\d{2})-(\d{2})-(\d{2})(00|30)$/,
  hourly: /^(\d{4})-(\d{2})-(\d{2})-(\d{2})$/,
  daily: /^(\d{4})-(\d{2})-(\d{2})$/,
  monthly: /^(\d{4})-(\d{2})$/,
};

function boundsUnchecked(period: Period, m: RegExpExecArray) {
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  const start = Date.UTC(y, mo - 1, d ?? 1, h ?? 0, mi ?? 0);
  const end = period === "monthly"
    ? Date.UTC(y, mo, 1)
    : start + { "30min": WINDOW_MS, hourly: 3_600_000, daily: 86_400_000 }[period];
  return { start, end };
}

/** Bounds of a period, epoch ms, end exclusive. @throws on a malformed key. */
export function periodBounds(period: Period, key: string): { start: number; end: number } {
  const m = KEY_PATTERNS[period].exec(key);
  if (!m) throw new Error(`"${key}" is not a ${period} period key`);
  return boundsUnchecked(period, m);
}

/** The next coarser period, or undefined for monthly. */
export function parentPeriod(period: Period): Period | undefined {
  return PERIODS[PERIODS.indexOf(period) + 1];
}

/** The next finer period, or undefined for 30min. */
export function childPeriod(period: Period): Period | undefined {
  return PERIODS[PERIODS.indexOf(period) - 1];
}

/** Keys of the finer periods that make up `key` (2 half-hours, 24 hours, 28–31 days). */
export function childKeys(period: Period, key: string): string[] {
  const child = childPeriod(period);
  if (!child) return [];
  const { start, end } = periodBounds(period, key);
  const keys: string[] = [];
  for (let t = start; t < end; t = periodBounds(child, periodKey(child, t)).end) {
    keys.push(periodKey(child, t));
  }
  return keys;
}

/** ISO-8601 UTC text of an epoch-ms instant. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
