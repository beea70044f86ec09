/**
 * Listing store keys grouped by the 30-minute window directory they sit in
 * (`<prefix>{YYYY-MM-DD}/{HH-MM}/...`).
 * @module
 */
import { parseDayDir, parseWindowDir } from "../core/keys.ts";
import { periodBounds, periodKey } from "../core/windows.ts";
import type { Store } from "../store/store.ts";

/** Window start (epoch ms) → the keys under that window's directory below `prefix`. */
export async function listByWindow(store: Store, prefix: string): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for await (const e of store.list(prefix)) {
    const rest = e.key.slice(prefix.length);
    const start = parseWindowDir(rest.slice(0, rest.lastIndexOf("/")));
    if (start === undefined) continue;
    const keys = out.get(start);
    if (keys) keys.push(e.key);
    else out.set(start, [e.key]);
  }
  return out;
}

/**
 * The windows that have a directory below `prefix`, read a day at a time: one browse of
 * the days, then one of each day asked about. A query that needs to know whether a range
 * holds data reads the days it overlaps, never the files of every window.
 */
export interface WindowIndex {
  /** Starts (UTC midnight) of the days that have a directory, ascending. */
  days(): Promise<number[]>;
  /** Starts of the windows of the day starting at `day`, ascending. */
  windows(day: number): Promise<number[]>;
}

/** A {@link WindowIndex} of `prefix` that reads each listing at most once. */
export function windowIndex(store: Store, prefix: string): WindowIndex {
  let days: Promise<Map<number, string>> | undefined;
  const byDay = new Map<number, Promise<number[]>>();
  const dayNames = () =>
    days ??= store.browse(prefix).then(({ dirs }) => {
      const m = new Map<number, string>();
      for (const name of dirs) {
        const start = parseDayDir(name);
        if (start !== undefined) m.set(start, name);
      }
      return new Map([...m].sort((a, b) => a[0] - b[0]));
    });
  return {
    days: async () => [...(await dayNames()).keys()],
    windows: (day) => {
      let w = byDay.get(day);
      if (!w) {
        byDay.set(
          day,
          w = dayNames().then(async (names) => {
            const name = names.get(day);
            if (name === undefined) return [];
            const { dirs } = await store.browse(`${prefix}${name}/`);
            return dirs.map((d) => parseWindowDir(`${name}/${d}`))
              .filter((s): s is number => s !== undefined)
              .sort((a, b) => a - b);
          }),
        );
      }
      return w;
    },
  };
}

/** Whether any window of the index starts in [from, to). */
export async function anyWindowIn(ix: WindowIndex, from: number, to: number): Promise<boolean> {
  for (const day of await ix.days()) {
    if (periodBounds("daily", periodKey("daily", day)).end <= from) continue;
    if (day >= to) break;
    if ((await ix.windows(day)).some((w) => w >= from && w < to)) return true;
  }
  return false;
}

/** The newest `count` windows of the index, ascending: the newest days are read first. */
export async function newestWindows(ix: WindowIndex, count: number): Promise<number[]> {
  const out: number[] = [];
  const days = await ix.days();
  for (let i = days.length - 1; i >= 0 && out.length < count; i--) {
    const w = await ix.windows(days[i]);
    out.unshift(...w.slice(Math.max(0, w.length - (count - out.length))));
  }
  return out;
}

/** The oldest window of the index, or undefined when it has none. */
export async function oldestWindow(ix: WindowIndex): Promise<number | undefined> {
  for (const day of await ix.days()) {
    const w = await ix.windows(day);
    if (w.length) return w[0];
  }
  return undefined;
}
