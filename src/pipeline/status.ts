/**
 * The state of the pipeline at a glance: what waits in the live queue, which windows hold
 * data or wait for consolidation, and the latest aggregate of each level with its finality.
 * @module
 */
import { AGGREGATE_PREFIX, CONSOLIDATED_PREFIX, ledgerKey, PENDING_PREFIX } from "../core/keys.ts";
import { iso, PERIODS } from "../core/windows.ts";
import type { LogSource } from "../source/source.ts";
import type { Store } from "../store/store.ts";
import { sourceHash } from "./ledger.ts";
import { listByWindow } from "./list-windows.ts";
import { readMeta } from "./meta.ts";

/** What {@link pipelineStatus} reports. */
export interface PipelineStatus {
  queue: { objects: number; ingested: number; waiting: number };
  data: {
    first_window: string | null;
    last_window: string | null;
    windows: number;
    pending_windows: number;
  };
  latest: Record<string, { key: string; status: string; computed_at: string } | null>;
}

/** Reads the status of the pipeline over `store` (and `source`, when there is one). */
export async function pipelineStatus(store: Store, source?: LogSource): Promise<PipelineStatus> {
  const queue = { objects: 0, ingested: 0, waiting: 0 };
  if (source) {
    for await (const obj of source.list()) {
      queue.objects++;
      if ((await store.get(ledgerKey(sourceHash(obj)))) === undefined) queue.waiting++;
      else queue.ingested++;
    }
  }
  const windows = [...(await listByWindow(store, CONSOLIDATED_PREFIX)).keys()].sort((a, b) =>
    a - b
  );
  const pending = await listByWindow(store, PENDING_PREFIX);
  const latest: PipelineStatus["latest"] = {};
  for (const period of PERIODS) {
    const { dirs } = await store.browse(`${AGGREGATE_PREFIX}${period}/`);
    const key = dirs.at(-1);
    const meta = key === undefined ? undefined : await readMeta(store, period, key);
    latest[period] = key && meta
      ? { key, status: meta.status, computed_at: meta.computed_at }
      : null;
  }
  return {
    queue,
    data: {
      first_window: windows.length ? iso(windows[0]) : null,
      last_window: windows.length ? iso(windows[windows.length - 1]) : null,
      windows: windows.length,
      pending_windows: pending.size,
    },
    latest,
  };
}
