/**
 * `build-referrers`: compiles matomo-org's CC0 referrer lists (SearchEngines.yml,
 * Socials.yml, AIAssistants.yml, kept in shared/data/referrer-lists beside the clone) and
 * our own webmail hosts into src/core/referrer-lists.ts: host or domain → category, sorted,
 * with no entry the table's parent matching already gives. Only this script reads the
 * lists; the app and the tests use the committed module.
 *
 * What becomes of matomo's entry forms:
 * - `host.example.com`: kept as is (lowercase).
 * - `google.{}` (`{}` = a country code as TLD): kept; the lookup reads `{}` as any public
 *   suffix (`google.de`, `google.co.uk`).
 * - `{}.bing.com`, `images.{}.ask.com` (`{}` as a subdomain label): the part after the last
 *   `{}.` is kept (`bing.com`, `ask.com`), which parent matching extends to every subdomain.
 * - Android package names (`com.reddit.frontpage`, `android-app//com.google.…/https/…`):
 *   reversed into the host our parser gives `android-app://` referers
 *   (`frontpage.reddit.com`). A part of one (`linkedin.android`) is skipped: the reversed
 *   package (`android.linkedin.com`) falls under its domain anyway.
 * - `host/path` entries: skipped, as paths are not looked at. Where the host is listed on
 *   its own with the same category, nothing is lost; the others are named in the output.
 * - A name with no registrable domain under the ICANN public suffixes: skipped, named.
 * - One name in two lists: AI assistant over social over search; ours (email) over all.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { parse as parseHost } from "tldts";
import { parse as parseYaml } from "yaml";
import { categoryIn, type ReferrerCategory } from "../src/core/referrers.ts";
import { fail, parseFlags } from "./_cli.ts";

/**
 * Ours, not matomo's: webmail hosts of the usual providers, and their Android mail apps
 * as `android-app://` package names reversed (`com.google.android.gm` →
 * `gm.android.google.com`). Host level on purpose: `google.com` stays a search engine.
 */
export const EMAIL_HOSTS: readonly string[] = [
  "mail.google.com",
  "inbox.google.com",
  "gm.android.google.com", // Gmail for Android
  "outlook.live.com",
  "outlook.office.com",
  "outlook.office365.com",
  "outlook.office.microsoft.com", // Outlook for Android
  "mail.live.com",
  "mail.yahoo.com",
  "mail.yahoo.co.jp",
  "mail.android.client.mobile.yahoo.com", // Yahoo Mail for Android
  "mail.aol.com",
  "mail.proton.me",
  "mail.protonmail.com",
  "app.fastmail.com",
  "www.fastmail.com",
  "mail.zoho.com",
  "mail.zoho.eu",
  "mail.tutanota.com",
  "app.tuta.com",
  "navigator.gmx.net",
  "navigator.gmx.com",
  "navigator.web.de",
  "email.t-online.de",
  "webmail.free.fr",
  "webmail.orange.fr",
  "mail.orange.fr",
  "mail.libero.it",
  "mail.yandex.ru",
  "mail.yandex.com",
  "e.mail.ru",
  "mail.qq.com",
  "wx.mail.qq.com",
  "mail.163.com",
  "mail.126.com",
  "mail.naver.com",
  "mail.daum.net",
  "mail.rediff.com",
  "mail.seznam.cz",
  "poczta.onet.pl",
  "poczta.wp.pl",
];

const PRIORITY: Record<ReferrerCategory, number> = { search: 0, social: 1, ai: 2, email: 3 };
const CATEGORIES: readonly ReferrerCategory[] = ["search", "social", "ai", "email"];

/** What was left out of the lists, and why, for the module's header. */
export interface Skipped {
  entry: string;
  category: ReferrerCategory;
  reason: string;
}

/** The lists' raw entries: [category, entry] in file order. */
export function listEntries(dir: string): [ReferrerCategory, string][] {
  const read = (name: string) => parseYaml(readFileSync(`${dir}/${name}`, "utf8"));
  const out: [ReferrerCategory, string][] = [];
  const engines = read("SearchEngines.yml") as Record<string, { urls?: unknown[] }[]>;
  for (const configs of Object.values(engines)) {
    for (const config of configs) {
      for (const url of config.urls ?? []) out.push(["search", String(url)]);
    }
  }
  for (const [file, category] of [["Socials.yml", "social"], ["AIAssistants.yml", "ai"]] as const) {
    for (const hosts of Object.values(read(file) as Record<string, unknown[]>)) {
      for (const host of hosts) out.push([category, String(host)]);
    }
  }
  return out;
}

/** First labels of Android package names that the lists hold. */
const PACKAGE_ROOTS = new Set(["com", "org", "net"]);

/** True when `name` has a registrable domain under an ICANN public suffix. */
function isPublicName(name: string): boolean {
  const p = parseHost(name.replace(/\{\}$/, "com"), { extractHostname: false });
  return p.domain !== null && p.isIcann === true && !p.isIp;
}

