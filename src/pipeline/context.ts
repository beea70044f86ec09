/**
 * What every step needs: where to read, where to write, how to parse, and the clock.
 * The clock is explicit (`now`) so that runs are reproducible (DESIGN §5).
 * @module
 */
import { DEFAULT_GRACE_MS, DEFAULT_MAX_LAG_MS } from "../core/finality.ts";
import type { ParseOptions } from "../core/parse-object.ts";
import { PRESETS } from "../core/fields.ts";
import type { Inflate, InflateBytes } from "../core/gzip.ts";
import type { SummaryState } from "../core/summary.ts";
import { fastGunzip, zlibGunzipBytes } from "../source/inflate.ts";
import type { LogSource } from "../source/source.ts";
import type { Store } from "../store/store.ts";
import type { Consolidated } from "./consolidate.ts";
import { type Handoff, handoff } from "./handoff.ts";

/** The dependencies and settings of a pipeline run. */
export interface Context {
  store: Store;
  source: LogSource;
  parse: ParseOptions;
  /** The gunzip engine tried first (fflate is the fallback). */
  inflate: Inflate;
  /**
   * The gunzip of a small object read whole: `inflate` streams one whose text is too
   * large, fflate is tried on one this fails.
   */
  inflateBytes: InflateBytes;
  /** Epoch ms. */
  now: number;
  graceMs: number;
  maxLagMs: number;
  /** Progress for a person (stderr in scripts). */
  log: (message: string) => void;
  /** Where the metrics of every window consolidation changes go (CloudWatch EMF on Lambda). */
  metrics?: (window: number, state: SummaryState) => void;
  /** What ingest hands to consolidation in this process (none: consolidation reads parts). */
  handoff?: Handoff;
  /**
   * Aggregates this step wrote, so that the periods above need not read them back. Each
   * aggregate run or refresh starts its own: nothing is kept across runs, tenants or
   * invocations.
   */
  written?: WrittenStates;
  /**
   * Window summaries this process's consolidation just wrote, by window start, for the
   * refresh of the same event: each is taken once, so a period computed again because its
   * summary changed meanwhile reads the store.
   */
  summaries?: Map<number, Consolidated>;
  /**
   * Where a long step reports how far it is, after each object (a CLI draws it). With it,
   * ingest logs failures only, not a line per object ingested.
   */
  progress?: (p: Progress) => void;
}

/**
 * How far a step is: units done (ingest: objects ingested, skipped or failed; export:
 * windows written or failed) of all, and records read.
 */
export interface Progress {
  step: keyof typeof PROGRESS_UNITS;
  done: number;
  total: number;
  records: number;
  failed: number;
}

/** What each step that reports progress counts. */
export const PROGRESS_UNITS = { ingest: "objects", export: "windows" } as const;

/**
 * Aggregated states by period (`daily/2024-03-01`), each with the `inputs` stamp of the
 * meta written with it. Equal stamps mean equal inputs, hence an equal state: a child
 * whose stored meta still has that stamp is taken from here instead of read and decoded.
 */
export type WrittenStates = Map<string, { inputs: string; state: SummaryState }>;

/** A context with the defaults filled in. */
export function makeContext(
  parts: Pick<Context, "store" | "source"> & Partial<Context>,
): Context {
  return {
    parse: { format: "realtime", fields: PRESETS.all },
    inflate: fastGunzip,
    inflateBytes: zlibGunzipBytes,
    now: Date.now(),
    graceMs: DEFAULT_GRACE_MS,
    maxLagMs: DEFAULT_MAX_LAG_MS,
    log: () => {},
    handoff: handoff(),
    ...parts,
  };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping result order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * A gate that runs at most `limit` tasks at once, queueing the rest in order: for work
 * started from synchronous code (a parser's callback) that must not open a file per
 * task all at once.
 */
export function limiter(limit: number): <R>(task: () => Promise<R>) => Promise<R> {
  let running = 0;
  const queue: Array<() => void> = [];
  const done = () => {
    running--;
    queue.shift()?.();
  };
  return <R>(task: () => Promise<R>) =>
    new Promise<R>((resolve, reject) => {
      const start = () => {
        running++;
        task().then(resolve, reject).finally(done);
      };
      if (running < limit) start();
      else queue.push(start);
    });
}
