/**
 * The synthetic logs: deterministic per seed, every line parses with the `all` preset, and
 * the traffic is diverse enough for the audience figures (devices, browsers, bots,
 * referrer channels, campaigns, pages and assets, countries, ASNs, protocols).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import UAParser from "ua-parser-js";
import { isbot } from "isbot";
import { decodeAgent, decodeValue } from "../src/core/decode.ts";
import { fitsField, PRESETS } from "../src/core/fields.ts";
import { compileLayout, parseLine } from "../src/core/parse-line.ts";
import {
  SYNTHETIC_AGENTS,
  SYNTHETIC_FIELDS,
  syntheticLineMaker,
  toStandardLine,
} from "../src/core/synthetic.ts";

const START = Date.UTC(2024, 2, 1);
const lines = (n: number, options: Parameters<typeof syntheticLineMaker>[0] = {}) => {
  const make = syntheticLineMaker(options);
  return Array.from({ length: n }, (_, i) => make(START + i * 8_640));
};
const at = (name: string) => SYNTHETIC_FIELDS.indexOf(name);

/** 10,000 lines of seed 1, split into columns (shared by the diversity checks). */
const SAMPLE = lines(10_000).map((l) => l.split("\t"));
const column = (name: string) => SAMPLE.map((c) => c[at(name)]);
const distinct = (values: readonly string[]) => new Set(values);
const tally = (values: readonly string[]) => {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
};

test("the same seed gives the same lines; another seed other lines", () => {
  assert.deepEqual(lines(2000, { seed: 7 }), lines(2000, { seed: 7 }));
  assert.deepEqual(lines(300, { seed: 7, paths: 50 }), lines(300, { seed: 7, paths: 50 }));
  const a = lines(500, { seed: 7 });
  const b = lines(500, { seed: 8 });
  assert.ok(a.filter((l, i) => l === b[i]).length === 0);
});

test("every line has the all preset's 46 fields and parses; no field misfits its shape", () => {
  assert.equal(SYNTHETIC_FIELDS.length, 46);
  const layout = compileLayout(PRESETS.all);
  const bad = new Map<string, number>();
  for (const cols of SAMPLE) {
    assert.equal(cols.length, 46);
    const r = parseLine(cols.join("\t"), layout);
    if (typeof r === "string") bad.set(r, (bad.get(r) ?? 0) + 1);
    for (let i = 0; i < cols.length; i++) {
      assert.ok(fitsField(SYNTHETIC_FIELDS[i], cols[i]), `${SYNTHETIC_FIELDS[i]}: ${cols[i]}`);
    }
  }
  assert.deepEqual([...bad], [], "malformed lines");
  // Tiny path sets work too.
  for (const paths of [1, 2, 5]) {
    for (const l of lines(500, { paths })) assert.equal(typeof parseLine(l, layout), "object");
  }
  // Standard lines parse with the standard layout.
  const standard = compileLayout(PRESETS.standard, { standard: true });
  for (const cols of SAMPLE.slice(0, 2000)) {
    assert.equal(typeof parseLine(toStandardLine(cols.join("\t")), standard), "object");
  }
});

test("the malformed rate gives about that share of short lines, and only those", () => {
  const layout = compileLayout(PRESETS.all);
  const out = lines(10_000, { seed: 3, malformedRate: 0.05 });
  const short = out.filter((l) => l.split("\t").length === 30).length;
  const bad = out.filter((l) => typeof parseLine(l, layout) === "string").length;
  assert.equal(bad, short);
  assert.ok(short > 350 && short < 650, `${short} short lines`);
});

