/**
 * Step 1, Load + Extract: every log object not yet in the ledger is parsed into typed
 * records, bucketed into 30-minute windows by each record's own timestamp, and stored as
 * raw parts; then a pending marker per window, then the ledger entry (the commit point).
 * A failure (a truncated gzip, a wrong field list) fails that object only.
 * @module
 */
import { fflateGunzip, GzipError, type Inflate, isGzip, maybeGunzip } from "../core/gzip.ts";
import { ledgerKey, pendingKey, rawKey } from "../core/keys.ts";
import { FieldMismatchError, parseObject, type ParseStats } from "../core/parse-object.ts";
import {
  accumulateEntry,
  accumulatorBytes,
  type WindowAccumulator,
  windowAccumulator,
} from "../core/consolidate.ts";
import {
  localColumns,
  rawAppend,
  type RawBuilder,
  rawBuilder,
  rawEncode,
  rawEntryOf,
  rawReset,
} from "../core/raw-builder.ts";
import { RAW_PART_RECORDS, type RawEntry } from "../core/raw-entry.ts";
import type { Row } from "../core/row.ts";
import { iso, periodKey, windowStart } from "../core/windows.ts";
import type { SourceObject } from "../source/source.ts";
import { listAll, putJson } from "../store/store.ts";
import { type Context, limiter, mapLimit } from "./context.ts";
import { HANDOFF_COUNT, handOver } from "./handoff.ts";
import { borrowTables, returnTables } from "./tables.ts";
import { type Ledger, sourceHash } from "./ledger.ts";
import { readMeta } from "./meta.ts";

/**
 * Objects a run may have for its parts to be handed to consolidation in the same process
 * (an event's few objects, one big object); a larger run is consolidated from the store.
 */
const HANDOFF_OBJECTS = 64;

/** Objects ingested at once. */
const INGEST_CONCURRENCY = 4;

/**
 * Objects up to this size are read whole and inflated in one call: a Firehose object is a
 * few kB, and the streams an object is otherwise read through cost more than its parsing.
 */
const WHOLE_OBJECT_BYTES = 1024 * 1024;
/**
 * Text a whole object may inflate to (16× its size at most; logs shrink about tenfold),
 * with objects ingested at once: one that would be larger is streamed instead.
 */
const WHOLE_TEXT_BYTES = 16 * 1024 * 1024;

/** Records between progress lines within one big object. */
const PROGRESS_EVERY = 250_000;

/**
 * Windows an object may have open builders for at once. An object whose lines spread
 * over more windows has its least recently used window's part written early, so memory
 * does not depend on how many windows an object spans (only the part count does).
 */
export const MAX_OPEN_WINDOWS = 32;

/** One object that could not be ingested. */
export interface IngestFailure {
  key: string;
  error: string;
  /** The field list does not fit the object: the same mistake usually fails them all. */
  fields?: true;
}

/** The result of an ingest run. */
export interface IngestResult {
  objects_seen: number;
  objects_ingested: number;
  objects_skipped: number;
  objects_failed: number;
  records: number;
  malformed: number;
  malformed_by_reason: Record<string, number>;
  failures: IngestFailure[];
  /** Windows that were already final and got new records (they go back to partial). */
  late_windows: string[];
  /** Per ingested object: key, records, malformed and the first malformed line numbers. */
  objects: Array<{ key: string; records: number; malformed: number; malformed_lines: number[] }>;
}

/**
 * One object to ingest and where its bytes come from: the live queue by default, or given
 * bytes (records that arrive through Kinesis never pass through S3).
 */
export interface IngestItem {
  obj: SourceObject;
  open?: () => Promise<ReadableStream<Uint8Array>>;
}

