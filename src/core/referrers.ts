/**
 * Where visits come from (issue 12): a referer's registrable domain, whether it is the
 * site's own, and the channel of an entry.
 *
 * Pure and offline: hosts are split by tldts (the Public Suffix List it bundles, ICANN
 * section) and categorised by the table compiled into {@link REFERRER_HOSTS} from
 * matomo-org's CC0 lists by scripts/build-referrers.ts. Every function runs once per
 * distinct value (callers memoize), in a few microseconds.
 *
 * No address ever comes out: a referer whose host is an IP address (IPv4 in any WHATWG
 * spelling, a bracketed IPv6 literal, or the privacy guard's `[ip]`), `localhost`, a
 * single label or a name under no public suffix (`nas.local`, `intranet.corp.internal`)
 * has no domain.
 *
 * Android apps send `android-app://<package>/…`. A package name is a domain written
 * backwards, so it is read back to front: `com.google.android.gm` is the host
 * `gm.android.google.com` (domain `google.com`), `com.reddit.frontpage` is
 * `frontpage.reddit.com`. The table knows the mail apps by that host, so the Gmail app
 * is "email" when {@link channelOf} is given the host, and `google.com` otherwise.
 * @module
 */
import { parse } from "tldts";
import { isIpv4, REDACTED } from "./privacy.ts";
import { REFERRER_HOSTS, type ReferrerCategory } from "./referrer-lists.ts";

export type { ReferrerCategory } from "./referrer-lists.ts";

/** How an entry reached the site. */
export type Channel = "direct" | "search" | "social" | "ai" | "email" | "paid" | "referral";

/** Every channel, in the order a report lists them. */
export const CHANNELS: readonly Channel[] = [
  "direct",
  "search",
  "social",
  "ai",
  "email",
  "paid",
  "referral",
];

const TLD_OPTIONS = { extractHostname: false, detectIp: false, validateHostname: false } as const;

/** A referer's host and registrable domain. */
export interface RefererSite {
  /** Lowercase host name, no port, no trailing dot: `www.google.co.uk`. */
  host: string;
  /** Its registrable domain: `google.co.uk`. */
  domain: string;
}

/** True for a character allowed in a host label: letters, digits, `-`, `_`, non-ASCII. */
function isLabelChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c >= 128;
}

/**
 * `name` (lowercase, no port) as a public host and its registrable domain, or null for an
 * address, localhost, a malformed name, or a name under no ICANN public suffix.
 */
function siteOfHost(name: string): RefererSite | null {
  const host = name.endsWith(".") ? name.slice(0, -1) : name;
  if (host.length === 0 || host.length > 253) return null;
  let labelStart = 0;
  for (let i = 0; i <= host.length; i++) {
    if (i === host.length || host.charCodeAt(i) === 46) {
      if (i === labelStart || i - labelStart > 63) return null;
      labelStart = i + 1;
    } else if (!isLabelChar(host.charCodeAt(i))) return null;
  }
  // A numeric or hex last label makes a WHATWG URL parser read the host as IPv4
  // (`127.1`, `0x7f.0.0.1`, `2130706433`); no public suffix looks like that.
  const last = host.slice(host.lastIndexOf(".") + 1);
  if (/^(?:\d+|0x[0-9a-f]*)$/.test(last) || isIpv4(host)) return null;
  // Nor is a name with an address in it (`10.0.0.7.nip.io`), should one get this far.
  if (/(?:^|\.)\d+\.\d+\.\d+\.\d+(?:\.|$)/.test(host)) return null;
  if (last === "localhost") return null;
  const parts = parse(host, TLD_OPTIONS);
  if (parts.domain === null || parts.isIcann !== true) return null;
  return { host, domain: parts.domain };
}

/** `com.google.android.gm` → `gm.android.google.com`, or null when it is not a package name. */
function packageHost(pkg: string): string | null {
  if (!/^[a-z0-9_]+(?:\.[a-z0-9_]+)+$/.test(pkg)) return null;
  return pkg.split(".").reverse().join(".");
}

/**
 * The host and registrable domain of a Referer header, or null (see {@link referrerDomain}).
 * `host`, the request's Host, resolves a relative referer (`/about`, allowed by RFC 9110).
 */
