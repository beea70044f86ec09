/**
 * The record's columns: the one table from log field to stored column. The string parser
 * (parse-line.ts), the fast path's column plan (scan-tsv.ts), rows (row.ts), raw parts
 * (raw-entry.ts, raw-builder.ts) and the record schema (record.ts) are all derived from
 * it, so a new text column is one entry here. (A new number column also needs a number
 * slot in the scan kernel, which reads five.)
 * @module
 */
import {
  type Clean,
  cleanAgent,
  cleanHost,
  cleanPath,
  cleanStatus,
  cleanText,
  cleanUtm,
  closed,
  method,
  TEXT_LIMITS,
} from "./clean.ts";

/** A number read from one field: logged seconds are stored as milliseconds (`scale`). */
interface NumberColumn {
  readonly name: string;
  readonly kind: "number";
  readonly field: string;
  readonly scale: number;
  /** The stored value when the field is missing (`-`) or not in the field list. */
  readonly missing: 0 | null;
}

/** The request's time: epoch seconds (`timestamp`), or a standard log's `date` and `time`. */
interface TimeColumn {
  readonly name: "timestamp";
  readonly kind: "time";
}

/** A text value from the first of `fields` the field list has, stored through `clean`. */
interface TextColumn {
  readonly name: string;
  readonly kind: "text";
  /** In order of preference; `standard` logs may prefer another order. */
  readonly fields: readonly string[];
  readonly standard?: readonly string[];
  readonly clean: Clean;
  /** Real-time logs carry the query inside cs-uri-stem: cut at the first `?`. */
  readonly cutQuery?: boolean;
  /**
   * A query whose value is empty unless it holds `utm_` (the fast path empties it without
   * looking further, so `clean` must give "" for any such value).
   */
  readonly utmOnly?: boolean;
}

/** One column of a record. */
export type Column = NumberColumn | TimeColumn | TextColumn;

/**
 * Every column, numbers first, then text in storage order (status first). The order is
 * the raw format's: append, never reorder.
 */
export const COLUMNS = [
  { name: "timestamp", kind: "time" },
  { name: "bytes", kind: "number", field: "sc-bytes", scale: 1, missing: 0 },
  { name: "time_taken_ms", kind: "number", field: "time-taken", scale: 1000, missing: null },
  { name: "ttfb_ms", kind: "number", field: "time-to-first-byte", scale: 1000, missing: null },
  { name: "bytes_in", kind: "number", field: "cs-bytes", scale: 1, missing: 0 },
  { name: "status", kind: "text", fields: ["sc-status"], clean: cleanStatus },
  { name: "method", kind: "text", fields: ["cs-method"], clean: method(closed("cs-method")) },
  { name: "protocol", kind: "text", fields: ["cs-protocol"], clean: closed("cs-protocol") },
  {
    name: "protocol_version",
    kind: "text",
    fields: ["cs-protocol-version"],
    clean: closed("cs-protocol-version"),
  },
  // The viewer's Host: `cs-host` in real-time logs; in standard logs `cs(Host)` is the
  // distribution's domain and `x-host-header` the viewer's.
  {
    name: "host",
    kind: "text",
    fields: ["cs-host", "x-host-header"],
    standard: ["x-host-header", "cs-host"],
    clean: cleanHost,
  },
  {
    name: "path",
    kind: "text",
    fields: ["cs-uri-stem"],
    clean: cleanPath,
    cutQuery: true,
  },
  {
    name: "edge_location",
    kind: "text",
    fields: ["x-edge-location"],
    clean: closed("x-edge-location"),
  },
  {
    name: "result_type",
    kind: "text",
    fields: ["x-edge-result-type"],
    clean: closed("x-edge-result-type"),
  },
  {
    name: "response_result_type",
    kind: "text",
    fields: ["x-edge-response-result-type"],
    clean: closed("x-edge-response-result-type"),
  },
  {
    name: "content_type",
    kind: "text",
    fields: ["sc-content-type"],
    clean: cleanText(TEXT_LIMITS.text),
  },
  { name: "country", kind: "text", fields: ["c-country"], clean: closed("c-country") },
  { name: "user_agent", kind: "text", fields: ["cs-user-agent"], clean: cleanAgent },
  {
    name: "referer",
    kind: "text",
    fields: ["cs-referer"],
    clean: cleanText(TEXT_LIMITS.referer),
  },
  { name: "asn", kind: "text", fields: ["asn"], clean: closed("asn") },
  { name: "tls_version", kind: "text", fields: ["ssl-protocol"], clean: closed("ssl-protocol") },
  { name: "ip_version", kind: "text", fields: ["c-ip-version"], clean: closed("c-ip-version") },
  {
    name: "detailed_result_type",
    kind: "text",
    fields: ["x-edge-detailed-result-type"],
    clean: closed("x-edge-detailed-result-type"),
  },
  // Only the utm_* parameters of the query are kept (see cleanUtm): never the query.
  { name: "utm", kind: "text", fields: ["cs-uri-query"], clean: cleanUtm, utmOnly: true },
] as const satisfies readonly Column[];

type Columns = (typeof COLUMNS)[number];
type NameOf<K extends Column["kind"]> = Extract<Columns, { kind: K }>["name"];

/** The number columns (the time included), in storage order. */
export const NUMBER_COLUMN_NAMES = COLUMNS.filter((c) => c.kind !== "text").map((c) =>
  c.name
) as Array<NameOf<"time" | "number">>;

/** The text columns, status first, in storage order. */
export const TEXT_COLUMN_NAMES = COLUMNS.filter((c) => c.kind === "text").map((c) =>
  c.name
) as Array<NameOf<"text">>;

/** The text columns' definitions, in storage order. */
export const TEXT_COLUMN_SPECS: readonly TextColumn[] = COLUMNS.filter((c) => c.kind === "text");

/** The number columns' definitions (not the time), in storage order after it. */
export const NUMBER_COLUMN_SPECS: readonly NumberColumn[] = COLUMNS.filter((c) =>
  c.kind === "number"
);

/** Every log field a record is built from; every other field is skipped unread. */
export const KEPT_FIELDS: readonly string[] = [
  ...new Set([
    "timestamp",
    "date",
    "time",
    ...COLUMNS.flatMap((c) =>
      c.kind === "number" ? [c.field] : c.kind === "text" ? [...c.fields] : []
    ),
  ]),
];
