/**
 * Decoding of logged field values (DESIGN §3): `-` is missing, values are URL-encoded once,
 * and user agents written before 2020 are encoded twice (`%2520`).
 * @module
 */

/** Returns "" for the missing marker `-`, else the value URL-decoded once. Bad escapes stay as logged. */
export function decodeValue(value: string | undefined): string {
  if (value === undefined || value === "-" || value === "") return "";
  if (value.indexOf("%") === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const STILL_ENCODED = /%[0-9A-Fa-f]{2}/;

/**
 * Decodes a user agent, twice when the first pass still leaves escapes: CloudFront
 * double-encoded agents (`Mozilla/5.0%2520(...)`) until January 2020.
 */
export function decodeAgent(value: string | undefined): string {
  const once = decodeValue(value);
  if (once.indexOf("%") === -1 || !STILL_ENCODED.test(once)) return once;
  try {
    return decodeURIComponent(once);
  } catch {
    return once;
  }
}
