/**
 * Step 3, Save: the rollup 30min → hourly → daily → monthly with finality (DESIGN §5).
 * Each level is computed from the level below (30min from consolidated windows), so
 * deleting any level and re-running gives it back. Final aggregates are not recomputed.
 * @module
 */
import * as v from "valibot";
import {
  clockFinal,
  type Hold,
  holdFor,
  inputsStamp,
  keyTime,
  type Meta,
  sourcesFinal,
} from "../core/finality.ts";
import {
  AGGREGATE_PREFIX,
  aggregateKey,
  CONSOLIDATED_PREFIX,
  consolidatedKey,
  ledgerKey,
  metaKey,
  windowCountsKey,
} from "../core/keys.ts";
import {
  emptyState,
  mergeStates,
  renderAggregate,
  type SummaryState,
  SummaryStateSchema,
} from "../core/summary.ts";
import {
  childKeys,
  childPeriod,
  iso,
  type Period,
  periodBounds,
  periodKey,
  PERIODS,
} from "../core/windows.ts";
import { putJson, type Store } from "../store/store.ts";
import { readStored, StoredDataError } from "./stored.ts";
import { type Context, mapLimit } from "./context.ts";
import { type Consolidated, ConsolidatedSchema, ConsolidatedSourcesSchema } from "./consolidate.ts";
import { sourceHash } from "./ledger.ts";
import { readMeta } from "./meta.ts";
import { listByWindow } from "./list-windows.ts";
import { lowerStoredWatermark, readWatermark, writeWatermark } from "./watermark.ts";
import { NO_WATERMARK, type Watermark } from "../core/watermark.ts";

/** The result of an aggregate run, per level. */
export interface AggregateResult {
  computed: Record<Period, number>;
  final: Record<Period, number>;
  skipped_final: Record<Period, number>;
  /** Periods recomputed because late data reopened them. */
  late: string[];
  /** Unprocessed objects holding windows back from finality. */
  holds: Array<{ key: string; from: string; to: string }>;
  /**
   * Periods that could not be computed (a stored input that fails validation): each is
   * reported and left open; the other periods are computed all the same.
   */
  failures: Array<{ period: Period; key: string; error: string }>;
}

const zeroed = (n: number): Record<Period, number> => ({
  "30min": n,
  hourly: n,
  daily: n,
  monthly: n,
});
const zero = () => zeroed(0);
const AggregateStateSchema = v.object({ state: SummaryStateSchema });

/** Objects in the live queue that are not ingested yet, as time ranges they may hold. */
export async function unprocessedHolds(ctx: Context): Promise<Hold[]> {
  const holds: Hold[] = [];
  for await (const obj of ctx.source.list()) {
    if ((await ctx.store.get(ledgerKey(sourceHash(obj)))) !== undefined) continue;
    holds.push(holdFor(obj.key, keyTime(obj.key) ?? obj.lastModified, ctx.maxLagMs));
  }
  return holds;
}

/**
 * Rolls up every period that has data and is not final yet. Periods before the watermark
 * are final and not even looked at; `rebuild` ignores the watermark.
 */
