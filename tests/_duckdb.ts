/**
 * DuckDB as an independent reader of the Parquet export: another engine's decoder, not
 * ours. A dev dependency only; the tests start it in memory.
 */
import { DuckDBInstance } from "@duckdb/node-api";

/** The rows of a query, numbers that do not fit a double as strings (DuckDB's JSON form). */
export type Row = Record<string, unknown>;

/** Runs `sql` on a fresh in-memory DuckDB and returns its rows. */
export async function duckRows(sql: string): Promise<Row[]> {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Row[];
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** `read_parquet` of every file of an export's `records/` under `dir`, with `dt`. */
export function recordsOf(dir: string): string {
  return `read_parquet('${dir}/records/*/*.parquet', hive_partitioning = true)`;
}
