/**
 * The export (DESIGN §8): the IP-free records of the raw parts as Parquet, Hive-partitioned
 * by UTC day, for engines that scale past this process (Athena, DuckDB, Spark), and the
 * Athena table beside them.
 *
 * What is exported is what the aggregates count: per window, the raw parts of exactly the
 * sources its consolidated summary holds, so a day's rows add up to its daily `data.json`.
 * Each window is written to files of its own (`part-HHMM-NNN.parquet`), each file whole or
 * absent (a store's writes are atomic); re-exporting a day rewrites every window's files
 * and then removes the day's files it did not write.
 * @module
 */
import type { DecodedArray, SchemaElement } from "hyparquet";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import {
  athenaTable,
  EXPORT_COLUMNS,
  type ExportType,
  exportValues,
} from "../core/export-columns.ts";
import { CONSOLIDATED_PREFIX, consolidatedKey } from "../core/keys.ts";
import { parseRawEntry } from "../core/raw-entry.ts";
import { iso, periodKey } from "../core/windows.ts";
import { getJson, listAll, type Store } from "../store/store.ts";
import { ConsolidatedSourcesSchema, type LedgerCache, partIndex, partsOf } from "./consolidate.ts";
import type { Context } from "./context.ts";
import { listByWindow } from "./list-windows.ts";
import { readStored } from "./stored.ts";

const DAY_MS = 86_400_000;

/** Where the export's files live under `--out`. */
export const RECORDS_DIR = "records/";
/** The Athena table of the export, beside {@link RECORDS_DIR}. */
export const ATHENA_KEY = "athena.sql";

/** Rows a file holds at most: a larger window is split into several files. */
export const FILE_ROWS = 1_000_000;
/** Rows a row group holds at most (the parts of small objects are gathered up to it). */
export const GROUP_ROWS = 100_000;

/** `records/dt=YYYY-MM-DD/`: one day's partition. */
export function dayDir(day: string): string {
  return `${RECORDS_DIR}dt=${day}/`;
}

/** What every file of the window starting at `start` begins with. */
export function windowFilePrefix(start: number): string {
  const k = periodKey("30min", start); // YYYY-MM-DD-HHMM
  return `${dayDir(k.slice(0, 10))}part-${k.slice(11)}-`;
}

/** The `n`th file of the window starting at `start`. */
export function fileKey(start: number, n: number): string {
  return `${windowFilePrefix(start)}${String(n).padStart(3, "0")}.parquet`;
}

/** The Parquet type of each export type. */
const PARQUET: Record<ExportType, Omit<SchemaElement, "name">> = {
  timestamp: {
    type: "INT64",
    converted_type: "TIMESTAMP_MILLIS",
    logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
  },
  int: { type: "INT32" },
  bigint: { type: "INT64" },
  double: { type: "DOUBLE" },
  boolean: { type: "BOOLEAN" },
  string: { type: "BYTE_ARRAY", converted_type: "UTF8" },
};

/** The files' Parquet schema, from the export's columns. */
export const PARQUET_SCHEMA: SchemaElement[] = [
  { name: "root", num_children: EXPORT_COLUMNS.length },
  ...EXPORT_COLUMNS.map((c): SchemaElement => ({
    name: c.name,
    ...PARQUET[c.type],
    repetition_type: c.required ? "REQUIRED" : "OPTIONAL",
  })),
];

/** What an export did. */
export interface ExportResult {
  days: number;
  windows: number;
  records: number;
  files: number;
  bytes: number;
  /** Files of the exported days that this run did not write, removed. */
  removed: number;
  /** Windows that could not be exported; their earlier files are left as they were. */
  failures: Array<{ window: string; error: string }>;
  /** The store read. */
  store: string;
  /** Where `athena.sql` was written (not when the store holds no data). */
  athena: string;
  /** The first and last UTC days the store has consolidated data for (null: none). */
  first_day: string | null;
  last_day: string | null;
}