export async function aggregate(
  ctx: Context,
  options: { rebuild?: boolean } = {},
): Promise<AggregateResult> {
  ctx = { ...ctx, written: new Map() };
  const holds = await unprocessedHolds(ctx);
  const mark = options.rebuild ? NO_WATERMARK : await readWatermark(ctx.store);
  const next: Watermark = { ...mark };
  const result: AggregateResult = {
    computed: zero(),
    final: zero(),
    skipped_final: zero(),
    late: [],
    holds: holds.map((h) => ({ key: h.key, from: iso(h.from), to: iso(h.to) })),
    failures: [],
  };
  const windows = await listByWindow(ctx.store, CONSOLIDATED_PREFIX);
  const starts = [...windows.keys()].sort((a, b) => a - b);
  const finalized: Array<[Period, string]> = [];
  // Periods that failed: the periods above them are not computed (they would be wrong).
  const failed: Array<{ start: number; end: number; id: string }> = [];
  const plan = new Map<Period, string[]>();
  for (const period of PERIODS) {
    // Every period of this level that holds data and starts at or after its mark, or at or
    // after the first one whose aggregate is missing (deleted): that is brought back.
    const all = [...new Set(starts.map((s) => periodKey(period, s)))];
    const stored = new Set((await ctx.store.browse(`${AGGREGATE_PREFIX}${period}/`)).dirs);
    let from = mark[period];
    for (const k of all) if (!stored.has(k)) from = Math.min(from, periodBounds(period, k).start);
    plan.set(period, all.filter((k) => periodBounds(period, k).start >= from));
  }
  const firstOpen = zeroed(Infinity);
  const compute = (period: Period) => async (key: string) => {
    // A meta that fails validation is rewritten by this run's save of the period.
    const before = await readMeta(ctx.store, period, key).catch((e) => {
      if (e instanceof StoredDataError) return undefined;
      throw e;
    });
    if (before?.status === "final") {
      result.skipped_final[period]++;
      return;
    }
    const bounds = periodBounds(period, key);
    const fail = (error: string) => {
      firstOpen[period] = Math.min(firstOpen[period], bounds.start);
      failed.push({ ...bounds, id: `${period} ${key}` });
      result.failures.push({ period, key, error });
      ctx.log(`FAILED ${period} ${key}: ${error}`);
    };
    const below = failed.find((f) => f.start < bounds.end && f.end > bounds.start);
    if (below) return fail(`its input ${below.id} failed`);
    let meta: Meta;
    try {
      meta = await savePeriod(ctx, period, key, holds, before, true);
    } catch (e) {
      return fail((e as Error).message);
    }
    const final = meta.status === "final";
    if (!final) firstOpen[period] = Math.min(firstOpen[period], bounds.start);
    else finalized.push([period, key]);
    // A final window takes no new sources but late data, which rebuilds it from all.
    if (final && period === "30min") await ctx.store.delete(windowCountsKey(bounds.start));
    result.computed[period]++;
    if (final) result.final[period]++;
    if (before?.late_data === true) result.late.push(`${period}/${key}`);
  };
  // A day at a time, finest level first: hours and days find their children's states in
  // ctx.written, just saved, instead of reading them back. Months come last and read
  // their days (a day saves more states than ctx.written keeps).
  const byDay = new Map<string, Map<Period, string[]>>();
  for (const period of PERIODS.filter((p) => p !== "monthly")) {
    for (const key of plan.get(period)!) {
      const day = key.slice(0, 10);
      const levels = byDay.get(day) ?? byDay.set(day, new Map()).get(day)!;
      const keys = levels.get(period) ?? levels.set(period, []).get(period)!;
      keys.push(key);
    }
  }
  for (const day of [...byDay.keys()].sort()) {
    for (const [period, keys] of byDay.get(day)!) await mapLimit(keys, 8, compute(period));
  }
  await mapLimit(plan.get("monthly")!, 8, compute("monthly"));
  for (const period of PERIODS) {
    const keys = plan.get(period)!;
    ctx.log(
      `aggregated ${period}: ${result.computed[period]} computed (${
        result.final[period]
      } final), ` +
        `${result.skipped_final[period]} already final`,
    );
    // Everything before the first period left open is final now.
    const lastEnd = keys.length ? periodBounds(period, keys[keys.length - 1]).end : mark[period];
    next[period] = Math.max(mark[period], Math.min(firstOpen[period], lastEnd));
  }
  await writeWatermark(ctx.store, next);
  await recheckBelowMark(ctx, next, new Set(starts), finalized);
  result.late.sort();
  result.failures.sort((a, b) => (`${a.period}/${a.key}` < `${b.period}/${b.key}` ? -1 : 1));
  return result;
}

/**
 * Other writers (late data, event-driven refreshes) may have added a window below the new
 * mark, or reopened a period this run finalized, while this run computed: lower the mark
 * again for those, so that no open period ever sits unseen below it.
 */