/** One entry as a table key, or the reason it is skipped. */
function keyOf(entry: string): { key: string } | { reason: string } {
  let e = entry.trim().toLowerCase();
  const app = /^android-app:?\/\/([^/]+)/.exec(e);
  if (app !== null) e = app[1];
  if (e.includes("/")) return { reason: "path" };
  const last = e.lastIndexOf("{}.");
  if (last !== -1) e = e.slice(last + 3);
  if (!/^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*(?:\.\{\})?$/.test(e)) return { reason: "not a host name" };
  // An Android package name is a domain backwards: `com.reddit.frontpage`, and
  // `com.snapchat.android` too, although `.android` is a top-level domain.
  const labels = e.split(".");
  const reversed = [...labels].reverse().join(".");
  const isPackage = app !== null || (!isPublicName(e) && isPublicName(reversed)) ||
    (PACKAGE_ROOTS.has(labels[0]) && labels.length > 2 && isPublicName(reversed));
  if (isPackage) e = reversed;
  else if (labels.at(-1) === "android") return { reason: "part of an Android package name" };
  if (!isPublicName(e)) return { reason: "no registrable domain" };
  return { key: e };
}

/** Labels of a key, most significant first, for sorting: `www.google.{}` → `{} google www`. */
const sortKey = (k: string) => k.split(".").reverse().join(" ");

/** The table compiled from `entries` and {@link EMAIL_HOSTS}, and what was skipped. */
export function compile(entries: [ReferrerCategory, string][]): {
  table: Map<string, ReferrerCategory>;
  skipped: Skipped[];
} {
  const all = new Map<string, ReferrerCategory>();
  const skipped: Skipped[] = [];
  const paths: [ReferrerCategory, string][] = [];
  const add = (category: ReferrerCategory, key: string) => {
    const had = all.get(key);
    if (had !== undefined && had !== category) {
      const [weak, strong] = PRIORITY[category] > PRIORITY[had] ? [had, category] : [category, had];
      skipped.push({ entry: key, category: weak, reason: `also ${strong}, which is kept` });
    }
    if (had === undefined || PRIORITY[category] > PRIORITY[had]) all.set(key, category);
  };
  for (const [category, entry] of entries) {
    const k = keyOf(entry);
    if ("key" in k) add(category, k.key);
    else if (k.reason === "path") paths.push([category, entry]);
    else skipped.push({ entry, category, reason: k.reason });
  }
  for (const host of EMAIL_HOSTS) add("email", host);
  // A path entry loses nothing when its host alone gets the same category.
  for (const [category, entry] of paths) {
    const host = keyOf(entry.split("/")[0]);
    const got = "key" in host ? categoryIn(all, host.key.replace(/\{\}$/, "com")) : undefined;
    if (got !== category) {
      const reason = got === undefined
        ? "path (its host is in no list)"
        : `path (its host is ${got})`;
      skipped.push({ entry, category, reason });
    }
  }
  // A more specific entry of a weaker list gives way: www.facebook.com is in the search
  // engines, facebook.com in the socials, and a link from www.facebook.com is social.
  for (const [key, category] of [...all]) {
    for (const parent of lookupOrder(key.replace(/\{\}$/, SPARE_SUFFIX)).slice(1)) {
      const over = all.get(parent);
      if (over !== undefined && PRIORITY[over] > PRIORITY[category]) {
        all.delete(key);
        skipped.push({ entry: key, category, reason: `under ${over} ${parent}` });
        break;
      }
    }
  }
  // Drop what parent matching gives anyway, most specific first, so a dropped entry's
  // lookups fall to a parent of the same category.
  const table = new Map(all);
  const keys = [...table.keys()].sort((a, b) =>
    b.split(".").length - a.split(".").length || (a < b ? -1 : 1)
  );
  for (const key of keys) {
    const category = table.get(key)!;
    table.delete(key);
    if (categoryIn(table, key.replace(/\{\}$/, SPARE_SUFFIX)) !== category) {
      table.set(key, category);
    }
  }
  verify(all, table);
  skipped.sort((a, b) => (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0));
  return { table, skipped };
}

/** The keys `categoryIn` tries for `name`, in its order (`{}` standing for the suffix). */
function lookupOrder(name: string): string[] {
  const p = parseHost(name, { extractHostname: false });
  if (p.domain === null || p.publicSuffix === null) return [];
  const keep = name.length - p.publicSuffix.length;
  const out: string[] = [];
  for (let from = 0;; from = name.indexOf(".", from) + 1) {
    out.push(name.slice(from), name.slice(from, keep) + "{}");
    if (name.length - from <= p.domain.length) return out;
  }
}

/**
 * A public suffix no entry names, standing for "any other suffix" when a `name.{}` entry is
 * looked up.
 */
const SPARE_SUFFIX = "museum";

