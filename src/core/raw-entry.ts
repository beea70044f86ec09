/**
 * The raw entry: the records of one source object in one 30-minute window (one part of
 * at most {@link RAW_PART_RECORDS}). Stored column-wise with a dictionary per text
 * column: logs repeat the same few methods, edges and agents millions of times, so this
 * is several times smaller and faster to write and read than an array of objects.
 * Written by {@link rawEncode}; read by {@link parseRawEntry}.
 * @module
 */
import * as v from "valibot";
import { countIndex, indexWidth, unpackIndex, unpackNumbers } from "./packed-index.ts";
import { NUMBER_COLUMN_SPECS } from "./columns.ts";
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
type NumberColumn = (typeof NUMBER_COLUMNS)[number];

// Columns hold up to RAW_PART_RECORDS values: the schema checks that they are arrays (or
// packed text), and their values are checked as they are decoded, instead of visiting
// every element through the schema (which copies the arrays and dominated consolidation).
const StoredDictColumn = v.object({
  dict: v.array(v.string()),
  index: v.union([
    v.string(),
    v.custom<number[]>(Array.isArray, "index must be an array or packed text"),
  ]),
});
const StoredNumberColumn = v.union([
  v.object({ base: v.number(), width: v.number(), packed: v.string() }),
  v.custom<Array<number | null>>(Array.isArray, "a number column must be an array or packed"),
]);

/** The stored form of a raw entry, read into typed arrays (see {@link RawEntry}). */
export const RawEntrySchema = v.pipe(
  v.object({
    version: v.union([v.literal(1), v.literal(2), v.literal(3)]),
    source: v.object({ key: v.string(), hash: v.string() }),
    window: v.string(),
    part: v.number(),
    count: v.number(),
    /** The record columns the object's field list had (absent in older parts: all). */
    logged: v.optional(v.array(v.string())),
    // A column is absent from parts written before it existed: it was not logged.
    numbers: v.object(
      Object.fromEntries(NUMBER_COLUMNS.map((c) => [c, v.optional(StoredNumberColumn)])) as Record<
        NumberColumn,
        v.OptionalSchema<typeof StoredNumberColumn, undefined>
      >,
    ),
    text: v.object(
      Object.fromEntries(ROW_TEXT.map((c) => [c, v.optional(StoredDictColumn)])) as Record<
        TextColumn,
        v.OptionalSchema<typeof StoredDictColumn, undefined>
      >,
    ),
  }),
  v.transform((e) => {
    const bad = (name: string, why: string) =>
      new Error(`raw entry ${e.source.key} part ${e.part}: column ${name} ${why}`);
    // A column whose length cannot be told without decoding it is decoded at once.
    const checked = <T>(name: string, length: number, decode: () => T): () => T => {
      const run = () => {
        try {
          return decode();
        } catch (err) {
          throw bad(name, (err as Error).message);
        }
      };
      if (!Number.isInteger(length)) {
        const value = run();
        return () => value;
      }
      if (length !== e.count) throw bad(name, `has ${length} values, want ${e.count}`);
      return run;
    };
    const numbers = {} as Record<NumberColumn, Float64Array>;
    for (const name of NUMBER_COLUMNS) {
      const col = e.numbers[name];
      lazy(
        numbers,
        name,
        col === undefined
          ? () => new Float64Array(e.count).fill(MISSING[name])
          : numberColumn(col, (n, d) => checked(name, n, d)),
      );
    }
    const text = {} as Record<TextColumn, DictColumn>;
    for (const name of ROW_TEXT) {
      const col = e.text[name];
      text[name] = col === undefined
        ? absentColumn(e.count)
        : textColumn(col, (n, d) => checked(name, n, d));
    }
    // Parts without `logged` had every column they hold logged.
    const logged = e.logged ??
      [...NUMBER_COLUMNS, ...ROW_TEXT].filter((c) =>
        c === "timestamp" || (c in e.numbers ? e.numbers : e.text)[c as never] !== undefined
      );
    return { ...e, logged, numbers, text };
  }),
);

/**
 * A raw entry as read. Each column is decoded into a typed array (NaN: missing) on its
 * first read, and its values are checked then: consolidation reads per-value counts of
 * four text columns, one index and two number columns of a part's 17. Lengths are checked
 * at once.
 */
export type RawEntry = v.InferOutput<typeof RawEntrySchema>;

type Check = <T>(length: number, decode: () => T) => () => T;

/** A text column as read: its dictionary, and (each decoded on first read) per record the
 * index of its value, and per value the records that have it. */
interface DictColumn {
  dict: string[];
  readonly index: Int32Array;
  readonly counts: Int32Array;
}

/** Defines `obj[key]` as the value of `get()`, computed on the first read. */
function lazy<O extends object, K extends keyof O>(obj: O, key: K, get: () => O[K]): void {
  let value: O[K] | undefined;
  Object.defineProperty(obj, key, { enumerable: true, get: () => (value ??= get()) });
}

/** A number column's value where it is missing (the column table's `missing`; null: NaN). */
const MISSING = Object.fromEntries(
  NUMBER_COLUMN_SPECS.map((c) => [c.name, c.missing ?? NaN]),
) as Record<NumberColumn, number>;

/** The text column of a part written before the column existed: "" throughout. */
function absentColumn(count: number): DictColumn {
  return { dict: [""], index: new Int32Array(count), counts: Int32Array.of(count) };
}

function numberColumn(
  col: v.InferOutput<typeof StoredNumberColumn>,
  check: Check,
): () => Float64Array {
  if (!Array.isArray(col)) {
    return check(col.packed.length / col.width, () => unpackNumbers(col));
  }
  return check(col.length, () =>
    Float64Array.from(col, (x) => {
      if (x === null) return NaN;
      if (typeof x !== "number") throw new Error(`holds ${JSON.stringify(x)}`);
      return x;
    }));
}

function textColumn(col: v.InferOutput<typeof StoredDictColumn>, check: Check): DictColumn {
  const { dict, index } = col;
  const column = { dict } as DictColumn;
  if (typeof index === "string") {
    const length = index.length / indexWidth(dict.length);
    lazy(column, "index", check(length, () => unpackIndex(index, dict.length)));
    lazy(column, "counts", check(length, () => countIndex(index, dict.length)));
    return column;
  }
  lazy(
    column,
    "index",
    check(index.length, () => {
      const ids = Int32Array.from(index);
      for (const id of ids) {
        if (!(id >= 0 && id < dict.length)) {
          throw new Error(`has index ${id} outside its dictionary of ${dict.length}`);
        }
      }
      return ids;
    }),
  );
  lazy(column, "counts", () => {
    const counts = new Int32Array(dict.length);
    for (const id of column.index) counts[id]++;
    return counts;
  });
  return column;
}

/**
 * Checks the shape and column lengths of a stored entry; a column's values are checked
 * when it is first read. @throws with the reason, naming the entry and column.
 */
export function parseRawEntry(json: unknown): RawEntry {
  return v.parse(RawEntrySchema, json);
}
