/**
 * The catalogue of audience dimensions (DESIGN §4): who visits and what they see. Each
 * entry names its source columns, a `key` run once per distinct value (never per line),
 * its kind (an exact map, or a bounded top list with an error bound), its bound, what it
 * counts, which requests it counts, and one sentence of meaning. Consolidation, merging,
 * `data.json` (and its `estimates`), the breakdown route and its OpenAPI all read this
 * table: adding a dimension is one entry here (and its tests).
 *
 * No dimension links one visitor's requests: there are no sessions, bounce rates or
 * visit durations, since they need exactly that.
 * @module
 */
import { type BotCategory, botCategory, describeAgent } from "./agents.ts";
import { UTM_PARAMETERS } from "./clean.ts";
import type { RawEntry } from "./raw-entry.ts";
import { channelOf, isInternal, referrerDomain, referrerHost } from "./referrers.ts";

/** What a dimension counts per key. The first measure ranks a top list. */
export const MEASURES = [
  "requests",
  "bytes",
  "page_views",
  "entries",
] as const;
/** One measure. */
export type Measure = (typeof MEASURES)[number];

/** Which requests a dimension counts. */
export type Only = "all" | "humans" | "page_views" | "entries" | "not_found" | "server_errors";

/** The columns a dimension may read (raw entry text columns). */
export type SourceColumn =
  | "user_agent"
  | "country"
  | "protocol"
  | "protocol_version"
  | "content_type"
  | "path"
  | "referer"
  | "host"
  | "asn"
  | "tls_version"
  | "ip_version"
  | "detailed_result_type"
  | "utm";

/** One dimension. */
export interface Dimension {
  /** Its `data.json` key and `dimension=` name. */
  readonly name: string;
  readonly kind: "exact" | "top";
  /** Source columns (one to three); `key` gets their values in this order. */
  readonly columns: readonly SourceColumn[];
  /** Log fields that must be logged for the figure to exist (else it is null). */
  readonly fields: readonly string[];
  /** The key of a request, from its columns' stored values (in order); null: not counted. */
  readonly key: (a: string, b: string, c: string) => string | null;
  readonly counts: readonly Measure[];
  readonly only: Only;
  /** Keys kept: an exact map's most (the rest under "(other)"), a top list's candidates. */
  readonly bound: number;
  /** Rows `data.json` shows (top lists). */
  readonly shown: number;
  /** Bytes (UTF-8) of names a top list keeps at most, so that its size is bounded. */
  readonly bytes: number;
  /** What a top list's rows are named by in `data.json`: `name` or `path`. */
  readonly label: "name" | "path";
  /** One sentence a person reads in `estimates`. */
  readonly meaning: string;
  /** Extra attributes of a row (a bot's category). */
  readonly extra?: (key: string) => Record<string, string>;
}

/** Content type without parameters, lower case: `text/html; charset=utf-8` → `text/html`. */
export function bareContentType(stored: string): string {
  const semi = stored.indexOf(";");
  return (semi === -1 ? stored : stored.slice(0, semi)).trim().toLowerCase();
}

const PAGE_TYPES = new Set(["text/html", "application/xhtml+xml"]);

/** A path that names a page when no content type says: no `.` in its last segment, or .html/.htm. */
export function pageLikePath(path: string): boolean {
  const last = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  return !last.includes(".") || last.endsWith(".html") || last.endsWith(".htm");
}

/**
 * A page view: a non-bot `GET` with status 2xx or 304 whose content type (parameters
 * stripped) is HTML, or, without a content type, whose path looks like a page.
 */
export function isPageView(
  method: string,
  status: string,
  contentType: string,
  path: string,
  bot: boolean,
): boolean {
  if (bot || method !== "GET" || !(status[0] === "2" || status === "304")) return false;
  const type = bareContentType(contentType);
  return type === "" ? pageLikePath(path) : PAGE_TYPES.has(type);
}

/** One utm parameter of the stored `utm` column (see cleanUtm), or null when it has none. */
export function utmValue(utm: string, parameter: (typeof UTM_PARAMETERS)[number]): string | null {
  return utm === "" ? null : utm.split("\t")[UTM_PARAMETERS.indexOf(parameter)] || null;
}

/** An entry: a page view whose referer is absent or another site than the request's host. */
export function isEntryReferer(referer: string, host: string): boolean {
  const domain = referrerDomain(referer, host);
  return domain === null || !isInternal(domain, host);
}

const agent = (a: string) => describeAgent(a);

const top = (
  d: Omit<Dimension, "kind" | "bound" | "shown" | "bytes" | "label"> & Partial<Dimension>,
): Dimension => ({ kind: "top", bound: 200, shown: 50, bytes: 12_000, label: "name", ...d });
const exact = (
  d: Omit<Dimension, "kind" | "shown" | "bytes" | "label"> & Partial<Dimension>,
): Dimension => ({ kind: "exact", shown: 0, bytes: 0, label: "name", ...d });
/** A top list of paths: fewer and longer names, so a smaller share of the size budget each. */
const paths = { bound: 100, shown: 20, bytes: 20_000, label: "path" } as const;

