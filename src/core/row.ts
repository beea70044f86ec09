/**
 * A record as the hot path hands it on: its numbers, and per text column an id in the
 * object's {@link ValueTable}s. Ingest turns rows into raw parts without ever building a
 * {@link LogRecord} object or a string per line.
 * @module
 */
import { TEXT_COLUMN_NAMES } from "./columns.ts";
import { STORE } from "./parse-line.ts";
import type { LogRecord } from "./record.ts";
import { idOfValue, type ValueTable, valueTable } from "./value-table.ts";

/** The text columns of a row (and of a raw entry), status first: the column table's. */
export const ROW_TEXT = TEXT_COLUMN_NAMES;
/** One text column of a row. */
export type RowText = (typeof ROW_TEXT)[number];

/**
 * One record. Numbers are NaN where the log has none (`bytes` is 0 then). The parser
 * reuses one row for every line: it is valid only during the call it is passed to.
 */
export interface Row {
  timestamp: number;
  bytes: number;
  time_taken_ms: number;
  ttfb_ms: number;
  bytes_in: number;
  /**
   * Per {@link ROW_TEXT} column `c`, the value's id in that column's table is
   * `ids[at + c]`: the fast path points `ids` into its kernel's records, no copy a line.
   */
  ids: Int32Array;
  at: number;
  /**
   * The sum of the tables' generations when the ids were taken: when it changes, some
   * table has started over (see {@link ValueTable}).
   */
  generation: number;
}

/** An empty row. */
export function emptyRow(): Row {
  const ids = new Int32Array(ROW_TEXT.length);
  return {
    timestamp: 0,
    bytes: 0,
    time_taken_ms: NaN,
    ttfb_ms: NaN,
    bytes_in: 0,
    ids,
    at: 0,
    generation: 0,
  };
}

/** The sum of the tables' generations: it changes when any table starts over. */
export function generations(tables: readonly ValueTable[]): number {
  let g = 0;
  for (const t of tables) g += t.generation;
  return g;
}

/** Fresh value tables for one object, one per {@link ROW_TEXT} column. */
export function rowTables(): ValueTable[] {
  return ROW_TEXT.map((c) => valueTable(STORE[c]));
}

/**
 * Fills `row` (a row of its own, not the fast path's) from a record built by the string
 * parser, whose values are stored values.
 */
export function rowFromRecord(row: Row, tables: ValueTable[], r: LogRecord): Row {
  row.timestamp = r.timestamp;
  row.bytes = r.bytes;
  row.time_taken_ms = r.time_taken_ms ?? NaN;
  row.ttfb_ms = r.ttfb_ms ?? NaN;
  row.bytes_in = r.bytes_in;
  for (let c = 0; c < ROW_TEXT.length; c++) {
    row.ids[row.at + c] = idOfValue(tables[c], r[ROW_TEXT[c]]);
  }
  row.generation = generations(tables);
  return row;
}