async function recheckBelowMark(
  ctx: Context,
  mark: Watermark,
  seen: ReadonlySet<number>,
  finalized: ReadonlyArray<[Period, string]>,
): Promise<void> {
  const open: number[] = [];
  for (const start of (await listByWindow(ctx.store, CONSOLIDATED_PREFIX)).keys()) {
    if (!seen.has(start) && start < mark["30min"]) open.push(start);
  }
  for (const [period, key] of finalized) {
    if ((await readMeta(ctx.store, period, key))?.status !== "final") {
      open.push(periodBounds(period, key).start);
    }
  }
  if (open.length > 0) await lowerStoredWatermark(ctx.store, Math.min(...open));
}

/**
 * Recomputes the periods over the given windows (what an event's objects touched), finest
 * first, and stores them as partial: finalizing is the aggregate step's job, since it knows
 * the whole queue. Late data stays flagged for it.
 */
export async function refreshPeriods(
  ctx: Context,
  windowStarts: readonly number[],
): Promise<Record<Period, number>> {
  ctx = { ...ctx, written: new Map() };
  const computed = zero();
  for (const period of PERIODS) {
    const keys = [...new Set(windowStarts.map((s) => periodKey(period, s)))].sort();
    await mapLimit(keys, 8, async (key) => {
      await savePeriod(ctx, period, key, undefined, await readMeta(ctx.store, period, key), false);
      computed[period]++;
    });
  }
  return computed;
}

/** States a context keeps of what it wrote, at most (see WrittenStates). */
const WRITTEN_KEPT = 64;

/** Writes of one period in a row before giving up: other writers keep changing its inputs. */
const MAX_ROUNDS = 100;

/**
 * Computes one period from its inputs and stores it; then reads the inputs' stamp back and
 * computes again while another writer changed them meanwhile. Every change to an input is
 * followed by its writer's own save of this period, so the last save holds the last
 * inputs (the same argument as consolidateWindow's). `holds` undefined: the queue is not
 * known, so nothing is final by its sources.
 */
async function savePeriod(
  ctx: Context,
  period: Period,
  key: string,
  holds: readonly Hold[] | undefined,
  before: Meta | undefined,
  finalize: boolean,
): Promise<Meta> {
  const { end } = periodBounds(period, key);
  const isLate = before?.late_data === true;
  for (let round = 1;; round++) {
    const { state, sourceCount, childrenFinal, stamp } = await inputsOf(
      ctx,
      period,
      key,
      holds,
      false,
      before?.source_count,
    );
    const final = finalize && !isLate && childrenFinal && clockFinal(end, ctx.now, ctx.graceMs);
    const meta: Meta = {
      status: final ? "final" : "partial",
      computed_at: iso(ctx.now),
      source_count: sourceCount,
      sources_final: childrenFinal,
      ...(!finalize && isLate ? { late_data: true } : {}),
      inputs: stamp,
    };
    await putJson(ctx.store, aggregateKey(period, key), renderAggregate(period, key, state));
    await putJson(ctx.store, metaKey(period, key), meta);
    if (ctx.written) {
      // The oldest goes first: periods are saved finest first, so its parent has used it
      // unless that parent is a month.
      if (ctx.written.size >= WRITTEN_KEPT) ctx.written.delete(ctx.written.keys().next().value!);
      ctx.written.set(`${period}/${key}`, { inputs: stamp, state });
    }
    if ((await inputsOf(ctx, period, key, holds, true, sourceCount)).stamp === stamp) return meta;
    if (round === MAX_ROUNDS) {
      throw new Error(`${period} ${key}: its inputs changed under ${round} saves in a row`);
    }
  }
}

/**
 * What a period is computed from: a 30min window from its consolidated summary (final
 * once no unprocessed object may hold records for it), a coarser period from its children.
 * With `stampOnly`, the states are not merged: only the stamp is wanted. `present`: how many
 * children had data when it was last computed; when all did, no listing is needed.
 */
