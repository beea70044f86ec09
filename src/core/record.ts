/**
 * The typed request record that ingest extracts from every log line.
 *
 * It keeps what analytics needs and nothing that identifies a visitor: no address
 * fields, no cookies, no request ids, and no query strings (they often carry tokens,
 * e-mail addresses and session ids, and no figure uses them). The schema is the single source of the type.
 * @module
 */
import * as v from "valibot";

/** Text columns of a record, in storage order. Missing values are "". */
export const TEXT_COLUMNS = [
  "method",
  "protocol",
  "protocol_version",
  "host",
  "path",
  "edge_location",
  "result_type",
  "response_result_type",
  "content_type",
  "country",
  "user_agent",
  "referer",
] as const;

/** Numeric columns of a record, in storage order. Missing values are null. */
export const NUMBER_COLUMNS = ["timestamp", "bytes", "time_taken_ms", "ttfb_ms"] as const;

/** One request. `timestamp` is epoch milliseconds UTC; `status` is the 3-digit code as logged. */
export const LogRecordSchema = v.object({
  timestamp: v.number(),
  status: v.pipe(v.string(), v.regex(/^\d{3}$/)),
  bytes: v.number(),
  time_taken_ms: v.nullable(v.number()),
  ttfb_ms: v.nullable(v.number()),
  method: v.string(),
  protocol: v.string(),
  protocol_version: v.string(),
  host: v.string(),
  path: v.string(),
  edge_location: v.string(),
  result_type: v.string(),
  response_result_type: v.string(),
  content_type: v.string(),
  country: v.string(),
  user_agent: v.string(),
  referer: v.string(),
});

/** A parsed request record. */
export type LogRecord = v.InferOutput<typeof LogRecordSchema>;