/** Ingests every unprocessed object of the source, or only the `items` named. */
export async function ingest(ctx: Context, items?: IngestItem[]): Promise<IngestResult> {
  const result: IngestResult = {
    objects_seen: 0,
    objects_ingested: 0,
    objects_skipped: 0,
    objects_failed: 0,
    records: 0,
    malformed: 0,
    malformed_by_reason: {},
    failures: [],
    late_windows: [],
    objects: [],
  };
  const late = new Set<string>();
  const objects: IngestItem[] = items ?? [];
  if (!items) { for await (const obj of ctx.source.list()) objects.push({ obj }); }
  result.objects_seen = objects.length;
  let done = 0;
  let misfit = 0;
  const report = () =>
    ctx.progress?.({
      step: "ingest",
      done: ++done,
      total: objects.length,
      records: result.records,
      failed: result.objects_failed,
    });
  // A run of more objects than the handoff holds would drop most of what it accumulates.
  const each = objects.length <= HANDOFF_OBJECTS ? ctx : { ...ctx, handoff: undefined };
  // A few objects at once: their reads, writes and gunzip overlap with parsing.
  await mapLimit(objects, INGEST_CONCURRENCY, async ({ obj, open }) => {
    const hash = sourceHash(obj);
    if ((await ctx.store.get(ledgerKey(hash))) !== undefined) {
      result.objects_skipped++;
      report();
      return;
    }
    try {
      const { ledger, stats } = await ingestObject(each, obj, hash, open);
      result.objects_ingested++;
      result.records += stats.records;
      result.malformed += stats.malformed;
      for (const [r, n] of Object.entries(stats.malformed_by_reason)) {
        result.malformed_by_reason[r] = (result.malformed_by_reason[r] ?? 0) + n;
      }
      result.objects.push({
        key: obj.key,
        records: stats.records,
        malformed: stats.malformed,
        malformed_lines: stats.malformed_lines,
      });
      for (const w of Object.keys(ledger.windows)) {
        const key = periodKey("30min", Date.parse(w));
        const meta = await readMeta(ctx.store, "30min", key).catch(() => undefined);
        if (meta?.status === "final") late.add(key);
      }
      // With a progress line, only an object with malformed lines gets a line of its own.
      if (!ctx.progress || stats.malformed > 0) {
        ctx.log(
          `ingested ${obj.key}: ${stats.records} records` +
            (stats.malformed
              ? `, ${stats.malformed} malformed (lines ${stats.malformed_lines.join(", ")}${
                stats.malformed > stats.malformed_lines.length ? ", ..." : ""
              })`
              : ""),
        );
      }
    } catch (e) {
      result.objects_failed++;
      const error = (e as Error).message;
      const fields = e instanceof FieldMismatchError;
      result.failures.push({ key: obj.key, error, ...(fields ? { fields: true as const } : {}) });
      // A wrong field list fails every object alike: said once, counted at the end.
      if (!fields || ++misfit === 1) ctx.log(`FAILED ${obj.key}: ${error}`);
    }
    report();
  });
  if (misfit > 1) {
    ctx.log(`the field list does not fit ${misfit} objects (said above for the first of them)`);
  }
  result.objects.sort((a, b) => (a.key < b.key ? -1 : 1));
  result.failures.sort((a, b) => (a.key < b.key ? -1 : 1));
  result.late_windows = [...late].sort();
  if (result.late_windows.length > 0) {
    ctx.log(`late data for final windows: ${result.late_windows.join(", ")}`);
  }
  return result;
}

/**
 * Parses one object into raw parts with the context's gunzip, and again with fflate when
 * that fails: an engine may stop at the second member of a concatenated gzip file (Deno's
 * `DecompressionStream` does); fflate reads every member and checks each one's CRC and
 * size. On failure, every part written is removed. Without `open`, the object is read
 * from the queue: whole when it is small.
 */
async function ingestObject(
  ctx: Context,
  obj: SourceObject,
  hash: string,
  given?: () => Promise<ReadableStream<Uint8Array>>,
) {
  const open = given ?? (() => ctx.source.open(obj.key, obj.version));
  const whole = given === undefined && obj.size <= WHOLE_OBJECT_BYTES;
  const attempts: string[][] = [];
  const attempt = (text: () => Promise<ReadableStream<Uint8Array>>) => {
    const written: string[] = [];
    attempts.push(written);
    return ingestWith(ctx, obj, hash, text, written);
  };
  const streamed = (engine: Inflate) => async () => (await maybeGunzip(await open(), engine)).body;
  try {
    try {
      return await attempt(
        whole ? wholeText(ctx, obj, streamed(ctx.inflate)) : streamed(ctx.inflate),
      );
    } catch (e) {
      if (!(e instanceof GzipError)) throw e;
      return await attempt(streamed(fflateGunzip));
    }
  } catch (e) {
    await Promise.all(attempts.flat().map((k) => ctx.store.delete(k)));
    if (e instanceof GzipError) {
      throw new Error(`truncated or corrupt gzip, object not ingested (${e.message})`);
    }
    throw e;
  }
}

/**
 * The text of a queued object read whole and inflated in one call, as a stream of one
 * chunk; `otherwise` when it would inflate past {@link WHOLE_TEXT_BYTES}.
 */
function wholeText(
  ctx: Context,
  obj: SourceObject,
  otherwise: () => Promise<ReadableStream<Uint8Array>>,
): () => Promise<ReadableStream<Uint8Array>> {
  return async () => {
    const bytes = await ctx.source.read(obj.key, obj.version);
    const text = isGzip(bytes) ? ctx.inflateBytes(bytes, WHOLE_TEXT_BYTES) : bytes;
    if (text === undefined) return await otherwise();
    return new ReadableStream<Uint8Array>({
      start(controller) {
        if (text.length > 0) controller.enqueue(text);
        controller.close();
      },
    });
  };
}

