/**
 * The CloudFront log field catalog and the ways a user names a field list.
 *
 * Real-time logs have no header: AWS writes the *selected* fields in one fixed
 * canonical order, whatever order they were ticked in. So a user names the set and
 * we order it; `exact` order is the escape hatch for re-exported data.
 * @module
 */

/** Every real-time log field, in the canonical order AWS writes them (DESIGN §3). */
export const CANONICAL_FIELDS: readonly string[] = [
  "timestamp",
  "c-ip",
  "s-ip",
  "time-to-first-byte",
  "sc-status",
  "sc-bytes",
  "cs-method",
  "cs-protocol",
  "cs-host",
  "cs-uri-stem",
  "cs-bytes",
  "x-edge-location",
  "x-edge-request-id",
  "x-host-header",
  "time-taken",
  "cs-protocol-version",
  "c-ip-version",
  "cs-user-agent",
  "cs-referer",
  "cs-cookie",
  "cs-uri-query",
  "x-edge-response-result-type",
  "x-forwarded-for",
  "ssl-protocol",
  "ssl-cipher",
  "x-edge-result-type",
  "fle-encrypted-fields",
  "fle-status",
  "sc-content-type",
  "sc-content-len",
  "sc-range-start",
  "sc-range-end",
  "c-port",
  "x-edge-detailed-result-type",
  "c-country",
  "cs-accept-encoding",
  "cs-accept",
  "cache-behavior-path-pattern",
  "cs-headers",
  "cs-header-names",
  "cs-headers-count",
  "primary-distribution-id",
  "primary-distribution-dns-name",
  "origin-fbl",
  "origin-lbl",
  "asn",
  "cmcd-encoded-bitrate",
  "cmcd-buffer-length",
  "cmcd-buffer-starvation",
  "cmcd-content-id",
  "cmcd-object-duration",
  "cmcd-deadline",
  "cmcd-measured-throughput",
  "cmcd-next-object-request",
  "cmcd-next-range-request",
  "cmcd-object-type",
  "cmcd-playback-rate",
  "cmcd-requested-maximum-throughput",
  "cmcd-streaming-format",
  "cmcd-session-id",
  "cmcd-stream-type",
  "cmcd-startup",
  "cmcd-top-bitrate",
  "cmcd-version",
  "r-host",
  "sr-reason",
  "x-edge-mqcs",
];

const CANONICAL_INDEX = new Map(CANONICAL_FIELDS.map((name, i) => [name, i]));

/** The 33 fields of a current standard (legacy) access log, in file order. */
export const STANDARD_FIELDS: readonly string[] = [
  "date",
  "time",
  "x-edge-location",
  "sc-bytes",
  "c-ip",
  "cs-method",
  "cs(Host)",
  "cs-uri-stem",
  "sc-status",
  "cs(Referer)",
  "cs(User-Agent)",
  "cs-uri-query",
  "cs(Cookie)",
  "x-edge-result-type",
  "x-edge-request-id",
  "x-host-header",
  "cs-protocol",
  "cs-bytes",
  "time-taken",
  "x-forwarded-for",
  "ssl-protocol",
  "ssl-cipher",
  "x-edge-response-result-type",
  "cs-protocol-version",
  "fle-status",
  "fle-encrypted-fields",
  "c-port",
  "time-to-first-byte",
  "x-edge-detailed-result-type",
  "sc-content-type",
  "sc-content-len",
  "sc-range-start",
  "sc-range-end",
];

/**
 * Named field sets: `all` is fields 1-46 (what CloudFront offered before the CMCD fields);
 * `kept` the 24 of them this tool keeps (columns.ts: a test keeps the two in step), which
 * realtime-logs.yaml selects, so that no address, cookie or header even reaches the log
 * bucket; `all-2020` the fields of 2020 (1-41 without `s-ip`); `pack` the 27 fields of the
 * original brief; `standard` the standard logs' 33.
 */
