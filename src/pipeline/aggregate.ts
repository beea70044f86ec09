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
  keyTime,
  type Meta,
  sourcesFinal,
} from "../core/finality.ts";
import { aggregateKey, consolidatedKey, ledgerKey, metaKey, ROOT } from "../core/keys.ts";
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
import { getJson, putJson } from "../store/store.ts";
import { type Context, mapLimit } from "./context.ts";
import { ConsolidatedSchema } from "./consolidate.ts";
import { sourceHash } from "./ledger.ts";
import { readMeta } from "./meta.ts";
import { listByWindow } from "./list-windows.ts";
import { readWatermark, writeWatermark } from "./watermark.ts";
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
}

const zero = () => ({ "30min": 0, hourly: 0, daily: 0, monthly: 0 });
const AggregateStateSchema = v.object({ state: SummaryStateSchema });

/** Objects in the live queue that are not ingested yet, as time ranges they may hold. */
export async function unprocessedHolds(ctx: Context): Promise<Hold[]> {
  const holds: Hold[] = [];
  for await (const obj of ctx.source.list()) {
    if ((await ctx.store.get(ledgerKey(await sourceHash(obj)))) !== undefined) continue;
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
  const holds = await unprocessedHolds(ctx);
  const mark = options.rebuild ? NO_WATERMARK : await readWatermark(ctx.store);
  const next: Watermark = { ...mark };
  const result: AggregateResult = {
    computed: zero(),
    final: zero(),
    skipped_final: zero(),
    late: [],
    holds: holds.map((h) => ({ key: h.key, from: iso(h.from), to: iso(h.to) })),
  };
  const windows = await listByWindow(ctx.store, `${ROOT}/consolidated/`);
  const starts = [...windows.keys()].sort((a, b) => a - b);
  for (const period of PERIODS) {
    // Every period of this level that holds data and starts at or after its mark.
    const keys = [...new Set(starts.map((s) => periodKey(period, s)))]
      .filter((k) => periodBounds(period, k).start >= mark[period]);
    let firstOpen = Infinity;
    await mapLimit(keys, 8, async (key) => {
      const before = await readMeta(ctx.store, period, key);
      if (before?.status === "final") {
        result.skipped_final[period]++;
        return;
      }
      const { start, end } = periodBounds(period, key);
      const { state, sourceCount, childrenFinal } = await inputsOf(ctx, period, key, holds);
      const isLate = before?.late_data === true;
      const final = !isLate && childrenFinal && clockFinal(end, ctx.now, ctx.graceMs);
      if (!final) firstOpen = Math.min(firstOpen, start);
      const meta: Meta = {
        status: final ? "final" : "partial",
        computed_at: iso(ctx.now),
        source_count: sourceCount,
        sources_final: childrenFinal,
      };
      await putJson(ctx.store, aggregateKey(period, key), renderAggregate(period, key, state));
      await putJson(ctx.store, metaKey(period, key), meta);
      result.computed[period]++;
      if (final) result.final[period]++;
      if (isLate) result.late.push(`${period}/${key}`);
    });
    ctx.log(
      `aggregated ${period}: ${result.computed[period]} computed (${
        result.final[period]
      } final), ` +
        `${result.skipped_final[period]} already final`,
    );
    // Everything before the first period left open is final now.
    const lastEnd = keys.length ? periodBounds(period, keys[keys.length - 1]).end : mark[period];
    next[period] = Math.max(mark[period], Math.min(firstOpen, lastEnd));
  }
  await writeWatermark(ctx.store, next);
  result.late.sort();
  return result;
}

/**
 * What a period is computed from: a 30min window from its consolidated summary (final
 * once no unprocessed object may hold records for it), a coarser period from its children.
 */
async function inputsOf(
  ctx: Context,
  period: Period,
  key: string,
  holds: readonly Hold[],
): Promise<{ state: SummaryState; sourceCount: number; childrenFinal: boolean }> {
  const { start, end } = periodBounds(period, key);
  if (period === "30min") {
    const c = v.parse(ConsolidatedSchema, await getJson(ctx.store, consolidatedKey(start)));
    return {
      state: c.state,
      sourceCount: c.sources.length,
      childrenFinal: sourcesFinal(start, end, holds),
    };
  }
  const children = await Promise.all(
    childKeys(period, key).map((k) => childOf(ctx, period, k, holds)),
  );
  return {
    state: mergeStates(children.map((c) => c.state)),
    sourceCount: children.filter((c) => c.present).length,
    childrenFinal: children.every((c) => c.final),
  };
}

/** A child period's state and finality; a child with no data is empty, final by the clock. */
async function childOf(ctx: Context, parent: Period, key: string, holds: readonly Hold[]) {
  const period = childPeriod(parent)!;
  const meta = await readMeta(ctx.store, period, key);
  if (meta) {
    const doc = v.parse(AggregateStateSchema, await getJson(ctx.store, aggregateKey(period, key)));
    return { state: doc.state, present: true, final: meta.status === "final" };
  }
  const { start, end } = periodBounds(period, key);
  const final = clockFinal(end, ctx.now, ctx.graceMs) && sourcesFinal(start, end, holds);
  return { state: emptyState(), present: false, final };
}
