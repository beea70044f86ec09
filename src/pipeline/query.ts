/**
 * Reading traffic for a range of periods, as the API serves it (LETS): a `final` aggregate
 * is read as stored and never recomputed; a `partial` one (or one the aggregate step has
 * not written yet) is recomputed from its children on request. Recomputed figures are
 * served, not stored: only the aggregate step, which runs one at a time, writes
 * aggregates and moves them to final, so a request can never race it into a final
 * aggregate with stale figures.
 * @module
 */
import * as v from "valibot";
import { aggregateKey, CONSOLIDATED_PREFIX, consolidatedKey } from "../core/keys.ts";
import { inputsStamp, type Meta } from "../core/finality.ts";
import { mergeStates, type SummaryState, SummaryStateSchema } from "../core/summary.ts";
import {
  childKeys,
  childPeriod,
  type Period,
  periodBounds,
  periodKey,
  PERIODS,
} from "../core/windows.ts";
import type { Store } from "../store/store.ts";
import type { Watermark } from "../core/watermark.ts";
import { type Calendar, tile, UTC_CALENDAR } from "../core/zones.ts";
import { parseStoredBytes, readStored, StoredDataError } from "./stored.ts";
import { readWatermark } from "./watermark.ts";
import { ConsolidatedSchema } from "./consolidate.ts";
import {
  anyWindowIn,
  newestWindows,
  oldestWindow,
  type WindowIndex,
  windowIndex,
} from "./list-windows.ts";
import { mapLimit } from "./context.ts";
import { readMeta } from "./meta.ts";

/** How a period's figures were obtained. */
export type ViewStatus = "final" | "partial";

/** One period's state and where it came from (`partial`: recomputed from its children). */
export interface PeriodView {
  status: ViewStatus;
  /** When the stored aggregate was computed; undefined when recomputed for this request. */
  computed_at?: string;
  /**
   * What the state was computed from: a final's `computed_at`, or for a partial period the
   * stamps of its children (a window's: the version of its consolidated summary). Equal
   * stamps, equal states.
   */
  stamp: string;
  state: SummaryState;
}

/**
 * States kept between requests, by period, each with the stamp it was computed from: one
 * is used only while the stored inputs still give the same stamp (a final's meta still
 * says final with the same `computed_at`; a partial period's children are unchanged), so
 * late data is never hidden by it. Only the reading, decoding and merging are saved.
 */
export interface ViewCache {
  states: Map<string, { stamp: string; state: SummaryState }>;
  /** The SHA-256 of open windows' consolidated summaries last read, by window. */
  windows: Map<string, { digest: string; stamp: string }>;
  /** Issues the stamps of window versions: never reused while the cache lives. */
  versions: number;
}

/** A new, empty {@link ViewCache}. */
export function viewCache(): ViewCache {
  return { states: new Map(), windows: new Map(), versions: 0 };
}

/** Per-request reading state: a memo of views, and (when needed) the windows with data. */
export interface Query {
  store: Store;
  views: Map<string, Promise<PeriodView | undefined>>;
  /** The consolidated windows, read a day at a time as the request needs them. */
  windows: WindowIndex;
  cache?: ViewCache;
  /** The aggregate watermark, read when a local period needs it. */
  watermark?: Promise<Watermark>;
  /** The metas of UTC days read for local periods' pieces, by day. */
  dayMetas: Map<string, Promise<Meta | undefined>>;
}

/** States kept in a {@link ViewCache} at most (a month of 30-minute windows is 1,488). */
const CACHE_LIMIT = 5000;
/** Open windows' summary digests kept at most. */
const WINDOWS_KEPT = 5000;

/** Starts a query over `store`. One per request: it memoizes what it reads. */
export function startQuery(store: Store, cache?: ViewCache): Query {
  return {
    store,
    views: new Map(),
    windows: windowIndex(store, CONSOLIDATED_PREFIX),
    cache,
    dayMetas: new Map(),
  };
}

const StoredState = v.object({ state: SummaryStateSchema });

/** The view of one period, or undefined when nothing was logged in it. */
export function viewPeriod(q: Query, period: Period, key: string): Promise<PeriodView | undefined> {
  const id = `${period}/${key}`;
  let view = q.views.get(id);
  if (!view) q.views.set(id, view = computeView(q, period, key));
  return view;
}