test("user agents: hundreds of distinct ones, every device type and bot family, humans most", () => {
  assert.ok(SYNTHETIC_AGENTS.length >= 300, `${SYNTHETIC_AGENTS.length} agents in the catalog`);
  const agents = column("cs-user-agent");
  assert.ok(distinct(agents).size >= 200, `${distinct(agents).size} distinct agents`);
  // The agents the privacy tests look for: Chrome 120, double-encoded, the empty one.
  assert.ok(agents.some((a) => a.includes("Chrome/120.0.0.0%20Safari/537.36")));
  assert.ok(agents.some((a) => a.includes("%2520")));
  assert.ok(agents.includes("-"));
  assert.ok(agents.every((a) => !a.includes(" ")), "agents are URL-encoded");

  const devices = new Map<string, number>();
  const browsers = new Set<string>();
  const systems = new Set<string>();
  let bots = 0;
  for (const logged of agents) {
    const ua = decodeAgent(logged);
    if (isbot(ua)) {
      bots++;
      continue;
    }
    const r = new UAParser(ua).getResult();
    const type = r.device.type ?? "desktop";
    devices.set(type, (devices.get(type) ?? 0) + 1);
    if (r.browser.name) browsers.add(r.browser.name);
    if (r.os.name) systems.add(r.os.name);
  }
  for (
    const type of ["desktop", "mobile", "tablet", "smarttv", "console", "wearable", "embedded"]
  ) {
    assert.ok(devices.has(type), `no ${type} agent`);
  }
  for (
    const b of ["Chrome", "Edge", "Firefox", "Safari", "Opera", "Mobile Safari", "Samsung Internet"]
  ) {
    assert.ok(browsers.has(b), `no ${b}`);
  }
  for (const os of ["Windows", "Mac OS", "Linux", "iOS", "Android"]) assert.ok(systems.has(os), os);
  assert.ok(bots > 500 && bots < 2500, `${bots} bot lines of 10,000`);
  assert.ok((devices.get("mobile") ?? 0) > 2500 && (devices.get("desktop") ?? 0) > 2500);

  const decoded = agents.map(decodeAgent);
  for (
    const family of [
      "Googlebot",
      "bingbot",
      "YandexBot",
      "Baiduspider",
      "Applebot",
      "GPTBot",
      "ClaudeBot",
      "PerplexityBot",
      "CCBot",
      "facebookexternalhit",
      "Twitterbot",
      "Slackbot",
      "UptimeRobot",
      "Pingdom",
      "Feedly",
      "curl/",
      "python-requests/",
      "Go-http-client/",
      "okhttp/",
    ]
  ) {
    const of = decoded.filter((a) => a.includes(family));
    assert.ok(of.length > 0, `no ${family}`);
    assert.ok(of.every((a) => isbot(a)), `${family} is a bot`);
  }
});

/** The channel a page request's referer and query name (as the audience figures will). */
function channel(referer: string, query: string): string {
  const medium = /(?:^|&)utm_medium=([^&]*)/i.exec(query)?.[1]?.toLowerCase();
  if (medium === "cpc" || medium === "paid_social" || medium === "display") return "paid";
  if (medium === "email" || medium === "newsletter") return "email";
  if (medium === "social") return "social";
  if (medium) return "referral";
  if (referer === "-") return "direct";
  const host = /^[a-z-]+:\/\/([^/:]+)/.exec(referer)?.[1] ?? "";
  if (host === "www.example.com") return "internal";
  if (/google|bing|duckduckgo|yahoo|yandex|baidu|ecosia|brave/.test(host)) {
    return host.startsWith("mail.") || host.startsWith("gemini.") ? "other" : "search";
  }
  if (
    /t\.co$|facebook|linkedin|lnkd|reddit|ycombinator|youtube|instagram|bsky|mastodon/.test(host)
  ) {
    return "social";
  }
  if (/chatgpt|openai|perplexity|gemini|copilot|claude|deepseek/.test(host)) return "ai";
  if (/^mail\.|outlook|proton/.test(host)) return "email";
  return "referral";
}

test("referers and campaigns: every channel, addresses to redact, utm queries in both fields", () => {
  const stems = column("cs-uri-stem");
  const queries = column("cs-uri-query");
  const referers = column("cs-referer");
  const channels = new Map<string, number>();
  for (let i = 0; i < SAMPLE.length; i++) {
    const ch = channel(referers[i], queries[i]);
    channels.set(ch, (channels.get(ch) ?? 0) + 1);
    // Real-time logs carry the query in cs-uri-stem too.
    const q = stems[i].indexOf("?");
    assert.equal(q === -1 ? "-" : stems[i].slice(q + 1), queries[i]);
  }
  for (const ch of ["direct", "internal", "search", "social", "ai", "email", "paid", "referral"]) {
    assert.ok((channels.get(ch) ?? 0) > 0, `no ${ch} referer`);
  }
  const utm = queries.filter((q) => /utm_medium=/i.test(q));
  assert.ok(utm.length > 100, `${utm.length} utm-tagged lines`);
  for (const medium of ["email", "cpc", "social", "newsletter"]) {
    assert.ok(utm.some((q) => q.includes(`utm_medium=${medium}`)), medium);
  }
  assert.ok(utm.every((q) => q.includes("utm_source=")));
  assert.ok(referers.some((r) => /^https?:\/\/\d+\.\d+\.\d+\.\d+[/:]/.test(r)), "IPv4 referers");
  assert.ok(referers.some((r) => r.startsWith("https://mail.google.com/")));
  assert.ok(referers.some((r) => r.startsWith("https://chatgpt.com/")));
  assert.ok(distinct(referers.map((r) => r.split("/")[2])).size > 40, "referrer domains");
});