/** The catalogue. */
export const DIMENSIONS: readonly Dimension[] = [
  exact({
    name: "devices",
    columns: ["user_agent"],
    fields: ["cs-user-agent"],
    key: (a) => agent(a).device,
    counts: ["requests", "page_views"],
    only: "all",
    bound: 20,
    meaning: "requests per device type of the user agent (ua-parser-js; bots as bot, " +
      "no agent as empty): a kind of software, not a count of people",
  }),
  top({
    name: "browsers",
    columns: ["user_agent"],
    fields: ["cs-user-agent"],
    key: (a) => agent(a).browser,
    counts: ["requests", "page_views"],
    only: "humans",
    meaning: "requests by browser family, bots excluded",
  }),
  top({
    name: "browser_versions",
    columns: ["user_agent"],
    fields: ["cs-user-agent"],
    key: (a) => agent(a).browserVersion,
    counts: ["requests", "page_views"],
    only: "humans",
    meaning: "requests by browser family and major version, bots excluded",
  }),
  top({
    name: "os",
    columns: ["user_agent"],
    fields: ["cs-user-agent"],
    key: (a) => agent(a).os,
    counts: ["requests", "page_views"],
    only: "humans",
    meaning: "requests by operating system, bots excluded",
  }),
  top({
    name: "os_versions",
    columns: ["user_agent"],
    fields: ["cs-user-agent"],
    key: (a) => agent(a).osVersion,
    counts: ["requests", "page_views"],
    only: "humans",
    meaning: "requests by operating system and major version, bots excluded",
  }),
  top({
    name: "bot_names",
    columns: ["user_agent"],
    fields: ["cs-user-agent"],
    key: (a) => agent(a).bot,
    counts: ["requests"],
    only: "all",
    meaning: "requests by bot (isbot), with its category: search, ai, social, monitoring, " +
      "feed, library or other",
    extra: (name) => ({ category: botCategory(name) satisfies BotCategory }),
  }),
  exact({
    name: "countries",
    columns: ["country"],
    fields: ["c-country"],
    key: (a) => a || "-",
    counts: ["requests", "bytes", "page_views"],
    only: "all",
    bound: 300,
    meaning: "requests per country as CloudFront logged it (c-country; - unknown): where " +
      "the edge placed the viewer, not a GeoIP lookup",
  }),
  exact({
    name: "protocols",
    columns: ["protocol"],
    fields: ["cs-protocol"],
    key: (a) => a || "-",
    counts: ["requests", "bytes"],
    only: "all",
    bound: 10,
    meaning: "requests per viewer protocol: http, https, ws, wss",
  }),
  exact({
    name: "http_versions",
    columns: ["protocol_version"],
    fields: ["cs-protocol-version"],
    key: (a) => a || "-",
    counts: ["requests"],
    only: "all",
    bound: 10,
    meaning: "requests per HTTP version of the viewer's request",
  }),
  top({
    name: "content_types",
    columns: ["content_type"],
    fields: ["sc-content-type"],
    key: (a) => bareContentType(a) || "-",
    counts: ["requests", "bytes"],
    only: "all",
    meaning: "requests and bytes per content type, parameters stripped",
  }),
  top({
    name: "top_pages",
    columns: ["path"],
    fields: ["cs-uri-stem"],
    key: (a) => a,
    counts: ["page_views", "entries"],
    only: "page_views",
    ...paths,
    meaning: "page views and entries per page",
  }),
  top({
    name: "entry_pages",
    columns: ["path"],
    fields: ["cs-uri-stem"],
    key: (a) => a,
    counts: ["entries"],
    only: "entries",
    ...paths,
    meaning: "entries per page: the first page of a visit from another site or none",
  }),
  top({
    name: "not_found_paths",
    columns: ["path"],
    fields: ["cs-uri-stem"],
    key: (a) => a,
    counts: ["requests"],
    only: "not_found",
    ...paths,
    meaning: "requests answered 404, per path",
  }),
  top({
    name: "error_paths",
    columns: ["path"],
    fields: ["cs-uri-stem"],
    key: (a) => a,
    counts: ["requests"],
    only: "server_errors",
    ...paths,
    meaning: "requests answered 5xx, per path",
  }),
  top({
    name: "referrer_domains",
    columns: ["referer", "host"],
    fields: ["cs-referer"],
    key: (referer, host) => (isEntryReferer(referer, host) ? referrerDomain(referer, host) : null),
    counts: ["entries"],
    only: "entries",
    meaning: "entries per registrable domain of the referer (tldts); an address never " +
      "names a domain",
  }),
  exact({
    name: "channels",
    columns: ["referer", "host", "utm"],
    fields: ["cs-referer"],
    key: (referer, host, utm) =>
      channelOf(
        isEntryReferer(referer, host) ? referrerHost(referer, host) : null,
        host,
        utmValue(utm, "utm_medium") ?? undefined,
      ),
    counts: ["entries"],
    only: "entries",
    bound: 10,
    meaning: "entries per channel: direct (no referer), search, social, ai, email, paid, " +
      "referral (another site), from utm_medium when the query has it (cs-uri-query), " +
      "else from the referer's domain",
  }),
  ...UTM_PARAMETERS.map((parameter) =>
    top({
      name: `${parameter}s`,
      columns: ["utm"],
      fields: ["cs-uri-query"],
      key: (utm) => utmValue(utm, parameter),
      counts: ["entries"],
      only: "entries",
      meaning: `entries per ${parameter} of the query, as tagged (no other part of the ` +
        "query is kept)",
    })
  ),
  top({
    name: "asns",
    columns: ["asn"],
    fields: ["asn"],
    key: (a) => a || "-",
    counts: ["requests", "bytes"],
    only: "all",
    meaning: "requests per autonomous system of the viewer's network, as CloudFront logged " +
      "it (asn): a network, not a person",
  }),
  exact({
    name: "tls_versions",
    columns: ["tls_version"],
    fields: ["ssl-protocol"],
    key: (a) => a || "-",
    counts: ["requests"],
    only: "all",
    bound: 10,
    meaning: "requests per TLS version of the viewer's connection (- without TLS)",
  }),
  exact({
    name: "ip_versions",
    columns: ["ip_version"],
    fields: ["c-ip-version"],
    key: (a) => a || "-",
    counts: ["requests"],
    only: "all",
    bound: 5,
    meaning: "requests per IP version of the viewer (the label only, never an address)",
  }),
  exact({
    name: "detailed_result_types",
    columns: ["detailed_result_type"],
    fields: ["x-edge-detailed-result-type"],
    key: (a) => a || "-",
    counts: ["requests"],
    only: "all",
    bound: 100,
    meaning: "requests per detailed result type (x-edge-detailed-result-type)",
  }),
];

