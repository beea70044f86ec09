/**
 * The raw entry: the records of one source object in one 30-minute window (one part of
 * at most {@link RAW_PART_RECORDS}). Stored column-wise with a dictionary per text
 * column: logs repeat the same few methods, edges and agents millions of times, so this
 * is several times smaller and faster to write and read than an array of objects.
 * @module
 */
import * as v from "valibot";
import { type LogRecord, NUMBER_COLUMNS, TEXT_COLUMNS } from "./record.ts";

/** Records per raw part: bounds ingest memory per open window whatever the object size. */
export const RAW_PART_RECORDS = 100_000;

const ALL_TEXT = ["status", ...TEXT_COLUMNS] as const;
type TextColumn = (typeof ALL_TEXT)[number];

const DictColumn = v.object({ dict: v.array(v.string()), index: v.array(v.number()) });
const NumColumn = v.array(v.nullable(v.number()));

/** The stored form of a raw entry. */
export const RawEntrySchema = v.object({
  version: v.literal(1),
  source: v.object({ key: v.string(), hash: v.string() }),
  window: v.string(),
  part: v.number(),
  count: v.number(),
  numbers: v.object(
    Object.fromEntries(NUMBER_COLUMNS.map((c) => [c, NumColumn])) as Record<
      (typeof NUMBER_COLUMNS)[number],
      typeof NumColumn
    >,
  ),
  text: v.object(
    Object.fromEntries(ALL_TEXT.map((c) => [c, DictColumn])) as Record<TextColumn, typeof DictColumn>,
  ),
});
/** A raw entry as stored. */
export type RawEntry = v.InferOutput<typeof RawEntrySchema>;

/** Accumulates records column-wise until a part is full. */
export interface RawBuilder {
  count: number;
  numbers: Record<(typeof NUMBER_COLUMNS)[number], Array<number | null>>;
  text: Record<TextColumn, { ids: Map<string, number>; dict: string[]; index: number[] }>;
}

/** An empty builder. */
export function rawBuilder(): RawBuilder {
  return {
    count: 0,
    numbers: Object.fromEntries(NUMBER_COLUMNS.map((c) => [c, []])) as unknown as RawBuilder[
      "numbers"
    ],
    text: Object.fromEntries(
      ALL_TEXT.map((c) => [c, { ids: new Map(), dict: [], index: [] }]),
    ) as unknown as RawBuilder["text"],
  };
}

/** Appends one record. */
export function rawAdd(b: RawBuilder, r: LogRecord): void {
  b.count++;
  for (const c of NUMBER_COLUMNS) b.numbers[c].push(r[c]);
  for (const c of ALL_TEXT) {
    const col = b.text[c];
    const value = r[c];
    let id = col.ids.get(value);
    if (id === undefined) {
      id = col.dict.length;
      col.dict.push(value);
      col.ids.set(value, id);
    }
    col.index.push(id);
  }
}

/** Freezes a builder into its stored form. */
export function rawFinish(
  b: RawBuilder,
  meta: { sourceKey: string; sourceHash: string; window: string; part: number },
): RawEntry {
  return {
    version: 1,
    source: { key: meta.sourceKey, hash: meta.sourceHash },
    window: meta.window,
    part: meta.part,
    count: b.count,
    numbers: b.numbers,
    text: Object.fromEntries(
      ALL_TEXT.map((c) => [c, { dict: b.text[c].dict, index: b.text[c].index }]),
    ) as RawEntry["text"],
  };
}

/** Calls `fn` with each record of an entry, rebuilt from the columns. */
export function rawRecords(e: RawEntry, fn: (r: LogRecord) => void): void {
  const t = e.text;
  const n = e.numbers;
  for (let i = 0; i < e.count; i++) {
    const text = (c: TextColumn) => t[c].dict[t[c].index[i]];
    fn({
      timestamp: n.timestamp[i] as number,
      bytes: n.bytes[i] as number,
      time_taken_ms: n.time_taken_ms[i],
      ttfb_ms: n.ttfb_ms[i],
      status: text("status"),
      method: text("method"),
      protocol: text("protocol"),
      protocol_version: text("protocol_version"),
      host: text("host"),
      path: text("path"),
      query: text("query"),
      edge_location: text("edge_location"),
      result_type: text("result_type"),
      response_result_type: text("response_result_type"),
      content_type: text("content_type"),
      country: text("country"),
      user_agent: text("user_agent"),
      referer: text("referer"),
    });
  }
}

/** Checks the shape and the column lengths of a stored entry. @throws with the reason. */
export function parseRawEntry(json: unknown): RawEntry {
  const e = v.parse(RawEntrySchema, json);
  for (const [name, col] of Object.entries(e.numbers)) {
    if (col.length !== e.count) throw new Error(`raw column ${name} has ${col.length} values, want ${e.count}`);
  }
  for (const [name, col] of Object.entries(e.text)) {
    if (col.index.length !== e.count) {
      throw new Error(`raw column ${name} has ${col.index.length} values, want ${e.count}`);
    }
  }
  return e;
}