/** The day range to export (starts of UTC days, `to` exclusive; both optional), and the table. */
export interface ExportRange {
  from?: number;
  to?: number;
  /** The name of the table `athena.sql` creates (default `cloudfront_lets_records`). */
  table?: string;
  /** Rows a file and a row group hold at most (default {@link FILE_ROWS}, {@link GROUP_ROWS}). */
  rows?: { file: number; group: number };
}

/**
 * Exports every consolidated window of the days in `range` from `ctx.store` to `out`.
 * A window that fails (a raw part gone or invalid) is reported and the others go on.
 */
export async function exportRecords(
  ctx: Pick<Context, "store" | "log" | "progress">,
  out: Store,
  range: ExportRange = {},
): Promise<ExportResult> {
  const result: ExportResult = {
    days: 0,
    windows: 0,
    records: 0,
    files: 0,
    bytes: 0,
    removed: 0,
    failures: [],
    store: ctx.store.name,
    athena: `${out.name.replace(/\/$/, "")}/${ATHENA_KEY}`,
    first_day: null,
    last_day: null,
  };
  // One recursive listing of the summaries (it does not depend on the store browsing
  // two levels deep, which some S3-compatible servers do not).
  const byDay = new Map<number, number[]>();
  for (const [start, keys] of await listByWindow(ctx.store, CONSOLIDATED_PREFIX)) {
    if (!keys.some((k) => k === consolidatedKey(start))) continue;
    const day = start - (start % DAY_MS);
    const windows = byDay.get(day);
    if (windows) windows.push(start);
    else byDay.set(day, [start]);
  }
  const allDays = [...byDay.keys()].sort((a, b) => a - b);
  if (allDays.length === 0) return result;
  result.first_day = iso(allDays[0]).slice(0, 10);
  result.last_day = iso(allDays[allDays.length - 1]).slice(0, 10);
  const plan = allDays
    .filter((d) =>
      (range.from === undefined || d >= range.from) && (range.to === undefined || d < range.to)
    )
    .map((day) => ({ day, windows: byDay.get(day)!.sort((a, b) => a - b) }));
  const location = out.name.startsWith("s3://")
    ? `${out.name.replace(/\/$/, "")}/${RECORDS_DIR}`
    : "s3://YOUR-BUCKET/YOUR-PREFIX/records/";
  const sql = (out.name.startsWith("s3://") ? "" : localNote) +
    athenaTable(location, result.first_day, range.table);
  await out.put(ATHENA_KEY, new TextEncoder().encode(sql), { contentType: "application/sql" });
  const total = plan.reduce((n, d) => n + d.windows.length, 0);
  const ledgers: LedgerCache = new Map();
  let done = 0;
  for (const { day, windows } of plan) {
    const written = new Set<string>();
    const failed = new Set<string>();
    for (const start of windows) {
      try {
        const w = await exportWindow(ctx.store, out, start, ledgers, range.rows);
        for (const key of w.keys) written.add(key);
        result.windows++;
        result.records += w.records;
        result.files += w.keys.length;
        result.bytes += w.bytes;
      } catch (e) {
        failed.add(windowFilePrefix(start));
        result.failures.push({ window: iso(start), error: (e as Error).message });
        ctx.log(`FAILED window ${iso(start)}: ${(e as Error).message}`);
      }
      done++;
      ctx.progress?.({
        step: "export",
        done,
        total,
        records: result.records,
        failed: result.failures.length,
      });
    }
    // The day is replaced: what this run did not write goes, but a failed window keeps
    // its earlier files (better an older complete copy than none).
    for (const e of await listAll(out, dayDir(iso(day).slice(0, 10)))) {
      if (written.has(e.key) || [...failed].some((p) => e.key.startsWith(p))) continue;
      await out.delete(e.key);
      result.removed++;
    }
    result.days++;
  }
  return result;
}

const localNote = `-- Exported to a local directory: copy records/ to S3 and set LOCATION and
-- storage.location.template below to where it is.
`;

/**
 * Writes the files of one window. @throws when a source of its summary has other parts than
 * its ledger says (the export would not add up to the aggregates) or a part is invalid.
 */