async function ingestWith(
  ctx: Context,
  obj: SourceObject,
  hash: string,
  text: () => Promise<ReadableStream<Uint8Array>>,
  written: string[],
): Promise<{ ledger: Ledger; stats: ParseStats }> {
  const body = await text();
  // Open windows, least recently used first (a Map keeps insertion order), and the parts
  // written so far of every window the object touched.
  const open = new Map<number, { builder: RawBuilder; part: number }>();
  const parts = new Map<number, number>();
  const spare: RawBuilder[] = [];
  const writes: Promise<void>[] = [];
  const write = limiter(8);
  // Encodes and writes a window's part, and begins its next one in the same builder.
  const endPart = (start: number, w: { builder: RawBuilder; part: number }) => {
    const key = rawKey(start, hash, w.part);
    const meta = {
      sourceKey: obj.key,
      sourceHash: hash,
      window: iso(start),
      part: w.part,
      logged: [...logged].sort(),
    };
    const acc = accumulatorOf(start, w.part);
    // Columns are localized into copies only for a part that is also accumulated.
    const cols = acc ? localColumns(w.builder) : undefined;
    const bytes = rawEncode(w.builder, meta, cols);
    if (acc) accumulate(start, acc, rawEntryOf(w.builder, meta, cols!));
    written.push(key);
    const put = write(() => ctx.store.put(key, bytes, { contentType: "application/json" }));
    put.catch(() => {}); // observed by the Promise.all below; not an unhandled rejection now
    writes.push(put);
    rawReset(w.builder);
    w.part++;
    parts.set(start, w.part);
  };
  // Per window, its parts added up for the handoff (null: not held, the handoff is full).
  const accs = new Map<number, WindowAccumulator | null>();
  let held = 0;
  // A window's accumulator, begun with its first part while the handoff has room.
  const accumulatorOf = (start: number, part: number) => {
    if (!ctx.handoff) return undefined;
    let acc = accs.get(start);
    if (acc === undefined && part === 0 && held < ctx.handoff.limit && accs.size < HANDOFF_COUNT) {
      accs.set(start, acc = windowAccumulator());
    }
    return acc ?? undefined;
  };
  const accumulate = (start: number, acc: WindowAccumulator, entry: RawEntry) => {
    held -= accumulatorBytes(acc);
    accumulateEntry(acc, entry);
    held += accumulatorBytes(acc);
    if (held > ctx.handoff!.limit) {
      held -= accumulatorBytes(acc);
      accs.set(start, null);
    }
  };
  // Closes the least recently used window: its part is written, its builder reused.
  const evict = () => {
    const [start, w] = open.entries().next().value!;
    if (w.builder.count > 0) endPart(start, w);
    open.delete(start);
    spare.push(w.builder);
  };
  const tables = borrowTables();
  const logged = new Set<string>();
  let seen = 0;
  // Consecutive lines nearly always share a window: skip the map lookup for them.
  let lastStart = NaN;
  let last: { builder: RawBuilder; part: number } | undefined;
  const onRow = (r: Row) => {
    if (++seen % PROGRESS_EVERY === 0) ctx.log(`${obj.key}: ${seen} records so far`);
    const start = windowStart(r.timestamp);
    let w = start === lastStart ? last : open.get(start);
    if (!w) {
      if (open.size >= MAX_OPEN_WINDOWS) evict();
      w = { builder: spare.pop() ?? rawBuilder(), part: parts.get(start) ?? 0 };
      open.set(start, w);
      parts.set(start, w.part);
    } else if (start !== lastStart) {
      open.delete(start); // now the most recently used
      open.set(start, w);
    }
    lastStart = start;
    last = w;
    if (!rawAppend(w.builder, tables, r)) {
      // A value table started over: the part ends here, with the values of its own ids.
      endPart(start, w);
      rawAppend(w.builder, tables, r);
    }
    if (w.builder.count >= RAW_PART_RECORDS) endPart(start, w);
  };
  const stats = await parseObject(body, ctx.parse, tables, onRow, (columns) => {
    for (const c of columns) logged.add(c);
  });
  returnTables(tables);
  for (const [start, w] of open) if (w.builder.count > 0) endPart(start, w);
  const windows: Record<string, number> = {};
  for (const [start, n] of [...parts].sort((a, b) => a[0] - b[0])) windows[iso(start)] = n;
  await Promise.all(writes);
  // Parts left from an earlier, different attempt would be counted: there must be none.
  for (const start of parts.keys()) {
    const prefix = rawKey(start, hash, 0).replace(/-\d+\.json$/, "-");
    for (const e of await listAll(ctx.store, prefix)) {
      if (!written.includes(e.key)) await ctx.store.delete(e.key);
    }
  }
  await mapLimit(
    [...parts.keys()],
    16,
    (s) => ctx.store.put(pendingKey(s, hash), new Uint8Array(0)),
  );
  const ledger: Ledger = {
    key: obj.key,
    version: obj.version,
    hash,
    size: obj.size,
    records: stats.records,
    malformed: stats.malformed,
    windows,
  };
  await putJson(ctx.store, ledgerKey(hash), ledger);
  for (const [start, acc] of accs) {
    if (acc) handOver(ctx.handoff!, start, hash, parts.get(start)!, acc);
  }
  return { ledger, stats };
}
