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
import { readStored, StoredDataError } from "./stored.ts";
import { ConsolidatedSchema } from "./consolidate.ts";
import { listByWindow } from "./list-windows.ts";
import { readMeta } from "./meta.ts";

/** How a period's figures were obtained. */
export type ViewStatus = "final" | "partial";

/** One period's state and where it came from (`partial`: recomputed for this request). */
export interface PeriodView {
  status: ViewStatus;
  /** When the stored aggregate was computed; undefined when recomputed for this request. */
  computed_at?: string;
  state: SummaryState;
}

/**
 * Final states kept between requests. An entry is used only while the stored meta still
 * says final with the same `computed_at`, so late data that reopens a period is never
 * hidden by it.
 */
export type FinalCache = Map<string, { computed_at: string; state: SummaryState }>;

/** Per-request reading state: a memo of views, and (when needed) the windows with data. */
export interface Query {
  store: Store;
  views: Map<string, Promise<PeriodView | undefined>>;
  windows: () => Promise<number[]>;
  cache?: FinalCache;
}

/** Finals kept in a {@link FinalCache} at most (a month of 30-minute windows is 1,488). */
const CACHE_LIMIT = 5000;

/** Starts a query over `store`. One per request: it memoizes what it reads. */
export function startQuery(store: Store, cache?: FinalCache): Query {
  let windows: Promise<number[]> | undefined;
  return {
    store,
    views: new Map(),
    windows: () =>
      windows ??= listByWindow(store, CONSOLIDATED_PREFIX).then((m) =>
        [...m.keys()].sort((a, b) => a - b)
      ),
    cache,
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

async function computeView(
  q: Query,
  period: Period,
  key: string,
): Promise<PeriodView | undefined> {
  const { start, end } = periodBounds(period, key);
  const meta = await readMeta(q.store, period, key);
  if (meta?.status === "final") {
    const id = `${period}/${key}`;
    const cached = q.cache?.get(id);
    let state = cached?.computed_at === meta.computed_at ? cached.state : undefined;
    if (!state) {
      const k = aggregateKey(period, key);
      const doc = await readStored(q.store, k, StoredState);
      if (doc === undefined) throw new StoredDataError(`${k} is missing`);
      state = doc.state;
      if (q.cache) {
        if (q.cache.size >= CACHE_LIMIT) q.cache.clear();
        q.cache.set(id, { computed_at: meta.computed_at, state });
      }
    }
    return { status: "final", computed_at: meta.computed_at, state };
  }
  if (!(await q.windows()).some((w) => w >= start && w < end)) return undefined;
  let state: SummaryState;
  if (period === "30min") {
    const k = consolidatedKey(start);
    const doc = await readStored(q.store, k, ConsolidatedSchema);
    if (doc === undefined) throw new StoredDataError(`${k} is missing`);
    state = doc.state;
  } else {
    const child = childPeriod(period)!;
    const children = await Promise.all(childKeys(period, key).map((k) => viewPeriod(q, child, k)));
    state = mergeStates(children.filter((c) => c !== undefined).map((c) => c.state));
  }
  return { status: "partial", state };
}

/** The most periods one request may ask for. */
export const MAX_PERIODS = 2000;

/** The keys of every `period` that overlaps [from, to). @throws RangeError past MAX_PERIODS. */
export function periodKeys(period: Period, from: number, to: number): string[] {
  const keys: string[] = [];
  for (let at = periodBounds(period, periodKey(period, from)).start; at < to;) {
    const key = periodKey(period, at);
    keys.push(key);
    if (keys.length > MAX_PERIODS) {
      throw new RangeError(`the range holds more than ${MAX_PERIODS} ${period} periods`);
    }
    at = periodBounds(period, key).end;
  }
  return keys;
}

/** Views of every period overlapping [from, to), in time order; empty periods are undefined. */
export function viewRange(
  q: Query,
  period: Period,
  from: number,
  to: number,
): Promise<Array<{ key: string; view: PeriodView | undefined }>> {
  return Promise.all(
    periodKeys(period, from, to).map(async (key) => ({
      key,
      view: await viewPeriod(q, period, key),
    })),
  );
}

/** The first and last 30-minute windows that hold data, or undefined for an empty store. */
export async function dataSpan(q: Query): Promise<{ first: number; last: number } | undefined> {
  const windows = await q.windows();
  return windows.length ? { first: windows[0], last: windows[windows.length - 1] } : undefined;
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