/** The cached state of `id` if it was computed from `stamp`, else `compute()`'s, kept. */
async function cachedState(
  q: Query,
  id: string,
  stamp: string,
  compute: () => Promise<SummaryState> | SummaryState,
): Promise<SummaryState> {
  const hit = q.cache?.states.get(id);
  if (hit?.stamp === stamp) return hit.state;
  const state = await compute();
  if (q.cache) {
    if (q.cache.states.size >= CACHE_LIMIT) q.cache.states.clear();
    q.cache.states.set(id, { stamp, state });
  }
  return state;
}

/**
 * The stamp of the version of a window's consolidated summary: the same bytes (by their
 * SHA-256), the same stamp; other bytes, a stamp never issued before.
 */
async function windowStamp(q: Query, id: string, bytes: Uint8Array): Promise<string> {
  const c = q.cache;
  if (!c) return "";
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  ).join(",");
  const last = c.windows.get(id);
  if (last?.digest === digest) return last.stamp;
  if (c.windows.size >= WINDOWS_KEPT) c.windows.clear();
  const stamp = `w${++c.versions}`;
  c.windows.set(id, { digest, stamp });
  return stamp;
}

async function computeView(
  q: Query,
  period: Period,
  key: string,
): Promise<PeriodView | undefined> {
  const id = `${period}/${key}`;
  const { start, end } = periodBounds(period, key);
  const meta = await readMeta(q.store, period, key);
  if (meta?.status === "final") {
    const stamp = `f${meta.computed_at}`;
    const state = await cachedState(q, id, stamp, async () => {
      const k = aggregateKey(period, key);
      const doc = await readStored(q.store, k, StoredState);
      if (doc === undefined) throw new StoredDataError(`${k} is missing`);
      return doc.state;
    });
    return { status: "final", computed_at: meta.computed_at, stamp, state };
  }
  if (!(await anyWindowIn(q.windows, start, end))) return undefined;
  if (period === "30min") {
    const k = consolidatedKey(start);
    const bytes = await q.store.get(k);
    if (bytes === undefined) {
      // An empty window directory holds no data; one with other files but no summary is
      // damaged, and the ranges that hold it fail naming it, as the aggregate step does.
      const dir = k.slice(0, k.lastIndexOf("/") + 1);
      if ((await q.store.browse(dir)).files.length === 0) return undefined;
      throw new StoredDataError(`${k} is missing`);
    }
    const stamp = await windowStamp(q, id, bytes);
    const state = await cachedState(
      q,
      id,
      stamp,
      () => parseStoredBytes(ConsolidatedSchema, k, bytes).state,
    );
    return { status: "partial", stamp, state };
  }
  const child = childPeriod(period)!;
  const keys = childKeys(period, key);
  const views = await Promise.all(keys.map((k) => viewPeriod(q, child, k)));
  const children = views.flatMap((c, i) => c ? [{ key: keys[i], ...c }] : []);
  if (children.length === 0) return undefined;
  // A hash of the children's stamps, so that a stamp stays short however many lie below.
  const stamp = `p${inputsStamp(children.map((c) => `${c.key}=${c.stamp}`))}`;
  const state = await cachedState(q, id, stamp, () => mergeStates(children.map((c) => c.state)));
  return { status: "partial", stamp, state };
}

/**
 * A piece of a local period: an hour or half-hour of a UTC day whose daily aggregate is
 * final is final too, and unchanged while that day's meta is (see {@link finalCover}), so
 * one meta read a day vouches for its pieces; otherwise the piece's own view.
 */
async function viewPiece(q: Query, period: Period, key: string): Promise<PeriodView | undefined> {
  if (period !== "hourly" && period !== "30min") return viewPeriod(q, period, key);
  const day = key.slice(0, 10);
  let meta = q.dayMetas.get(day);
  if (!meta) q.dayMetas.set(day, meta = readMeta(q.store, "daily", day));
  const m = await meta;
  if (m?.status !== "final") return viewPeriod(q, period, key);
  const stamp = `f${m.computed_at}`;
  const state = await cachedState(q, `${period}/${key}`, `d${stamp}`, async () => {
    const k = aggregateKey(period, key);
    const doc = await readStored(q.store, k, StoredState);
    if (doc === undefined) throw new StoredDataError(`${k} is missing`);
    return doc.state;
  });
  return { status: "final", computed_at: m.computed_at, stamp, state };
}

/** The most periods one request may ask for. */
export const MAX_PERIODS = 2000;

/**
 * The keys of every `period` of the calendar that overlaps [from, to).
 * @throws RangeError past MAX_PERIODS (and ZoneError, a RangeError, for a zone's bad day)
 */