/**
 * Totals of the catalogue that are one number each (exact): the columns a part must have
 * logged for it to count, and its sum over a part's records.
 */
export interface Total {
  readonly name: string;
  readonly columns: readonly string[];
  readonly fields: readonly string[];
  readonly sum: (e: RawEntry) => number;
  readonly meaning: string;
}

/** The sum of `of(record)` over the records whose `column` value passes `test`. */
function sumWhere(
  e: RawEntry,
  column: "result_type",
  test: (value: string) => boolean,
  of: (i: number) => number,
): number {
  const col = e.text[column];
  const pass = Uint8Array.from(col.dict, (x) => (test(x) ? 1 : 0));
  let n = 0;
  for (let i = 0; i < e.count; i++) if (pass[col.index[i]] === 1) n += of(i);
  return n;
}

/** The catalogue's totals. */
export const TOTALS: readonly Total[] = [
  {
    name: "bytes_in",
    columns: ["bytes_in"],
    fields: ["cs-bytes"],
    sum: (e) => e.numbers.bytes_in.reduce((n, x) => n + x, 0),
    meaning: "bytes viewers sent (cs-bytes: request headers and bodies)",
  },
  {
    name: "bytes_from_misses",
    columns: ["result_type"],
    fields: ["x-edge-result-type", "sc-bytes"],
    sum: (e) => sumWhere(e, "result_type", (r) => r === "Miss", (i) => e.numbers.bytes[i]),
    meaning: "bytes served to viewers for requests the edge cache missed (result type Miss)",
  },
  {
    name: "incomplete_downloads",
    columns: ["result_type", "status"],
    fields: ["x-edge-result-type", "sc-status"],
    sum: (e) => {
      const ok = Uint8Array.from(e.text.status.dict, (c) => (c === "200" ? 1 : 0));
      const status = e.text.status.index;
      return sumWhere(e, "result_type", (r) => r === "Error", (i) => ok[status[i]]);
    },
    meaning: "requests answered 200 whose result type is Error: the viewer did not " +
      "receive the whole object (AWS's incomplete downloads)",
  },
];

/** The catalogue by name. */
export const DIMENSION_BY_NAME: ReadonlyMap<string, Dimension> = new Map(
  DIMENSIONS.map((d) => [d.name, d]),
);

/** The names of every dimension (the breakdown route's `dimension=`). */
export const DIMENSION_NAMES = DIMENSIONS.map((d) => d.name) as [string, ...string[]];

/** One sentence per audience figure, for `estimates`. */
export const AUDIENCE_MEANINGS: Readonly<Record<string, string>> = {
  page_views: "page views: non-bot GETs answered 2xx or 304 with HTML (or, without a content " +
    "type, a page-like path); counted exactly",
  entries: "entries: page views whose referer is absent or another site than the request's " +
    "host (registrable domains compared); not visits: no request is linked to another",
  bots: "requests whose user agent is a bot's (isbot)",
  sessions: "there are no sessions, bounce rates or visit durations: they need linking one " +
    "visitor's requests, which this tool refuses to do",
  ...Object.fromEntries(DIMENSIONS.map((d) => [d.name, d.meaning])),
  ...Object.fromEntries(TOTALS.map((t) => [t.name, t.meaning])),
};
