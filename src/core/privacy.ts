/**
 * The privacy guard (DESIGN §6): no client address is ever stored.
 *
 * IP-bearing fields are dropped by the parser; this module redacts addresses that hide
 * in other kept strings (paths, referers, host headers, content types, user agents),
 * wherever they sit in the text: inside a path segment, after letters, with leading
 * zeros, with a port, with a suffix, percent-encoded. It errs on the side of redacting:
 * a run of text that holds an address is replaced whole.
 *
 * User agents keep one exemption, the version tokens of the products in
 * {@link AGENT_VERSION_PRODUCTS} (`Chrome/120.0.0.0`): an IPv4-shaped version right after
 * one of those names, of no more parts than the product's versions have, is not an
 * address. `MyIP/192.168.3.2` is not exempt, nor `Chrome/120.0.0.0.10.0.0.4`.
 * @module
 */

/** What replaces a redacted address. */
export const REDACTED = "[ip]";

/** Fields that carry a client address and are never kept, whatever the field list. */
export const ADDRESS_FIELDS: ReadonlySet<string> = new Set(["c-ip", "x-forwarded-for", "s-ip"]);

/**
 * Products whose user-agent version token has four or more numeric parts, so that it looks
 * like an IPv4 address: Chromium-based browsers and apps, and Tesla's car browser (its
 * firmware version: 2023.44.30.8). Only these keep such a token.
 */
export const AGENT_VERSION_PRODUCTS: readonly string[] = [
  "AlipayClient",
  "baiduboxapp",
  "Chrome",
  "Chromium",
  "CriOS",
  "Edg",
  "EdgA",
  "EdgiOS",
  "Edge",
  "Electron",
  "FBAV",
  "FBSV",
  "HeadlessChrome",
  "Instagram",
  "Maxthon",
  "MicroMessenger",
  "MQQBrowser",
  "OculusBrowser",
  "OPR",
  "QQBrowser",
  "Tesla",
  "UCBrowser",
  "Vivaldi",
  "Whale",
  "YaBrowser",
];
const EXEMPT = new Set(AGENT_VERSION_PRODUCTS);
/** Parts a product's version has at most (four unless named): longer runs are redacted. */
const VERSION_PARTS: Readonly<Record<string, number>> = { FBAV: 5, FBSV: 5, OculusBrowser: 6 };

