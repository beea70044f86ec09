/**
 * The columns of the Parquet export (DESIGN §8): one row per record, the record's IP-free
 * columns plus the audience columns the catalogue derives (device, browser, channel, ...).
 * This table is the one source of the export: the writer's Parquet schema and the Athena
 * table (`athena.sql`) are both derived from it. Every value is found once per distinct
 * stored value (or tuple of values) of a raw part, never per line.
 * @module
 */
import { type RecordFacts, recordFacts } from "./audience.ts";
import { bareContentType, DIMENSION_BY_NAME, type SourceColumn } from "./dimensions.ts";
import type { RawEntry } from "./raw-entry.ts";

/** A column's type, by its Athena (Hive DDL) name. */
export type ExportType = "timestamp" | "int" | "bigint" | "double" | "boolean" | "string";

/** What a column's values are computed from: one raw part, its facts, what it logged. */
export interface ExportPart {
  readonly entry: RawEntry;
  readonly facts: RecordFacts;
  readonly logged: ReadonlySet<string>;
}

/** One column of the export. */
export interface ExportColumn {
  readonly name: string;
  readonly type: ExportType;
  /** Null never occurs (the timestamp, the bytes). */
  readonly required?: boolean;
  /** One sentence for the table's comment and README. */
  readonly meaning: string;
  /** Per record of the part, its value; null where it is missing or was not logged. */
  readonly values: (p: ExportPart) => ArrayLike<unknown>;
}

type TextName = keyof RawEntry["text"];

/** Per record, `of(value)` of a text column, computed once per distinct value. */
function perValue<T>(
  p: ExportPart,
  column: TextName,
  of: (value: string) => T | null,
): Array<T | null> {
  if (!p.logged.has(column)) return new Array(p.entry.count).fill(null);
  const col = p.entry.text[column];
  const byId = col.dict.map((value) => of(value));
  return Array.from(col.index, (id) => byId[id]);
}

/**
 * Per record, `of(a, b, c)` of two or three text columns, once per distinct tuple; only
 * for the records `where` selects (the others are null).
 */
function perTuple(
  p: ExportPart,
  columns: readonly SourceColumn[],
  of: (a: string, b: string, c: string) => string | null,
  where?: Uint8Array,
): Array<string | null> {
  const n = p.entry.count;
  const out = new Array<string | null>(n).fill(null);
  if (!p.logged.has(columns[0])) return out;
  const [a, b, c] = columns.map((name) => p.entry.text[name]);
  const wb = b.dict.length;
  const wc = c?.dict.length ?? 1;
  const known = new Map<number, string | null>();
  for (let i = 0; i < n; i++) {
    if (where && where[i] === 0) continue;
    const ia = a.index[i], ib = b.index[i], ic = c ? c.index[i] : 0;
    const tuple = (ia * wb + ib) * wc + ic;
    let value = known.get(tuple);
    if (value === undefined) {
      value = of(a.dict[ia], b.dict[ib], c ? c.dict[ic] : "");
      known.set(tuple, value);
    }
    out[i] = value;
  }
  return out;
}

/** A stored text column as it is, "" as null. */
const text = (name: TextName, meaning: string): ExportColumn => ({
  name,
  type: "string",
  meaning,
  values: (p) => perValue(p, name, (s) => s || null),
});

/** A timing in milliseconds: null where the line had none or the field was not logged. */
const number = (
  name: "time_taken_ms" | "ttfb_ms",
  meaning: string,
): ExportColumn => ({
  name,
  type: "double",
  meaning,
  values: (p) =>
    p.logged.has(name)
      ? Array.from(p.entry.numbers[name], (x) => (Number.isNaN(x) ? null : x))
      : new Array(p.entry.count).fill(null),
});

/** A catalogue dimension's key for every record (its columns decide; null: none). */
function dimension(name: string, column: string, meaning: string, where?: keyof RecordFacts) {
  const d = DIMENSION_BY_NAME.get(name);
  if (!d) throw new Error(`export column ${column}: no dimension ${name}`);
  return {
    name: column,
    type: "string",
    meaning,
    values: (p) =>
      d.columns.length === 1
        ? perValue(p, d.columns[0], (value) => d.key(value, "", ""))
        : perTuple(p, d.columns, d.key, where && p.facts[where]),
  } satisfies ExportColumn;
}

/**
 * A fact of the audience (a bot's request, a page view, an entry) as a boolean; null
 * throughout a part that did not log `needs`.
 */
const fact = (
  name: string,
  of: keyof RecordFacts,
  meaning: string,
  needs?: TextName,
): ExportColumn => ({
  name,
  type: "boolean",
  meaning,
  values: (p) =>
    needs && !p.logged.has(needs)
      ? new Array(p.entry.count).fill(null)
      : Array.from(p.facts[of], (x) => x === 1),
});

const bigints = (xs: Float64Array) => BigInt64Array.from(xs, (x) => BigInt(x));