export const PRESETS: Readonly<Record<string, readonly string[]>> = {
  pack: canonicalOrder([
    "timestamp",
    "sc-status",
    "sc-bytes",
    "cs-method",
    "cs-uri-stem",
    "cs-uri-query",
    "cs-protocol",
    "cs-protocol-version",
    "sc-content-type",
    "sc-content-len",
    "cs-user-agent",
    "cs-referer",
    "x-edge-location",
    "x-edge-result-type",
    "x-edge-response-result-type",
    "x-edge-request-id",
    "time-taken",
    "time-to-first-byte",
    "sc-range-start",
    "sc-range-end",
    "ssl-protocol",
    "ssl-cipher",
    "cs-accept",
    "cs-accept-encoding",
    "cs-host",
    "origin-fbl",
    "origin-lbl",
  ]),
  "all-2020": CANONICAL_FIELDS.slice(0, 41).filter((f) => f !== "s-ip"),
  all: CANONICAL_FIELDS.slice(0, 46),
  kept: canonicalOrder([
    "timestamp",
    "time-to-first-byte",
    "sc-status",
    "sc-bytes",
    "cs-method",
    "cs-protocol",
    "cs-host",
    "cs-uri-stem",
    "cs-bytes",
    "x-edge-location",
    "x-host-header",
    "time-taken",
    "cs-protocol-version",
    "c-ip-version",
    "cs-user-agent",
    "cs-referer",
    "cs-uri-query",
    "x-edge-response-result-type",
    "ssl-protocol",
    "x-edge-result-type",
    "sc-content-type",
    "x-edge-detailed-result-type",
    "c-country",
    "asn",
  ]),
  standard: STANDARD_FIELDS,
};

/** Standard-log header names that mean the same as a real-time field. */
const ALIASES: Readonly<Record<string, string>> = {
  "cs(host)": "x-host-header",
  "cs(referer)": "cs-referer",
  "cs(user-agent)": "cs-user-agent",
  "cs(cookie)": "cs-cookie",
  "c-referrer": "cs-referer",
  "c-user-agent": "cs-user-agent",
};

/** Lower-cases a field name and maps standard-log spellings onto the real-time name. */
export function normalizeFieldName(name: string): string {
  const lower = name.trim().toLowerCase();
  return ALIASES[lower] ?? lower;
}

/**
 * Orders a set of real-time field names canonically.
 * @throws on an unknown or repeated name, so a typo never shifts every column after it.
 */
export function canonicalOrder(names: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (!CANONICAL_INDEX.has(name)) {
      throw new Error(`unknown real-time log field "${raw}"`);
    }
    if (seen.has(name)) throw new Error(`field "${raw}" is named twice`);
    seen.add(name);
  }
  return [...seen].sort((a, b) => CANONICAL_INDEX.get(a)! - CANONICAL_INDEX.get(b)!);
}

/** The ways a list of names maps to columns. */
export const FIELD_ORDERS = ["canonical", "exact"] as const;
/** How a field list is ordered. */
export type FieldOrder = (typeof FIELD_ORDERS)[number];

/**
 * Resolves a `--fields` value (a preset name or a comma/whitespace-separated list) into
 * the column order of the file. File contents are read by the caller and passed as text.
 */
export function resolveFields(spec: string, order: FieldOrder = "canonical"): string[] {
  if (Object.hasOwn(PRESETS, spec.trim())) return [...PRESETS[spec.trim()]];
  const names = spec.split(/[\s,]+/).filter((s) => s.length > 0 && !s.startsWith("#"));
  if (names.length === 0) throw new Error("the field list is empty");
  // One word that names no field was meant as a preset: say which there are.
  const name = normalizeFieldName(names[0]);
  if (names.length === 1 && !CANONICAL_INDEX.has(name) && !STANDARD_FIELDS.includes(name)) {
    throw new Error(
      `"${names[0]}" is neither a preset (${Object.keys(PRESETS).join(", ")}) nor a field`,
    );
  }
  if (order === "exact") return names.map(normalizeFieldName);
  return canonicalOrder(names);
}