test("pages and assets with matching content types; http, https and wss; TLS; HTTP versions", () => {
  const stems = column("cs-uri-stem").map((s) => s.split("?")[0]);
  const types = column("sc-content-type");
  const byExt = new Map<string, Set<string>>();
  let pages = 0;
  let assets = 0;
  for (let i = 0; i < SAMPLE.length; i++) {
    const last = stems[i].slice(stems[i].lastIndexOf("/") + 1);
    const ext = last.includes(".") ? last.slice(last.lastIndexOf(".") + 1) : "";
    const type = decodeValue(types[i]);
    if (type) (byExt.get(ext) ?? byExt.set(ext, new Set()).get(ext)!).add(type.split(";")[0]);
    const status = SAMPLE[i][at("sc-status")];
    if (status[0] !== "2" && status !== "304") continue;
    if (type.startsWith("text/html") || type === "application/xhtml+xml") pages++;
    else if (type) assets++;
  }
  assert.ok(pages > 2000 && assets > 2000, `${pages} pages, ${assets} assets`);
  const expect: Record<string, string> = {
    js: "application/javascript",
    css: "text/css",
    png: "image/png",
    jpg: "image/jpeg",
    woff2: "font/woff2",
    json: "application/json",
    svg: "image/svg+xml",
    html: "text/html",
  };
  for (const [ext, type] of Object.entries(expect)) {
    assert.ok(byExt.get(ext)?.has(type), `.${ext} as ${type}: ${[...(byExt.get(ext) ?? [])]}`);
  }
  assert.ok(types.includes("text/html;%20charset=utf-8"));
  assert.ok(types.includes("-"), "responses without a type (304s, errors)");
  // Pages without an extension, and ones ending in .html or .htm.
  assert.ok(stems.some((s) => /\/[a-z-]+-\d+$/.test(s)));
  assert.ok(stems.some((s) => s.endsWith(".htm")));

  const protocols = tally(column("cs-protocol"));
  assert.deepEqual([...protocols.keys()].sort(), ["http", "https", "wss"]);
  assert.ok(protocols.get("https")! > 8000);
  const versions = distinct(column("cs-protocol-version"));
  for (const v of ["HTTP/1.1", "HTTP/2.0", "HTTP/3.0"]) assert.ok(versions.has(v), v);
  for (const cols of SAMPLE) {
    const tls = cols[at("ssl-protocol")];
    assert.equal(tls === "-", cols[at("cs-protocol")] === "http", "TLS unless http");
    if (cols[at("cs-protocol-version")] === "HTTP/3.0") assert.equal(tls, "TLSv1.3");
  }
  assert.deepEqual([...distinct(column("ssl-protocol"))].sort(), ["-", "TLSv1.2", "TLSv1.3"]);
});

test("clients: countries, ASNs and IP versions; result types consistent with the status", () => {
  const countries = distinct(column("c-country"));
  assert.ok(countries.size >= 20, `${countries.size} countries`);
  assert.ok(countries.has("-"));
  assert.ok([...countries].every((c) => c === "-" || /^[A-Z]{2}$/.test(c)));
  assert.ok(distinct(column("asn")).size >= 30);
  assert.ok(distinct(column("x-edge-location")).size >= 20);
  let v6 = 0;
  let incomplete = 0;
  for (const cols of SAMPLE) {
    const ip = cols[at("c-ip")];
    const version = cols[at("c-ip-version")];
    assert.equal(version, ip.includes(":") ? "IPv6" : "IPv4");
    if (version === "IPv6") {
      v6++;
      assert.equal(cols[at("x-forwarded-for")], ip);
    }
    const status = cols[at("sc-status")];
    const result = cols[at("x-edge-result-type")];
    const detailed = cols[at("x-edge-detailed-result-type")];
    if (result !== "Error") {
      assert.ok(detailed === result || (result === "Miss" && detailed === "OriginShieldHit"));
    }
    if (status === "000" || status[0] === "4") assert.equal(result, "Error");
    if (status === "200" && result === "Error") {
      incomplete++;
      assert.equal(detailed, "ClientCommError");
      assert.notEqual(cols[at("x-edge-response-result-type")], "Error");
    }
    if (status === "000") assert.equal(cols[at("sc-bytes")], "0");
  }
  assert.ok(v6 > 2000 && v6 < 4000, `${v6} IPv6 clients`);
  assert.ok(incomplete > 0, "a 200 whose result type is Error (an incomplete download)");
});
