/**
 * How a logged value becomes a stored one (DESIGN §3 and §6): every kept text value goes
 * through one of these doors. Closed fields are checked against their field's shape (a
 * value that does not fit is refused: null, and its line is malformed); free text is
 * URL-decoded, its addresses redacted, its control characters replaced, and its length
 * bounded. The column table (columns.ts) names the door of each column.
 * @module
 */
import { decodeAgent, decodeValue } from "./decode.ts";
import { FIELD_SHAPES } from "./fields.ts";
import { memoize, redactAddresses, redactAgent, redactHost } from "./privacy.ts";

/** Turns a logged value into its stored form, or null when it does not fit its field. */
export type Clean = (logged: string | undefined) => string | null;

/** A status code as logged: three ASCII digits (`000` included). */
export function isStatus(s: string): boolean {
  return s.length === 3 &&
    s.charCodeAt(0) - 48 >>> 0 < 10 && s.charCodeAt(1) - 48 >>> 0 < 10 &&
    s.charCodeAt(2) - 48 >>> 0 < 10;
}

/** A status as stored: the three digits as logged, or refused. */
export const cleanStatus: Clean = (s) => (s !== undefined && isStatus(s) ? s : null);

/**
 * Stored text is bounded: a longer value keeps its first characters and ends with
 * {@link TRUNCATED}, so that no stored key, summary or figure grows with the input.
 */
export const TEXT_LIMITS = { path: 500, host: 255, referer: 500, user_agent: 500, text: 200 };
/** The mark at the end of a value cut to its column's limit (U+2026). */
export const TRUNCATED = "…";

/** Control characters are stored as U+FFFD: they are no figure's business. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Characters an address is written with (a run of them may be one). */
const ADDRESS_CHAR = /[0-9A-Fa-f:.%\[\]]/;

/**
 * `text` cut to at most `length` characters, never inside a run of address characters
 * that holds a dot or a colon: a cut there could leave part of an address, or make an
 * address of a longer number. (A run of hex letters alone, a hash, is cut as it is.)
 */
function cutOutsideRuns(text: string, length: number): string {
  if (text.length <= length) return text;
  let end = length;
  if (ADDRESS_CHAR.test(text[end])) {
    let start = end;
    while (start > 0 && ADDRESS_CHAR.test(text[start - 1])) start--;
    // An address starts at most four characters (a group's) before the run's first dot
    // or colon: what lies further back stays.
    const sep = text.slice(start, end).search(/[.:]/);
    if (sep !== -1) end = Math.max(start, start + sep - 4);
  }
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // never half a surrogate pair
  return text.slice(0, end);
}

/**
 * `text` within `limit` characters. The text is cut to twice the limit before redaction
 * (so that a huge value costs no more than a long one) and to the limit after it, both
 * outside runs of address characters (so that no cut leaves half an address).
 */
function bounded(text: string, limit: number, redact: (s: string) => string): string {
  const safe = redact(cutOutsideRuns(text, 2 * limit)).replace(CONTROL, "\ufffd");
  if (safe.length <= limit) return safe;
  return cutOutsideRuns(safe, limit - 1) + TRUNCATED;
}

// Agents are long and repeat heavily: redact each distinct one once. Paths, hosts and
// referers are cheap to check directly (a `%`, `:` or digit-dot-digit test) and too varied
// for a memo to pay.
const agentMemo = memoize((s) => bounded(decodeAgent(s), TEXT_LIMITS.user_agent, redactAgent));
/** A user agent as stored: decoded (twice for pre-2020 logs), redacted, bounded. */
export const cleanAgent = (s: string | undefined): string => agentMemo(s ?? "-");
/** A free-text value as stored: "-" is "", URL-decoded once, addresses redacted, bounded. */
export const cleanText = (limit: number) => (s: string | undefined): string =>
  s === undefined || s === "-" || s === "" ? "" : bounded(decodeValue(s), limit, redactAddresses);
/** A path as stored. */
export const cleanPath = cleanText(TEXT_LIMITS.path);
/** A Host header as stored: as {@link cleanText}, and the whole value read as a host. */
export const cleanHost = (s: string | undefined): string =>
  s === undefined || s === "-" || s === ""
    ? ""
    : bounded(decodeValue(s), TEXT_LIMITS.host, redactHost);

/**
 * A value of a field with a known shape (method, edge, result type, country...), as
 * stored: "-" is "", a value that fits is kept as logged, and one that does not is null:
 * its line is malformed. A shape never admits an address, so nothing here needs redacting.
 */
export const closed = (field: string) => {
  const shape = FIELD_SHAPES[field];
  return (s: string | undefined): string | null =>
    s === undefined || s === "-" || s === "" ? "" : shape.test(s) ? s : null;
};

/** The query parameters kept, in the order {@link cleanUtm} joins them. */
export const UTM_PARAMETERS = ["utm_source", "utm_medium", "utm_campaign"] as const;
/** Characters a utm value keeps at most. */
const UTM_LIMIT = 100;

/**
 * The utm_* parameters of a logged query, as stored: their values (decoded like agents,
 * `+` as a space, addresses redacted, bounded) joined by tabs in {@link UTM_PARAMETERS}
 * order, or "" when the query has none. Parameter names are matched as logged, so a
 * query without the literal `utm_` is "" (the fast path relies on it). Nothing else of the
 * query is kept.
 */
export function cleanUtm(s: string | undefined): string {
  if (s === undefined || s.indexOf("utm_") === -1) return "";
  const found: string[] = ["", "", ""];
  let any = false;
  for (const part of s.split("&")) {
    const eq = part.indexOf("=");
    const at = (UTM_PARAMETERS as readonly string[]).indexOf(eq === -1 ? part : part.slice(0, eq));
    if (at === -1 || eq === -1 || found[at] !== "") continue;
    const value = bounded(
      decodeAgent(part.slice(eq + 1).replaceAll("+", " ")).trim(),
      UTM_LIMIT,
      redactAddresses,
    );
    found[at] = value;
    if (value !== "") any = true;
  }
  return any ? found.join("\t") : "";
}

/** The methods HTTP defines; CloudFront serves the first seven. */
export const METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "CONNECT",
  "TRACE",
]);

/**
 * Any other method a viewer sent is stored as `OTHER`: the method is the viewer's to
 * choose, and the count of distinct methods must not grow with what viewers make up.
 */
export function method(check: (s: string | undefined) => string | null) {
  return (s: string | undefined): string | null => {
    const m = check(s);
    return m === null || m === "" || METHODS.has(m) ? m : "OTHER";
  };
}