const NUMBER = /^\d{1,16}(?:\.\d{1,9})?$/;
const INTEGER = /^\d{1,16}$/;
const ADDRESS = /^[0-9A-Fa-f:.*%]{1,64}$/;
const WORD = /^[A-Za-z]{1,64}$/;
const TOKEN = /^[A-Za-z0-9_=-]{1,200}$/;
const HOST = /^[A-Za-z0-9._~%:*\[\]-]{1,300}$/;

/**
 * What each field's logged values look like, where that is known. `-` (missing) fits every
 * field. The shapes are loose on purpose (what can never be in the field, rather than a
 * vocabulary that AWS may extend): result types are one CamelCase word, an edge location
 * is `AAA12` or `AAA12-X3`, a status three digits, numbers plain decimals. A column whose
 * values do not fit its field's shape in most lines means the field list is wrong
 * ({@link fieldMisfits}); a kept column whose value does not fit makes its line malformed.
 * Fields not named here are free text, or the viewer's to choose (the Host header, the
 * path: a viewer must not be able to get an object refused): agents, referers, cookies,
 * queries, headers, and the content type (the origin's to choose). A method is any HTTP
 * token; one outside HTTP's methods is stored as `OTHER`.
 */
export const FIELD_SHAPES: Readonly<Record<string, RegExp>> = {
  "timestamp": /^\d{9,10}(?:\.\d{1,6})?$/,
  "date": /^\d{4}-\d{2}-\d{2}$/,
  "time": /^\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?$/,
  "c-ip": ADDRESS,
  "s-ip": ADDRESS,
  "time-to-first-byte": NUMBER,
  "sc-status": /^\d{3}$/,
  "sc-bytes": INTEGER,
  "cs-method": /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, // an HTTP token
  "cs-protocol": /^(?:https?|wss?)$/i,
  "cs-bytes": INTEGER,
  "x-edge-location": /^[A-Z]{3}\d{1,3}(?:-[A-Z0-9]{1,4})?$/,
  "x-edge-request-id": TOKEN,
  "time-taken": NUMBER,
  "cs-protocol-version": /^HTTP\/\d(?:\.\d)?$/,
  "c-ip-version": /^IPv[46]$/,
  "x-edge-response-result-type": WORD,
  "ssl-protocol": /^(?:SSLv\d|TLSv\d(?:\.\d)?)$/,
  "ssl-cipher": /^[A-Z0-9_-]{1,100}$/,
  "x-edge-result-type": WORD,
  "fle-encrypted-fields": INTEGER,
  "fle-status": WORD,
  "sc-content-len": INTEGER,
  "sc-range-start": INTEGER,
  "sc-range-end": INTEGER,
  "c-port": /^\d{1,5}$/,
  "x-edge-detailed-result-type": WORD,
  "c-country": /^[A-Z0-9]{2}$/,
  "cs-headers-count": INTEGER,
  "primary-distribution-id": /^E[A-Z0-9]{1,20}$/,
  "primary-distribution-dns-name": HOST,
  "origin-fbl": NUMBER,
  "origin-lbl": NUMBER,
  "asn": INTEGER,
};

/**
 * Fields whose values the viewer influences (the request line): they have shapes for the
 * line's sake, but say nothing about the field list, so no viewer can get an object
 * refused through them.
 */
export const VIEWER_FIELDS: ReadonlySet<string> = new Set(["cs-method", "cs-protocol-version"]);

/** Does `logged` (a value as it is in the log) fit field `name`? Unknown fields fit anything. */
export function fitsField(name: string, logged: string): boolean {
  if (logged === "-" || logged === "") return true;
  const shape = FIELD_SHAPES[normalizeFieldName(name)];
  return shape === undefined || shape.test(logged);
}

/**
 * The largest value a number field may log: above it the line is malformed, so that no
 * sum can overflow and no figure is poisoned by one line. Bytes: CloudFront serves
 * objects of at most 50 GB (a terabyte leaves room); times: a week, in seconds.
 */
export const NUMBER_LIMITS: Readonly<Record<string, number>> = {
  "sc-bytes": 1e12,
  "cs-bytes": 1e12,
  "sc-content-len": 1e12,
  "time-taken": 604_800,
  "time-to-first-byte": 604_800,
};
