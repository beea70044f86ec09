/**
 * The raw entry: the records of one source object in one 30-minute window (one part of
 * at most {@link RAW_PART_RECORDS}). Stored column-wise with a dictionary per text
 * column: logs repeat the same few methods, edges and agents millions of times, so this
 * is several times smaller and faster to write and read than an array of objects.
 * Written by {@link rawEncode}; read by {@link parseRawEntry}.
 * @module
 */
import * as v from "valibot";
import { unpackIndex, unpackNumbers } from "./packed-index.ts";
import { NUMBER_COLUMNS } from "./record.ts";
import { ROW_TEXT } from "./row.ts";

/** Records per raw part: bounds ingest memory per open window whatever the object size. */
export const RAW_PART_RECORDS = 50_000;

/**
 * The format written today. Version 1 stored indexes as JSON arrays of numbers; version 2
 * packs them as base-64 text ({@link unpackIndex}); version 3 also packs number columns
 * of integers ({@link unpackNumbers}; others stay JSON arrays). All three are read.
 */
export const RAW_VERSION = 3;

type TextColumn = (typeof ROW_TEXT)[number];

// Columns hold up to RAW_PART_RECORDS values: the schema checks that they are arrays (or
// packed text) and parseRawEntry checks lengths and index ranges, instead of visiting
// every element through the schema (which copies the arrays and dominated consolidation).
const DictColumn = v.pipe(
  v.object({
    dict: v.array(v.string()),
    index: v.union([
      v.string(),
      v.custom<number[]>(Array.isArray, "index must be an array or packed text"),
    ]),
  }),
  v.transform(({ dict, index }) => ({
    dict,
    index: typeof index === "string" ? unpackIndex(index, dict.length) : Int32Array.from(index),
  })),
);
/** A number column, read into a typed array with NaN for a missing value. */
const NumColumn = v.pipe(
  v.union([
    v.object({ base: v.number(), width: v.number(), packed: v.string() }),
    v.custom<Array<number | null>>(Array.isArray, "a number column must be an array or packed"),
  ]),
  v.transform((col) => {
    if (!Array.isArray(col)) return unpackNumbers(col);
    return Float64Array.from(col, (x) => {
      if (x === null) return NaN;
      if (typeof x !== "number") throw new Error(`a number column holds ${JSON.stringify(x)}`);
      return x;
    });
  }),
);

/** The stored form of a raw entry. */
export const RawEntrySchema = v.object({
  version: v.union([v.literal(1), v.literal(2), v.literal(3)]),
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
    Object.fromEntries(ROW_TEXT.map((c) => [c, DictColumn])) as Record<
      TextColumn,
      typeof DictColumn
    >,
  ),
});
/** A raw entry as read: indexes and numbers decoded into typed arrays (NaN: missing). */
export type RawEntry = v.InferOutput<typeof RawEntrySchema>;

/** Checks the shape, column lengths and dictionary indexes of a stored entry. @throws with the reason. */
export function parseRawEntry(json: unknown): RawEntry {
  const e = v.parse(RawEntrySchema, json);
  const bad = (name: string, why: string) =>
    new Error(`raw entry ${e.source.key} part ${e.part}: column ${name} ${why}`);
  for (const [name, col] of Object.entries(e.numbers)) {
    if (col.length !== e.count) throw bad(name, `has ${col.length} values, want ${e.count}`);
  }
  for (const [name, col] of Object.entries(e.text)) {
    if (col.index.length !== e.count) {
      throw bad(name, `has ${col.index.length} values, want ${e.count}`);
    }
    if (e.version !== 1) continue; // packed indexes are checked as they are unpacked
    const size = col.dict.length;
    for (const id of col.index) {
      if (!(id >= 0 && id < size)) {
        throw bad(name, `has index ${id} outside its dictionary of ${size}`);
      }
    }
  }
  return e;
}