/**
 * Throws unless `compact` gives every name `full` lists the category `full` gives it: each
 * entry, with `{}` read as every suffix an entry names and as one none does.
 */
function verify(full: Map<string, ReferrerCategory>, compact: Map<string, ReferrerCategory>) {
  const suffixes = new Set([SPARE_SUFFIX]);
  for (const key of full.keys()) {
    if (key.endsWith(`.${SPARE_SUFFIX}`)) throw new Error(`an entry is under .${SPARE_SUFFIX}`);
    const suffix = parseHost(key, { extractHostname: false }).publicSuffix;
    if (!key.endsWith("{}") && suffix !== null) suffixes.add(suffix);
  }
  for (const key of full.keys()) {
    const names = key.endsWith("{}") ? [...suffixes].map((s) => key.slice(0, -2) + s) : [key];
    for (const name of names) {
      const want = categoryIn(full, name);
      const got = categoryIn(compact, name);
      if (want !== got) throw new Error(`compacting changed ${name}: ${want} → ${got}`);
    }
  }
}

/** `hosts` as lines of at most `width` characters. */
function wrap(hosts: string[], width = 96): string {
  const lines: string[] = [];
  let line = "";
  for (const h of hosts) {
    if (line !== "" && line.length + 1 + h.length > width) {
      lines.push(line);
      line = h;
    } else line = line === "" ? h : `${line} ${h}`;
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}

/** The upstream commit named in the lists' SOURCES.md. */
export function sourceCommit(dir: string): string {
  const m = /commit\s+([0-9a-f]{40})/.exec(readFileSync(`${dir}/SOURCES.md`, "utf8"));
  if (m === null) throw new Error(`${dir}/SOURCES.md names no commit`);
  return m[1];
}

/** The generated module's text. */
export function listsModule(dir: string): string {
  const commit = sourceCommit(dir);
  const { table, skipped } = compile(listEntries(dir));
  const by = (c: ReferrerCategory) =>
    [...table].filter(([, v]) => v === c).map(([k]) => k).sort((a, b) => {
      const x = sortKey(a);
      const y = sortKey(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  const skippedLines = skipped.map((s) => `//   ${s.entry} (${s.category}): ${s.reason}`);
  const body = CATEGORIES.map((c) => {
    const note = c === "email"
      ? "  // Ours, not matomo's: webmail hosts and mail apps (scripts/build-referrers.ts).\n"
      : "";
    return `${note}  ${c}: \`\n${wrap(by(c))}\n\`,`;
  }).join("\n");
  return `// Generated by scripts/build-referrers.ts: do not edit, run \`npx tsx scripts/build-referrers.ts\`.
// From matomo-org/searchengine-and-social-list (CC0 1.0 Universal, public domain) at commit
// ${commit}: SearchEngines.yml, Socials.yml and
// AIAssistants.yml; "email" is ours. See referrer-lists.SOURCES.md.
// Skipped from the lists:
${skippedLines.join("\n")}

/** What a referrer is, by its host. */
export type ReferrerCategory = "search" | "social" | "ai" | "email";

/** Where the lists come from. */
export const REFERRER_LISTS_SOURCE = {
  repository: "https://github.com/matomo-org/searchengine-and-social-list",
  commit: "${commit}",
  license: "CC0-1.0",
} as const;

/**
 * Hosts and registrable domains by category, separated by white space, sorted by their
 * labels from the right. An entry covers its subdomains; \`name.{}\` stands for \`name\` under
 * any public suffix. Entries that a parent of the same category covers are left out.
 */
export const REFERRER_HOSTS: Readonly<Record<ReferrerCategory, string>> = {
${body}
};
`;
}

{
  const flags = parseFlags(
    {
      check: { type: "boolean" },
      lists: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    `
Usage: build-referrers [--check] [--lists <dir>]

Writes src/core/referrer-lists.ts from matomo's SearchEngines.yml, Socials.yml and
AIAssistants.yml and our own webmail hosts.
  --lists <dir>   the lists (default: shared/data/referrer-lists beside the clone)
                                                        [CLOUDFRONT_LETS_REFERRER_LISTS]
  --check         write nothing; exit 1 when the committed file is not what the lists give`,
  );
  const dir = flags.lists ?? process.env.CLOUDFRONT_LETS_REFERRER_LISTS ??
    new URL("../../shared/data/referrer-lists", import.meta.url).pathname;
  if (!existsSync(`${dir}/SearchEngines.yml`)) fail(`no referrer lists in ${dir}`, 2);
  const target = new URL("../src/core/referrer-lists.ts", import.meta.url);
  const text = listsModule(dir);
  if (flags.check) {
    const current = existsSync(target) ? readFileSync(target, "utf8") : "";
    if (current !== text) {
      fail("src/core/referrer-lists.ts is out of date: run npx tsx scripts/build-referrers.ts");
    }
    console.log("src/core/referrer-lists.ts is up to date");
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${target.pathname} (${text.length} bytes)`);
  }
}
