/**
 * The typed request record that ingest extracts from every log line.
 *
 * It keeps what analytics needs and nothing that identifies a visitor: no address
 * fields, no cookies, no request ids, and no query strings (they often carry tokens,
 * e-mail addresses and session ids, and no figure uses them). Its columns are the column
 * table's (columns.ts); the schema derived from it is the single source of the type.
 * @module
 */
import * as v from "valibot";
import { COLUMNS, NUMBER_COLUMN_NAMES, TEXT_COLUMN_NAMES } from "./columns.ts";

type Columns = (typeof COLUMNS)[number];

/** Text columns of a record besides the status, in storage order. Missing values are "". */
export const TEXT_COLUMNS = TEXT_COLUMN_NAMES.filter((c) => c !== "status") as Array<
  Exclude<(typeof TEXT_COLUMN_NAMES)[number], "status">
>;

/** Numeric columns of a record, in storage order. Missing values are null (bytes: 0). */
export const NUMBER_COLUMNS = NUMBER_COLUMN_NAMES;

type Entry<C> = C extends { name: "status" } ? v.GenericSchema<string>
  : C extends { kind: "text" } ? v.GenericSchema<string>
  : C extends { kind: "number"; missing: null } ? v.GenericSchema<number | null>
  : v.GenericSchema<number>;
type Entries = { [C in Columns as C["name"]]: Entry<C> };

/** One request. `timestamp` is epoch milliseconds UTC; `status` is the 3-digit code as logged. */
export const LogRecordSchema = v.object(
  Object.fromEntries(COLUMNS.map((c) => [
    c.name,
    c.name === "status"
      ? v.pipe(v.string(), v.regex(/^\d{3}$/))
      : c.kind === "text"
      ? v.string()
      : c.kind === "number" && c.missing === null
      ? v.nullable(v.number())
      : v.number(),
  ])) as unknown as Entries,
);

/** A parsed request record. */
export type LogRecord = v.InferOutput<typeof LogRecordSchema>;