export function periodKeys(
  period: Period,
  from: number,
  to: number,
  cal: Calendar = UTC_CALENDAR,
): string[] {
  const keys: string[] = [];
  for (let at = cal.bounds(period, cal.key(period, from)).start; at < to;) {
    const key = cal.key(period, at);
    keys.push(key);
    if (keys.length > MAX_PERIODS) {
      throw new RangeError(`the range holds more than ${MAX_PERIODS} ${period} periods`);
    }
    at = cal.bounds(period, key).end;
  }
  return keys;
}

/**
 * Views of every period of the calendar overlapping [from, to), in time order; empty
 * periods are undefined. A local day or month is the span of stored periods that tile it.
 */
export function viewRange(
  q: Query,
  period: Period,
  from: number,
  to: number,
  cal: Calendar = UTC_CALENDAR,
): Promise<Array<{ key: string; view: PeriodView | undefined }>> {
  const keys = periodKeys(period, from, to, cal);
  if (cal.utc || period === "30min" || period === "hourly") {
    return Promise.all(keys.map(async (key) => ({ key, view: await viewPeriod(q, period, key) })));
  }
  // A local period reads up to some fifty stored ones: a few periods at a time.
  return mapLimit(keys, 8, async (key) => {
    const { start, end } = cal.bounds(period, key);
    return { key, view: await viewSpan(q, start, end) };
  });
}

/**
 * The view of [start, end) (on 30-minute boundaries) merged from the coarsest stored
 * periods that tile it, or undefined when none holds data. It is final when every piece
 * with data is final and every empty piece lies below the 30-minute watermark (nothing can
 * arrive there any more); its stamp says which, so a cached answer never outlives it.
 */
export async function viewSpan(
  q: Query,
  start: number,
  end: number,
): Promise<PeriodView | undefined> {
  if (!(await anyWindowIn(q.windows, start, end))) return undefined;
  const pieces = tile(start, end);
  // A piece with no window of data holds none (as viewPeriod would find after a read).
  const held = await Promise.all(pieces.map((p) => {
    const b = periodBounds(p.period, p.key);
    return anyWindowIn(q.windows, b.start, b.end);
  }));
  if (!held.includes(true)) return undefined;
  const views = await Promise.all(
    pieces.map((p, i) => (held[i] ? viewPiece(q, p.period, p.key) : undefined)),
  );
  const present = views.flatMap((c, i) =>
    c ? [{ id: `${pieces[i].period}/${pieces[i].key}`, ...c }] : []
  );
  if (present.length === 0) return undefined;
  let final = present.every((c) => c.status === "final");
  if (final && present.length < pieces.length) {
    const mark = (await (q.watermark ??= readWatermark(q.store)))["30min"];
    final = pieces.every((p, i) =>
      views[i] !== undefined || periodBounds(p.period, p.key).end <= mark
    );
  }
  const stamp = `s${final ? "f" : "p"}${inputsStamp(present.map((c) => `${c.id}=${c.stamp}`))}`;
  const state = present.length === 1
    ? present[0].state
    : await cachedState(q, `span/${start}/${end}`, stamp, () =>
      mergeStates(present.map((c) =>
        c.state
      )));
  return { status: final ? "final" : "partial", stamp, state };
}

/** The first and last 30-minute windows that hold data, or undefined for an empty store. */
export async function dataSpan(q: Query): Promise<{ first: number; last: number } | undefined> {
  const [first, [last]] = await Promise.all([oldestWindow(q.windows), newestWindows(q.windows, 1)]);
  return first === undefined ? undefined : { first, last };
}

/**
 * The stamp of a final period that covers all of [from, to) at `period`'s level or
 * coarser (`monthly/2024-03@<computed_at>`), or undefined when none does.
 *
 * One meta read vouches for every period below it: the aggregate step finalizes a period
 * only once all its children are final, and late data marks a window and every period
 * above it partial before anything in them changes. So while the covering period's meta
 * says final with the same `computed_at`, nothing in the range has changed.
 */
export async function finalCover(
  q: Query,
  period: Period,
  from: number,
  to: number,
): Promise<string | undefined> {
  for (const level of PERIODS.slice(PERIODS.indexOf(period)).reverse()) {
    const key = periodKey(level, from);
    const { start, end } = periodBounds(level, key);
    if (start > from || to > end) continue;
    const meta = await readMeta(q.store, level, key);
    if (meta?.status === "final") return `${level}/${key}@${meta.computed_at}`;
  }
  return undefined;
}