/** The export's columns, in file order. Append; renaming one breaks users' queries. */
export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  {
    name: "timestamp",
    type: "timestamp",
    required: true,
    meaning: "when the edge received the request (UTC, milliseconds)",
    values: (p) => p.entry.numbers.timestamp,
  },
  {
    name: "status",
    type: "int",
    meaning: "HTTP status sent to the viewer (0: the viewer closed the connection first)",
    values: (p) => perValue(p, "status", (s) => (s === "" ? null : Number(s))),
  },
  text("method", "HTTP method"),
  text("host", "the viewer's Host header (addresses redacted)"),
  text("path", "decoded path, without the query (addresses redacted)"),
  {
    name: "bytes",
    type: "bigint",
    required: true,
    meaning: "bytes sent to the viewer (sc-bytes)",
    values: (p) => bigints(p.entry.numbers.bytes),
  },
  {
    name: "bytes_in",
    type: "bigint",
    meaning: "bytes the viewer sent (cs-bytes)",
    values: (p) =>
      p.logged.has("bytes_in")
        ? bigints(p.entry.numbers.bytes_in)
        : new Array(p.entry.count).fill(null),
  },
  number("time_taken_ms", "milliseconds from request to the last byte sent"),
  number("ttfb_ms", "milliseconds from request to the first byte sent"),
  text("edge_location", "edge location (x-edge-location)"),
  text("result_type", "x-edge-result-type: Hit, Miss, RefreshHit, Error, ..."),
  text("response_result_type", "x-edge-response-result-type"),
  text("detailed_result_type", "x-edge-detailed-result-type"),
  {
    name: "content_type",
    type: "string",
    meaning: "content type of the response, parameters stripped, lower case",
    values: (p) => perValue(p, "content_type", (s) => bareContentType(s) || null),
  },
  text("protocol", "viewer protocol: http, https, ws, wss"),
  text("protocol_version", "HTTP version of the viewer's request"),
  text("tls_version", "TLS version of the viewer's connection"),
  text("ip_version", "IPv4 or IPv6: the label only, never an address"),
  text("country", "c-country as CloudFront logged it"),
  {
    name: "asn",
    type: "bigint",
    meaning: "autonomous system number of the viewer's network, as CloudFront logged it",
    values: (p) => perValue(p, "asn", (s) => (/^\d{1,10}$/.test(s) ? BigInt(s) : null)),
  },
  dimension("devices", "device", "device type of the user agent (ua-parser-js; bot, empty)"),
  dimension("browsers", "browser", "browser family; null for bots"),
  dimension("browser_versions", "browser_version", "browser family and major version"),
  dimension("os", "os", "operating system; null for bots"),
  dimension("os_versions", "os_version", "operating system and major version"),
  dimension("bot_names", "bot_name", "the bot's name (isbot); null for people's browsers"),
  fact("is_bot", "bot", "the user agent is a bot's (isbot)", "user_agent"),
  fact("is_page_view", "pageView", "a non-bot GET answered 2xx or 304 with a page"),
  fact("is_entry", "entry", "a page view from another site or none: where a visit enters"),
  dimension("channels", "channel", "an entry's channel: direct, search, social, ...", "entry"),
  dimension(
    "referrer_domains",
    "referrer_domain",
    "registrable domain of a referer from another site (never an address)",
  ),
  dimension("utm_sources", "utm_source", "utm_source of the query, as tagged"),
  dimension("utm_mediums", "utm_medium", "utm_medium of the query, as tagged"),
  dimension("utm_campaigns", "utm_campaign", "utm_campaign of the query, as tagged"),
];

/** Every column's values for the records of one raw part, in {@link EXPORT_COLUMNS} order. */
export function exportValues(entry: RawEntry): Array<ArrayLike<unknown>> {
  const part: ExportPart = { entry, facts: recordFacts(entry), logged: new Set(entry.logged) };
  return EXPORT_COLUMNS.map((c) => c.values(part));
}

/** The table name `athena.sql` creates. */
export const ATHENA_TABLE = "cloudfront_lets_records";

/**
 * The `CREATE EXTERNAL TABLE` of an export whose `records/` folder is at `location`
 * (`s3://bucket/prefix/records/`), with partition projection on `dt` from `firstDay` to
 * today: Athena finds every day without `MSCK REPAIR` or a crawler.
 */
export function athenaTable(location: string, firstDay: string, table = ATHENA_TABLE): string {
  const base = location.endsWith("/") ? location : `${location}/`;
  // Hive DDL escapes quotes its own way: a typographic apostrophe needs none.
  const columns = EXPORT_COLUMNS.map((c) =>
    `  \`${c.name}\` ${c.type} COMMENT '${c.meaning.replaceAll("'", "\u2019")}'`
  );
  return `-- The records cloudfront-lets exported: one row per request, no address.
-- Partitioned by the UTC day; partition projection finds every day by itself.
CREATE EXTERNAL TABLE IF NOT EXISTS ${table} (
${columns.join(",\n")}
)
PARTITIONED BY (\`dt\` string)
STORED AS PARQUET
LOCATION '${base}'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '${firstDay},NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = '${base}dt=\${dt}/'
);
`;
}
