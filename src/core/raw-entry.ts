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
export const RAW_PART_RECORDS = 50_000;

const ALL_TEXT = ["status", ...TEXT_COLUMNS] as const;
type TextColumn = (typeof ALL_TEXT)[number];

// Columns hold up to RAW_PART_RECORDS values: the schema checks that they are arrays and
// parseRawEntry checks their lengths and index ranges, instead of visiting every element
// through the schema (which copies the arrays and dominated consolidation time).
const DictColumn = v.object({
  dict: v.array(v.string()),
  index: v.custom<number[]>(Array.isArray, "index must be an array"),
});
const NumColumn = v.custom<Array<number | null>>(Array.isArray, "a number column must be an array");

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
    Object.fromEntries(ALL_TEXT.map((c) => [c, DictColumn])) as Record<
      TextColumn,
      typeof DictColumn
    >,
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

/** Dictionaries up to this size are searched with `===` instead of hashing the value. */
const SCAN_LIMIT = 16;

function intern(col: RawBuilder["text"][TextColumn], value: string): void {
  const dict = col.dict;
  let id: number | undefined;
  if (dict.length <= SCAN_LIMIT) {
    // Most columns have a handful of values (methods, edges, result types): comparing a
    // freshly sliced string is cheaper than hashing it for a Map lookup.
    for (let i = 0; i < dict.length; i++) {
      if (dict[i] === value) {
        id = i;
        break;
      }
    }
  } else id = col.ids.get(value);
  if (id === undefined) {
    const own = detach(value);
    id = col.dict.length;
    col.dict.push(own);
    col.ids.set(own, id);
  }
  col.index.push(id);
}

/**
 * A copy of `s` that does not share memory with the text it was sliced from. Engines keep
 * the whole parent string alive behind a slice (V8 does for slices of 13+ characters), so
 * a dictionary of slices would hold every decoded chunk of the object until the part is
 * written; concatenating forces a fresh, flat string.
 */
function detach(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

/** Appends one record. (Unrolled: this runs once per log line.) */
export function rawAdd(b: RawBuilder, r: LogRecord): void {
  b.count++;
  const n = b.numbers;
  n.timestamp.push(r.timestamp);
  n.bytes.push(r.bytes);
  n.time_taken_ms.push(r.time_taken_ms);
  n.ttfb_ms.push(r.ttfb_ms);
  const t = b.text;
  intern(t.status, r.status);
  intern(t.method, r.method);
  intern(t.protocol, r.protocol);
  intern(t.protocol_version, r.protocol_version);
  intern(t.host, r.host);
  intern(t.path, r.path);
  intern(t.edge_location, r.edge_location);
  intern(t.result_type, r.result_type);
  intern(t.response_result_type, r.response_result_type);
  intern(t.content_type, r.content_type);
  intern(t.country, r.country);
  intern(t.user_agent, r.user_agent);
  intern(t.referer, r.referer);
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
    const size = col.dict.length;
    for (const id of col.index) {
      if (!(id >= 0 && id < size)) {
        throw bad(name, `has index ${id} outside its dictionary of ${size}`);
      }
    }
  }
  return e;
}
