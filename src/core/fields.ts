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

/** Named field sets. `pack` is the 27 fields of the original brief. */
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

/** How a list of names maps to columns. */
export type FieldOrder = "canonical" | "exact";

/**
 * Resolves a `--fields` value (a preset name or a comma/whitespace-separated list) into
 * the column order of the file. File contents are read by the caller and passed as text.
 */
export function resolveFields(spec: string, order: FieldOrder = "canonical"): string[] {
  const preset = PRESETS[spec.trim()];
  if (preset) return [...preset];
  const names = spec.split(/[\s,]+/).filter((s) => s.length > 0 && !s.startsWith("#"));
  if (names.length === 0) throw new Error("the field list is empty");
  if (order === "exact") return names.map(normalizeFieldName);
  return canonicalOrder(names);
}
