/**
 * The privacy guard (DESIGN §6): no client address is ever stored.
 *
 * IP-bearing fields are dropped by the parser; this module redacts addresses that hide
 * in other kept strings (referers, host headers, paths). User agents get one
 * exemption: `Chrome/120.0.0.0` is a product/version token, not an address.
 * @module
 */

/** What replaces a redacted address. */
export const REDACTED = "[ip]";

/** Fields that carry a client address and are never kept, whatever the field list. */
export const ADDRESS_FIELDS: ReadonlySet<string> = new Set(["c-ip", "x-forwarded-for", "s-ip"]);

const IPV4 =
  /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.])/g;
// A version token: an IPv4-shaped run right after `product/` in a user agent.
const IPV4_IN_AGENT =
  /(?<![\w.]|[A-Za-z][\w.-]*\/)(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.])/g;
// Candidate IPv6 runs: hex groups and colons (optionally an embedded IPv4 tail), validated below.
const IPV6_CANDIDATE =
  /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?::(?:\d{1,3}\.){3}\d{1,3})?(?![\w:.])/g;

/** True when `text` is a syntactically valid IPv6 address (with `::` compression or 8 groups). */
export function isIpv6(text: string): boolean {
  let body = text;
  let groupsFromV4 = 0;
  const lastColon = body.lastIndexOf(":");
  if (body.indexOf(".", lastColon) !== -1) {
    const v4 = body.slice(lastColon + 1);
    if (!new RegExp(`^${IPV4.source}$`).test(v4)) return false;
    body = body.slice(0, lastColon + 1) + "0";
    groupsFromV4 = 1;
  }
  const halves = body.split("::");
  if (halves.length > 2) return false;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const all = [...head, ...tail];
  if (!all.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  const count = all.length + groupsFromV4;
  return halves.length === 2 ? count <= 7 : count === 8;
}

function redactIpv6(text: string): string {
  return text.replace(IPV6_CANDIDATE, (m) => (isIpv6(m) ? REDACTED : m));
}

/** An IPv6 address has at least two colons; `https://host/` has one. */
function mayHoldIpv6(text: string): boolean {
  const first = text.indexOf(":");
  return first !== -1 && text.indexOf(":", first + 1) !== -1;
}

function redactWith(ipv4: RegExp, text: string): string {
  if (text === "") return text;
  let out = text;
  if (mayHoldIpv6(out)) out = redactIpv6(out);
  if (/\d\.\d/.test(out)) out = out.replace(ipv4, REDACTED);
  return out;
}

/** Redacts every IPv4 and IPv6 address in `text`. Cheap when there is nothing address-like. */
export function redactAddresses(text: string): string {
  return redactWith(IPV4, text);
}

/** Like {@link redactAddresses}, but keeps `product/1.2.3.4` version tokens of user agents. */
export function redactAgent(text: string): string {
  return redactWith(IPV4_IN_AGENT, text);
}

/**
 * Wraps a string function with a bounded memo: agents and referers repeat heavily, so the
 * regular expressions run once per distinct value, not once per line.
 */
export function memoize(fn: (s: string) => string, limit = 20_000): (s: string) => string {
  let cache = new Map<string, string>();
  return (s) => {
    let v = cache.get(s);
    if (v === undefined) {
      v = fn(s);
      if (cache.size >= limit) cache = new Map();
      cache.set(s, v);
    }
    return v;
  };
}