async function exportWindow(
  store: Store,
  out: Store,
  start: number,
  ledgers: LedgerCache,
  rows: ExportRange["rows"],
): Promise<{ keys: string[]; records: number; bytes: number }> {
  const summary = await readStored(store, consolidatedKey(start), ConsolidatedSourcesSchema);
  const parts = await partsOf(store, start, summary?.sources ?? [], ledgers);
  const keys = parts.flatMap(([, k]) => k);
  const hashOf = new Map(parts.flatMap(([hash, k]) => k.map((key) => [key, hash] as const)));
  const file = fileWriter(out, start, rows);
  let next = keys.length > 0 ? getJson(store, keys[0]) : undefined;
  for (let i = 0; i < keys.length; i++) {
    const json = await next!;
    next = i + 1 < keys.length ? getJson(store, keys[i + 1]) : undefined;
    next?.catch(() => {}); // awaited in its turn
    const entry = parseRawEntry(json);
    // A part copied over another, or moved from another window, says so inside.
    if (
      entry.source.hash !== hashOf.get(keys[i]) || entry.part !== partIndex(keys[i]) ||
      entry.window !== iso(start)
    ) {
      throw new Error(
        `${keys[i]} holds part ${entry.part} of ${entry.source.hash} for ${entry.window}`,
      );
    }
    await file.add(entry.count, exportValues(entry));
  }
  return await file.close();
}

/**
 * The files of one window, filled a raw part at a time: parts are gathered into row
 * groups of up to {@link GROUP_ROWS}, and a file is closed once it holds {@link FILE_ROWS}.
 */
function fileWriter(
  out: Store,
  start: number,
  most: { file: number; group: number } = { file: FILE_ROWS, group: GROUP_ROWS },
) {
  const keys: string[] = [];
  let bytes = 0;
  let records = 0;
  let pending: Array<Array<ArrayLike<unknown>>> = [];
  let pendingRows = 0;
  let writer: { bytes: ByteWriter; parquet: ParquetWriter; rows: number } | undefined;
  const flushGroup = () => {
    if (pendingRows === 0) return;
    writer ??= (() => {
      const bytes = new ByteWriter();
      const parquet = new ParquetWriter({
        writer: bytes,
        schema: PARQUET_SCHEMA,
        codec: "SNAPPY",
        createdBy: "cloudfront-lets",
      });
      return { bytes, parquet, rows: 0 };
    })();
    const columnData = EXPORT_COLUMNS.map((c, k) => ({
      name: c.name,
      data: concat(pending.map((p) => p[k])),
    }));
    writer.parquet.write({ columnData, rowGroupSize: pendingRows });
    writer.rows += pendingRows;
    pending = [];
    pendingRows = 0;
  };
  const closeFile = async () => {
    flushGroup();
    if (!writer) return;
    writer.parquet.finish();
    const body = writer.bytes.getBytes();
    const key = fileKey(start, keys.length);
    await out.put(key, body, { contentType: "application/vnd.apache.parquet" });
    keys.push(key);
    bytes += body.length;
    writer = undefined;
  };
  return {
    async add(rows: number, values: Array<ArrayLike<unknown>>) {
      if (rows === 0) return;
      if (pendingRows + rows > most.group) flushGroup();
      if ((writer?.rows ?? 0) + pendingRows + rows > most.file) await closeFile();
      pending.push(values);
      pendingRows += rows;
      records += rows;
    },
    async close() {
      await closeFile();
      return { keys, records, bytes };
    },
  };
}

/** One column of several parts as one array (typed arrays stay typed). */
function concat(parts: Array<ArrayLike<unknown>>): DecodedArray {
  if (parts.length === 1) return parts[0] as DecodedArray;
  const first = parts[0];
  if (
    (first instanceof Float64Array || first instanceof BigInt64Array) &&
    parts.every((p) => p.constructor === first.constructor)
  ) {
    const n = parts.reduce((s, p) => s + p.length, 0);
    const out = first instanceof Float64Array ? new Float64Array(n) : new BigInt64Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p as never, at);
      at += p.length;
    }
    return out;
  }
  const out: unknown[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i]);
  return out;
}
