/**
 * Value tables lent to one object's parse at a time and kept for the next. A scan kernel
 * (and its 11 MB of memory) belongs to its tables, and its index remembers every logged
 * value the tables hold: reusing both spares a Firehose object of a few hundred lines a
 * new kernel, and the decoding of values the objects before it already had.
 * @module
 */
import { rowTables } from "../core/row.ts";
import type { ValueTable } from "../core/value-table.ts";

/** Table sets kept at most: one per object ingested at once. */
const KEPT = 4;
/**
 * Values (over all columns) past which a returned set is not kept: it bounds what the
 * pool holds (values are at most 500 characters), and a set that keeps growing (fresh
 * paths in every object) is renewed before its tables start over on their own.
 */
const KEPT_VALUES = 20_000;

const pool: ValueTable[][] = [];

/** A set of tables (one per ROW_TEXT column) no one else is using. */
export function borrowTables(): ValueTable[] {
  return pool.pop() ?? rowTables();
}

/** Gives back a set borrowed with {@link borrowTables}, once its object is done with it. */
export function returnTables(tables: ValueTable[]): void {
  let values = 0;
  for (const t of tables) values += t.values.length;
  if (pool.length < KEPT && values <= KEPT_VALUES) pool.push(tables);
}