export function refererSite(referer: string, host?: string): RefererSite | null {
  const ref = referer.trim();
  if (ref.length === 0 || ref === "-") return null;
  let rest: string;
  if (ref.charCodeAt(0) === 47) { // "/"
    if (ref.charCodeAt(1) !== 47 && ref.charCodeAt(1) !== 92) {
      return host === undefined ? null : siteOfRequestHost(host);
    }
    rest = ref.slice(2);
  } else {
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):[/\\]{2}/.exec(ref);
    if (m === null) return null;
    const scheme = m[1].toLowerCase();
    rest = ref.slice(m[0].length);
    if (scheme === "android-app") {
      const end = rest.search(/[/?#]/);
      const pkg = packageHost((end === -1 ? rest : rest.slice(0, end)).toLowerCase());
      return pkg === null ? null : siteOfHost(pkg);
    }
    if (scheme !== "http" && scheme !== "https") return null;
  }
  const end = rest.search(/[/\\?#]/);
  let authority = end === -1 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf("@");
  if (at !== -1) authority = authority.slice(at + 1);
  return siteOfAuthority(authority);
}

/** A URL authority's host (`Example.com:8443`) as a site; IPv6 literals and `[ip]` give null. */
function siteOfAuthority(authority: string): RefererSite | null {
  if (authority.length === 0 || authority.charCodeAt(0) === 91) return null; // "[": IPv6, [ip]
  if (authority.includes(REDACTED)) return null;
  const colon = authority.indexOf(":");
  let name = authority;
  if (colon !== -1) {
    if (!/^\d*$/.test(authority.slice(colon + 1))) return null;
    name = authority.slice(0, colon);
  }
  return siteOfHost(name.toLowerCase());
}

let lastRequestHost = "";
let lastRequestSite: RefererSite | null = null;

/** The request's Host (`www.example.com`, `Example.com:443`) as a site, one value cached. */
function siteOfRequestHost(host: string): RefererSite | null {
  if (host !== lastRequestHost) {
    lastRequestSite = siteOfAuthority(host.trim());
    lastRequestHost = host;
  }
  return lastRequestSite;
}

/**
 * The registrable domain of a Referer header (`https://www.google.co.uk/search?q=x` →
 * `google.co.uk`), or null: for `""` and `-`, for an IP address or `[ip]`, localhost, a
 * name under no public suffix, a scheme other than http(s) and android-app, and anything
 * else that is not a URL. `android-app://com.google.android.gm` gives `google.com`.
 * `host`, the request's Host, resolves a relative referer (`/about`) to the site itself.
 */
export function referrerDomain(referer: string, host?: string): string | null {
  return refererSite(referer, host)?.domain ?? null;
}

/**
 * The host name of a Referer header (`https://WWW.Google.co.uk:443/x` → `www.google.co.uk`),
 * null where {@link referrerDomain} is. More precise than the domain for
 * {@link channelOf}: `gemini.google.com` is an AI assistant, `google.com` a search engine.
 */
export function referrerHost(referer: string, host?: string): string | null {
  return refererSite(referer, host)?.host ?? null;
}

/**
 * True when the referer belongs to the same site as the request: registrable domains are
 * compared, so `blog.example.com` is internal to `www.example.com`. `refererDomain` is a
 * domain or host from {@link referrerDomain}/{@link referrerHost}; `host` is the request's
 * Host, a port allowed. A request host that is an address matches nothing.
 */
export function isInternal(refererDomain: string | null, host: string): boolean {
  if (refererDomain === null || refererDomain.length === 0) return false;
  const site = siteOfRequestHost(host);
  if (site === null) return false;
  const ref = refererDomain.toLowerCase();
  if (ref === site.domain) return true;
  return ref.endsWith(site.domain) && ref.charCodeAt(ref.length - site.domain.length - 1) === 46;
}

/** One category table: host, domain or `name.{}` → category. */
export type ReferrerTable = ReadonlyMap<string, ReferrerCategory>;

/** The table of {@link REFERRER_HOSTS}, built on first use. */
let TABLE: Map<string, ReferrerCategory> | undefined;

/** The compiled table as a map: host, domain or `name.{}` → category. */
export function referrerTable(): ReferrerTable {
  if (TABLE === undefined) {
    TABLE = new Map();
    for (const [category, hosts] of Object.entries(REFERRER_HOSTS)) {
      for (const h of hosts.split(/\s+/)) if (h !== "") TABLE.set(h, category as ReferrerCategory);
    }
  }
  return TABLE;
}

/**
 * The category of `host` in `table`: the most specific entry that is the host or a parent
 * of it, up to its registrable domain. At each level an exact entry comes first, then
 * `name.{}` (`{}` standing for any public suffix: `google.{}` is `google.de` and
 * `google.co.uk`). `images.google.de` looks up `images.google.de`, `images.google.{}`,
 * `google.de`, `google.{}`. Undefined for a name with no registrable domain.
 */
export function categoryIn(table: ReferrerTable, host: string): ReferrerCategory | undefined {
  const parts = parse(host, TLD_OPTIONS);
  const domain = parts.domain;
  if (domain === null || parts.publicSuffix === null) return undefined;
  const name = host;
  const keep = name.length - parts.publicSuffix.length; // where ".suffix" starts, plus one
  let from = 0;
  for (;;) {
    const level = from === 0 ? name : name.slice(from);
    const exact = table.get(level);
    if (exact !== undefined) return exact;
    const wild = table.get(name.slice(from, keep) + "{}");
    if (wild !== undefined) return wild;
    if (level.length <= domain.length) return undefined;
    from = name.indexOf(".", from) + 1;
  }
}

/**
 * The category of a referrer host or domain from the compiled lists ("search", "social",
 * "ai", or our own "email" hosts), or undefined when it is in none.
 */
export function referrerCategory(hostOrDomain: string): ReferrerCategory | undefined {
  return categoryIn(referrerTable(), hostOrDomain.toLowerCase());
}

/** `utm_medium` values that decide the channel, with `-`, `_`, spaces and case ignored. */
const MEDIUMS: ReadonlyMap<string, Channel> = new Map(
  Object.entries({
    email: ["email", "mail", "newsletter", "newsletters", "emailmarketing"],
    paid: [
      "cpc",
      "ppc",
      "paid",
      "paidsearch",
      "sem",
      "cpm",
      "cpv",
      "cpa",
      "cpp",
      "display",
      "banner",
      "ad",
      "ads",
      "paidsocial",
      "paidmedia",
      "retargeting",
    ],
    social: ["social", "socialnetwork", "socialmedia", "sm", "sn", "socialpost"],
    search: ["organic"],
    referral: ["referral"],
  } as Record<Channel, string[]>).flatMap(([channel, names]) =>
    names.map((n) => [n, channel as Channel] as const)
  ),
);

/** The channel a `utm_medium` value names, or undefined for one it does not. */
export function mediumChannel(utmMedium: string): Channel | undefined {
  return MEDIUMS.get(utmMedium.toLowerCase().replace(/[\s_\-.]+/g, ""));
}

/**
 * The channel of an entry (a page view whose referer is absent or another site):
 * 1. `utmMedium`, when it names one: email/e-mail/newsletter → "email"; cpc, ppc, paid,
 *    paidsearch, cpm, display, paid_social… → "paid"; social, social-network, sm →
 *    "social"; organic → "search"; referral → "referral". Other values are ignored.
 * 2. The referrer's category in the compiled lists, matching the host or domain or any
 *    parent up to the registrable domain (pass {@link referrerHost} for host-level
 *    entries such as `gemini.google.com` or `mail.google.com`).
 * 3. "direct" when there is no referrer, else "referral".
 *
 * A referrer of the site itself (see {@link isInternal}) counts as no referrer.
 */
export function channelOf(
  refererDomain: string | null,
  host: string,
  utmMedium?: string,
): Channel {
  if (utmMedium !== undefined && utmMedium !== "") {
    const byMedium = mediumChannel(utmMedium);
    if (byMedium !== undefined) return byMedium;
  }
  if (refererDomain === null || refererDomain === "" || isInternal(refererDomain, host)) {
    return "direct";
  }
  return referrerCategory(refererDomain) ?? "referral";
}

/** What a page view's Referer says of where it came from. */
export interface RefererSource {
  /** The referer's registrable domain, null when there is none (see {@link referrerDomain}). */
  domain: string | null;
  /** True when the referer is the site itself: the view is not an entry. */
  internal: boolean;
  /** The entry's channel; null for an internal referer. */
  channel: Channel | null;
}

/**
 * {@link referrerDomain}, {@link isInternal} and {@link channelOf} in one parse, with the
 * referer's host (not only its domain) looked up: `https://mail.google.com/` is "email".
 */
export function classifyReferer(referer: string, host: string, utmMedium?: string): RefererSource {
  const site = refererSite(referer, host);
  if (site !== null && isInternal(site.domain, host)) {
    return { domain: site.domain, internal: true, channel: null };
  }
  return {
    domain: site?.domain ?? null,
    internal: false,
    channel: channelOf(site?.host ?? null, host, utmMedium),
  };
}
