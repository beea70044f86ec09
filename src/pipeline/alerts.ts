/**
 * Judging alert rules on data: the store's most recent windows, or (`latest` mode) just
 * the newest objects of the live queue, read into a memory store and never written.
 * @module
 */
import { type AlertResult, type AlertRule, evaluateRule } from "../core/alerts.ts";
import { keyTime } from "../core/finality.ts";
import { emptyState, mergeStates } from "../core/summary.ts";
import { periodKey, WINDOW_MS } from "../core/windows.ts";
import { type Calendar, localIso, UTC_CALENDAR } from "../core/zones.ts";
import type { SourceObject } from "../source/source.ts";
import { memoryStore } from "../store/memory.ts";
import type { Store } from "../store/store.ts";
import { consolidate } from "./consolidate.ts";
import type { Context } from "./context.ts";
import { ingest } from "./ingest.ts";
import { newestWindows } from "./list-windows.ts";
import { startQuery, type ViewCache, viewPeriod } from "./query.ts";

/** What a check found. */
export interface AlertReport {
  rules: AlertResult[];
  breached: number;
  /** The zone the rules' `from` and `to` are written in. */
  tz: string;
  /** In latest mode: the objects read, and the records they held. */
  objects?: string[];
  records?: number;
}

/**
 * Judges every rule on the most recent windows of `store` that hold data. Windows are the
 * same in every zone; `cal` says in which local time the windows looked at are written.
 */
export async function checkAlerts(
  store: Store,
  rules: readonly AlertRule[],
  cache?: ViewCache,
  cal: Calendar = UTC_CALENDAR,
): Promise<AlertReport> {
  const q = startQuery(store, cache);
  const most = rules.reduce((n, r) => Math.max(n, r.windows), 0);
  const windows = await newestWindows(q.windows, most);
  const results: AlertResult[] = [];
  for (const rule of rules) {
    const starts = windows.slice(-rule.windows);
    const views = await Promise.all(
      starts.map((s) => viewPeriod(q, "30min", periodKey("30min", s))),
    );
    const states = views.flatMap((v) => (v ? [v.state] : []));
    const span = starts.length
      ? {
        from: localIso(cal, starts[0]),
        to: localIso(cal, starts[starts.length - 1] + WINDOW_MS),
      }
      : null;
    results.push(
      evaluateRule(rule, states.length ? mergeStates(states) : emptyState(), span),
    );
  }
  const breached = results.filter((r) => r.status === "breached").length;
  return { rules: results, breached, tz: cal.zone };
}

/**
 * Judges every rule on the `count` newest objects of the live queue alone (by the time
 * their key names, else their last write), parsed in memory: for a cron job or a CI step
 * that asks "is what just arrived healthy?" without a store.
 */
export async function checkLatest(
  ctx: Context,
  rules: readonly AlertRule[],
  count: number,
  cal: Calendar = UTC_CALENDAR,
): Promise<AlertReport> {
  const objects: SourceObject[] = [];
  for await (const obj of ctx.source.list()) objects.push(obj);
  const when = (o: SourceObject) => keyTime(o.key) ?? o.lastModified;
  const latest = objects.sort((a, b) => when(b) - when(a) || (a.key < b.key ? 1 : -1))
    .slice(0, count);
  const scratch = { ...ctx, store: memoryStore(), log: () => {}, metrics: undefined };
  const ingested = await ingest(scratch, latest.map((obj) => ({ obj })));
  if (ingested.failures.length > 0) {
    throw new Error(
      `could not read ${ingested.failures.map((f) => `${f.key} (${f.error})`).join(", ")}`,
    );
  }
  await consolidate(scratch);
  const report = await checkAlerts(
    scratch.store,
    rules.map((r) => ({ ...r, windows: 1488 })),
    undefined,
    cal,
  );
  return { ...report, objects: latest.map((o) => o.key), records: ingested.records };
}