/** A decimal octet, leading zeros allowed: `010` is 10. */
function isOctet(group: string): boolean {
  if (group.length === 0) return false;
  for (let i = 0; i < group.length; i++) {
    const c = group.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return Number(group) <= 255;
}

/** True when `text` is exactly a dotted-quad IPv4 address (leading zeros allowed). */
export function isIpv4(text: string): boolean {
  const groups = text.split(".");
  return groups.length === 4 && groups.every(isOctet);
}

/** True when `text` is a syntactically valid IPv6 address (with `::` compression or 8 groups). */
export function isIpv6(text: string): boolean {
  let body = text;
  let groupsFromV4 = 0;
  const lastColon = body.lastIndexOf(":");
  if (lastColon === -1) return false;
  if (body.indexOf(".", lastColon) !== -1) {
    if (!isIpv4(body.slice(lastColon + 1))) return false;
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

/**
 * An address worth redacting: at least two groups, or an IPv4 tail. `d::` (in `std::`) and
 * `::1` (loopback) are valid IPv6 but name no client.
 */
function isClientIpv6(text: string): boolean {
  if (!isIpv6(text)) return false;
  if (text.includes(".")) return true;
  return text.split(":").filter((g) => g !== "").length >= 2;
}

/**
 * True when some stretch of `run` (hex digits, colons and dots only) is a client IPv6
 * address: a window of at most nine of its colon-separated tokens, the first possibly
 * cut to its last digits and the last to its first (an address after letters or before a
 * suffix). Linear in the run's length.
 */
function runHoldsIpv6(run: string): boolean {
  const t = run.split(":");
  for (let i = 0; i < t.length; i++) {
    let first = t[i];
    if (first.includes(".")) first = first.slice(first.lastIndexOf(".") + 1);
    if (first.length > 4) first = first.slice(-4);
    for (let j = i + 1; j < t.length && j <= i + 9; j++) {
      let last = t[j];
      const v4 = /^\d+\.\d+\.\d+\.\d+/.exec(last);
      if (v4) last = v4[0];
      else if (last.includes(".")) last = last.slice(0, last.indexOf("."));
      if (last.length > 4 && !v4) last = last.slice(0, 4);
      const middle = t.slice(i + 1, j);
      if (!middle.every((g) => g.length <= 4 && !g.includes("."))) break;
      if (isClientIpv6([first, ...middle, last].join(":"))) return true;
    }
  }
  return false;
}

/** Runs of hex digits, colons and dots: IPv6 candidates when they hold two colons. */
const HEX_RUN = /[0-9A-Fa-f:.]+/g;
/** Runs of dotted numbers: IPv4 candidates (`1.2.3.4`, `010.0.0.4.5`). */
const V4_RUN = /\d+(?:\.\d+){3,}/g;
/**
 * A product name right before a version, as user agents write it (`Chrome/`): a whole
 * token, so `MyIP-Chrome/` or `1Chrome/` is no `Chrome`.
 */
const PRODUCT_BEFORE = /(?:^|[\s(;,])([A-Za-z][A-Za-z0-9_]*)\/$/;

/**
 * Does the dotted run hold an IPv4 address? Four consecutive groups whose middle two are
 * octets do: the first group's last digits and the last group's first digits are octets
 * whatever they are, and an address next to other digits (`/a9910.0.0.4`,
 * `10.0.0.4999`) is still an address.
 */
function runHoldsIpv4(run: string): boolean {
  const groups = run.split(".");
  for (let i = 0; i + 4 <= groups.length; i++) {
    if (isOctet(groups[i + 1]) && isOctet(groups[i + 2])) return true;
  }
  return false;
}

/**
 * Four dot-separated numbers of which one at least is hex (`0x..`) or octal (`0..`), as
 * URL parsers read a host (`0xCB.0.0161.87` is 203.0.113.87): candidates when every part
 * is at most 255 read that way. (Dotted decimals are {@link V4_RUN}'s.)
 */
const RADIX_RUN = /(?:0x[0-9A-Fa-f]*|\d+)(?:\.(?:0x[0-9A-Fa-f]*|\d+)){3}/g;
/**
 * The host of a URL's authority as URL parsers find it: after `//` or `\\`, after a user's
 * `@`, or after the scheme of a web URL with any slashes or backslashes or none
 * (`http:10.1/`, `http:\\10.1\`), up to its port or path.
 */
const URL_HOST =
  /((?:\b(?:https?|wss?|ftp):[/\\]*)|[/\\]{2}|@)([^\s/\\?#@\[\]:]+)(?=$|[:/\\?#\]])/gi;

/** A part of a host read as URL parsers read it: hex, octal with a leading zero, or decimal. */
function hostPart(part: string): number {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part, 8);
  return /^\d+$/.test(part) ? Number(part) : NaN;
}

/**
 * Whether a host is an IPv4 address as the WHATWG URL parser reads one: one to four parts
 * (a trailing dot allowed), each decimal, octal or hex, every part but the last at most
 * 255 and the last filling the bytes left: `10.1`, `192.168.257` and `3405803863` are all
 * addresses to a browser.
 */
export function isUrlIpv4(host: string): boolean {
  const parts = host.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 0 || parts.length > 4) return false;
  const values = parts.map(hostPart);
  if (!values.every((x) => x >= 0)) return false;
  const last = values.pop()!;
  return values.every((x) => x <= 255) && last < 256 ** (5 - parts.length);
}

/**
 * A host as URL parsers compare it: compatibility forms folded (NFKC: full-width digits,
 * circled numbers), invisible code points dropped (soft hyphens, zero-width spaces,
 * variation selectors), ideographic full stops as dots, lower case.
 */
export function foldHost(text: string): string {
  return text.normalize("NFKC").replace(IGNORABLE, "").replace(/[\u3002\uFF61]/g, ".")
    .toLowerCase();
}

/** Code points that host parsing drops, so that they can hide the digits of an address. */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/** Addresses written as URL parsers also read them: hex or octal parts, one number. */
function redactRadix(text: string): string {
  let out = text;
  if (/0x|\.0\d/i.test(out)) {
    out = out.replace(RADIX_RUN, (run) => {
      const parts = run.split(".");
      const radix = parts.some((p) => /^0(x|\d)/i.test(p));
      return radix && parts.every((p) => hostPart(p) <= 255) ? REDACTED : run;
    });
  }
  if (/[:@\\]|\/\//.test(out)) {
    out = out.replace(
      URL_HOST,
      (all, lead: string, host: string) => isUrlIpv4(host) ? `${lead}${REDACTED}` : all,
    );
  }
  return out;
}

function redactPlain(text: string, agent: boolean): string {
  // An address spelled in full-width or circled digits, or with invisible characters
  // between its digits, is an address all the same: redacted in its folded form.
  if (NOT_ASCII.test(text)) {
    const folded = foldHost(text);
    if (folded !== text.toLowerCase()) {
      const redacted = redactPlain(folded, agent);
      if (redacted !== folded) return redacted;
    }
  }
  let out = redactRadix(text);
  if (out.indexOf(":") !== out.lastIndexOf(":")) {
    out = out.replace(
      HEX_RUN,
      (run) => run.indexOf(":") !== run.lastIndexOf(":") && runHoldsIpv6(run) ? REDACTED : run,
    );
  }
  if (/\d\.\d/.test(out)) {
    out = out.replace(V4_RUN, (run, at: number, all: string) => {
      if (!runHoldsIpv4(run)) return run;
      // A version right after a listed product, of no more parts than it has (Chrome's
      // four, FBAV's five): a longer run may hide an address after the version.
      if (agent) {
        const product = PRODUCT_BEFORE.exec(all.slice(0, at))?.[1];
        if (
          product !== undefined && EXEMPT.has(product) &&
          run.split(".").length <= (VERSION_PARTS[product] ?? 4)
        ) return run;
      }
      return REDACTED;
    });
  }
  return out;
}

const NOT_ASCII = /[\u0080-\uffff]/;
const ESCAPE = /%[0-9A-Fa-f]{2}/;

function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
}

/** Decoding rounds tried: escapes nested deeper than this are not looked through. */
const MAX_DECODES = 8;

/**
 * Redacts, looking through percent-encoding: when decoding the value further (as deep as
 * its escapes go, up to {@link MAX_DECODES} rounds) reveals an address the text as it
 * stands hides (`10%2E0%2E0%2E4`, `10%252E...`), the fully decoded text is what is
 * redacted and returned, so that no address survives at any depth.
 */
function redactWith(text: string, agent: boolean): string {
  if (text === "") return text;
  const direct = redactPlain(text, agent);
  let deepest = text;
  for (let round = 0; round < MAX_DECODES && ESCAPE.test(deepest); round++) {
    const next = decodeOnce(deepest);
    if (next === deepest) break;
    deepest = next;
  }
  if (deepest === text) return direct;
  const redacted = redactPlain(deepest, agent);
  return redacted !== deepest ? redacted : direct;
}

/** Redacts every IPv4 and IPv6 address in `text`. Cheap when there is nothing address-like. */
export function redactAddresses(text: string): string {
  return redactWith(text, false);
}

/**
 * {@link redactAddresses} for a value that is a host (the Host header): the whole of it is
 * also read as URL parsers read a host, so `10.1` or `192.168.257:8080` is an address.
 */
export function redactHost(text: string): string {
  const out = redactAddresses(text);
  const host = foldHost(out).replace(/:\d*$/, "");
  return host === REDACTED || isUrlIpv4(host) ? REDACTED : out;
}

/** Like {@link redactAddresses}, but keeps the version tokens of {@link AGENT_VERSION_PRODUCTS}. */
export function redactAgent(text: string): string {
  return redactWith(text, true);
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