async function inputsOf(
  ctx: Context,
  period: Period,
  key: string,
  holds: readonly Hold[] | undefined,
  stampOnly = false,
  present?: number,
): Promise<{ state: SummaryState; sourceCount: number; childrenFinal: boolean; stamp: string }> {
  const { start, end } = periodBounds(period, key);
  if (period === "30min") {
    const k = consolidatedKey(start);
    const given = stampOnly ? undefined : ctx.summaries?.get(start);
    if (given) ctx.summaries!.delete(start);
    const c = given ??
      (stampOnly
        ? await readStored(ctx.store, k, ConsolidatedSourcesSchema)
        : await readStored(ctx.store, k, ConsolidatedSchema));
    if (c === undefined) throw new StoredDataError(`${k} is missing`);
    return {
      state: stampOnly ? emptyState() : (c as Consolidated).state,
      sourceCount: c.sources.length,
      childrenFinal: holds !== undefined && sourcesFinal(start, end, holds),
      stamp: inputsStamp(c.sources),
    };
  }
  const keys = childKeys(period, key);
  // Every child had data when last computed: each has a meta still, so none is skipped.
  const withData = present === keys.length
    ? undefined
    : await childrenWithData(ctx.store, period, key);
  const children = await Promise.all(
    keys.map((k) =>
      withData && !withData.has(k)
        ? absentChild(ctx, childPeriod(period)!, k, holds)
        : childOf(ctx, period, k, holds, stampOnly)
    ),
  );
  return {
    state: stampOnly ? emptyState() : mergeStates(children.map((c) => c.state)),
    sourceCount: children.filter((c) => c.present).length,
    childrenFinal: children.every((c) => c.final),
    stamp: inputsStamp(children.map((c) => c.stamp)),
  };
}

/** A child period's state and finality; a child with no data is empty, final by the clock. */
async function childOf(
  ctx: Context,
  parent: Period,
  key: string,
  holds: readonly Hold[] | undefined,
  stampOnly: boolean,
) {
  const period = childPeriod(parent)!;
  const meta = await readMeta(ctx.store, period, key);
  if (meta) {
    const k = aggregateKey(period, key);
    const kept = ctx.written?.get(`${period}/${key}`);
    const known = kept !== undefined && kept.inputs === meta.inputs;
    const doc = stampOnly || known
      ? undefined
      : await readStored(ctx.store, k, AggregateStateSchema);
    if (!stampOnly && !known && doc === undefined) throw new StoredDataError(`${k} is missing`);
    const state = known ? kept.state : doc?.state ?? emptyState();
    return {
      state,
      present: true,
      final: meta.status === "final",
      stamp: meta.inputs ?? meta.computed_at,
    };
  }
  return absentChild(ctx, period, key, holds);
}

/** A period with no data: empty, final by the clock once no unprocessed object may hold it. */
function absentChild(
  ctx: Context,
  period: Period,
  key: string,
  holds: readonly Hold[] | undefined,
) {
  const { start, end } = periodBounds(period, key);
  const final = holds !== undefined && clockFinal(end, ctx.now, ctx.graceMs) &&
    sourcesFinal(start, end, holds);
  return { state: emptyState(), present: false, final, stamp: "-" };
}

/**
 * The children of a daily or monthly period that have a meta, from one listing (a meta
 * exists where an aggregate was written); undefined for the finer periods, whose two
 * children are read one by one. The others are taken as absent without a request each:
 * what reading their metas would find, at the cost of one listing instead of up to 31
 * reads.
 */
async function childrenWithData(
  store: Store,
  period: Period,
  key: string,
): Promise<Set<string> | undefined> {
  const child = childPeriod(period);
  if (period !== "daily" && period !== "monthly") return undefined;
  const level = `${AGGREGATE_PREFIX}${child}/`;
  const present = new Set<string>();
  for await (const e of store.list(`${level}${key}-`)) {
    const k = e.key.slice(level.length, e.key.indexOf("/", level.length));
    if (e.key === metaKey(child!, k)) present.add(k);
  }
  return present;
}
