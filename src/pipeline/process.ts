/**
 * Event-driven processing: the named log objects (an S3 notification's), or a batch of
 * lines that never passed through S3 (Kinesis), are ingested, the windows they touched
 * consolidated and the periods above them refreshed, all in one go. Safe to repeat for the
 * same input, and safe in many processes at once on objects of the same windows (see
 * consolidateWindow and savePeriod). Finalizing stays with the scheduled aggregate step,
 * which knows the whole queue.
 * @module
 */
import { iso, type Period } from "../core/windows.ts";
import type { LogSource, SourceObject } from "../source/source.ts";
import { refreshPeriods } from "./aggregate.ts";
import { consolidate, type Consolidated } from "./consolidate.ts";
import type { Context } from "./context.ts";
import { ingest, type IngestItem, type IngestResult } from "./ingest.ts";
import { readLedger, sourceHash } from "./ledger.ts";

/** What processing one batch did. */
export interface ProcessResult {
  /** Per input: ingested now, ingested before, gone from the queue, or failed (with why). */
  objects: Array<
    { key: string; status: "ingested" | "already" | "gone" | "failed"; error?: string }
  >;
  records: number;
  malformed: number;
  /** Window starts (ISO) whose summaries and aggregates were brought up to date. */
  windows: string[];
  refreshed: Record<Period, number>;
}

/**
 * Processes the named objects of the live queue. A key that cannot be looked up (stat
 * throws) fails alone: it is reported as failed, and the other objects are processed.
 */
export async function processObjects(
  ctx: Context,
  keys: readonly string[],
): Promise<ProcessResult> {
  const others: ProcessResult["objects"] = [];
  const items: IngestItem[] = [];
  for (const key of [...new Set(keys)].sort()) {
    try {
      const obj = await ctx.source.stat(key);
      if (obj) items.push({ obj });
      else others.push({ key, status: "gone" }); // archived or deleted since the notification
    } catch (e) {
      const error = `cannot stat: ${(e as Error).message}`;
      ctx.log(`FAILED ${JSON.stringify(key)}: ${error}`);
      others.push({ key, status: "failed", error });
    }
  }
  // "Gone" means archived since the notification, only if the queue itself is there: a
  // source that cannot be listed fails the event (it is retried), never consumes it.
  if (others.some((o) => o.status === "gone")) await assertListable(ctx.source);
  const r = await processItems(ctx, items);
  r.objects.push(...others);
  r.objects.sort((a, b) => (a.key < b.key ? -1 : 1));
  return r;
}

/** @throws the source's error when the queue cannot be listed (it does not exist, say). */
async function assertListable(source: LogSource): Promise<void> {
  for await (const _ of source.list()) break;
}

/** A result that processed nothing. */
export function emptyResult(): ProcessResult {
  return {
    objects: [],
    records: 0,
    malformed: 0,
    windows: [],
    refreshed: { "30min": 0, hourly: 0, daily: 0, monthly: 0 },
  };
}

/**
 * Processes objects whose bytes come with them: each a batch of log lines, identified by
 * `key` and versioned by a hash of its bytes, so a batch delivered twice counts once.
 */
export async function processBatches(
  ctx: Context,
  batches: ReadonlyArray<LineBatch>,
): Promise<ProcessResult> {
  return await processItems(ctx, await Promise.all(batches.map(batchItem)));
}

/** Log lines that arrive without an object: `at` is when they arrived (epoch ms). */
export interface LineBatch {
  key: string;
  bytes: Uint8Array;
  at: number;
}

/** A batch as an object to ingest, versioned by a hash of its bytes. */
export async function batchItem(b: LineBatch): Promise<IngestItem> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", b.bytes as Uint8Array<ArrayBuffer>),
  );
  const version = Array.from(digest.subarray(0, 16), (x) => x.toString(16).padStart(2, "0"))
    .join("");
  const obj: SourceObject = { key: b.key, size: b.bytes.length, version, lastModified: b.at };
  const open = () =>
    Promise.resolve(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(b.bytes);
          c.close();
        },
      }),
    );
  return { obj, open };
}

/** True once a batch's ledger entry is written: it is counted, whatever fails after. */
export async function batchRecorded(ctx: Context, b: LineBatch): Promise<boolean> {
  return (await readLedger(ctx.store, sourceHash((await batchItem(b)).obj))) !== undefined;
}

async function processItems(ctx: Context, items: IngestItem[]): Promise<ProcessResult> {
  const ingested: IngestResult = await ingest(ctx, items);
  const failed = new Map(ingested.failures.map((f) => [f.key, f.error]));
  const fresh = new Set(ingested.objects.map((o) => o.key));
  const result: ProcessResult = {
    ...emptyResult(),
    records: ingested.records,
    malformed: ingested.malformed,
  };
  const starts = new Set<number>();
  for (const { obj } of items) {
    if (failed.has(obj.key)) {
      result.objects.push({ key: obj.key, status: "failed", error: failed.get(obj.key) });
      continue;
    }
    result.objects.push({ key: obj.key, status: fresh.has(obj.key) ? "ingested" : "already" });
    // The windows of an object ingested before too: a crash may have left them behind.
    const ledger = await readLedger(ctx.store, sourceHash(obj));
    for (const w of Object.keys(ledger?.windows ?? {})) starts.add(Date.parse(w));
  }
  const windows = [...starts].sort((a, b) => a - b);
  if (windows.length > 0) {
    // The refresh takes the summaries just written instead of reading them back.
    const summaries = new Map<number, Consolidated>();
    await consolidate({ ...ctx, summaries }, { windows });
    result.refreshed = await refreshPeriods({ ...ctx, summaries }, windows);
  }
  result.windows = windows.map(iso);
  return result;
}
