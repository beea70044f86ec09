/**
 * The catalogue's figures against an independent recount from the input lines (issue 12):
 * the test reads the generated logs itself, applies the README's definitions with the
 * libraries directly (ua-parser-js, isbot, tldts), and compares with what the pipeline
 * wrote at 30min, daily and monthly. Exact figures must be equal; top lists must hold
 * every true count within their error bound.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { isbot } from "isbot";
import { getDomain, getHostname } from "tldts";
import { mediumChannel, referrerCategory } from "../src/core/referrers.ts";
import { UAParser } from "ua-parser-js";
import { createApp } from "../src/api/app.ts";
import { accumulateEntry, windowAccumulator, windowState } from "../src/core/consolidate.ts";
import { DIMENSION_BY_NAME, DIMENSION_NAMES } from "../src/core/dimensions.ts";
import { PRESETS } from "../src/core/fields.ts";
import { parseRawEntry } from "../src/core/raw-entry.ts";
import { NUMBER_COLUMNS } from "../src/core/record.ts";
import { HLL_STANDARD_ERROR } from "../src/core/sketches/hll.ts";
import { ROW_TEXT } from "../src/core/row.ts";
import { mergeStates, renderAggregate } from "../src/core/summary.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { memoryStore } from "../src/store/memory.ts";
import { logLines, readDoc, tempDir } from "./_helpers.ts";

const F = Object.fromEntries(PRESETS.all.map((f, i) => [f, i]));

const decode = (s: string) => {
  if (s === "-") return "";
  let d = decodeURIComponent(s);
  if (/%[0-9A-Fa-f]{2}/.test(d)) d = decodeURIComponent(d);
  return d;
};

/** The value of a utm_* parameter of a logged query, as README says it is kept. */
function utmOf(query: string, name: string): string | null {
  for (const part of query === "-" ? [] : query.split("&")) {
    const [k, ...v] = part.split("=");
    if (k === name && v.length > 0) return decode(v.join("=").replaceAll("+", " ")).trim() || null;
  }
  return null;
}

const DESKTOPS = ["Windows", "Mac OS", "Linux", "Ubuntu", "Chromium OS"];
const withMajor = (name?: string, version?: string) =>
  name === undefined ? null : version ? `${name} ${version.split(".")[0]}` : name;

/** What the test knows of one line, from the line alone. */
function factsOf(c: string[]) {
  const agent = decode(c[F["cs-user-agent"]]);
  const bot = agent !== "" && isbot(agent);
  const r = new UAParser(agent).getResult();
  const status = c[F["sc-status"]];
  const type = decode(c[F["sc-content-type"]]).split(";")[0].trim().toLowerCase();
  const path = decode(c[F["cs-uri-stem"]].split("?")[0]);
  const last = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  const pageLike = !last.includes(".") || last.endsWith(".html") || last.endsWith(".htm");
  const pv = !bot && c[F["cs-method"]] === "GET" && (status[0] === "2" || status === "304") &&
    (type === "" ? pageLike : type === "text/html" || type === "application/xhtml+xml");
  // An Android app's referer names its package, a domain backwards (README, Referrers).
  const logged = decode(c[F["cs-referer"]]);
  const app = /^android-app:\/\/([^/]+)/.exec(logged);
  const referer = app ? `https://${app[1].split(".").reverse().join(".")}/` : logged;
  const refHost = referer === "" ? null : (getHostname(referer) ?? null);
  const domain = referer === "" ? null : getDomain(referer);
  const entry = pv && (domain === null || domain !== getDomain(c[F["cs-host"]]));
  const query = c[F["cs-uri-query"]];
  const medium = utmOf(query, "utm_medium");
  const byMedium = medium === null ? undefined : mediumChannel(medium);
  const channel = byMedium ??
    (domain === null ? "direct" : (refHost && referrerCategory(refHost)) ?? "referral");
  const human = !bot && agent !== "";
  return {
    bot,
    pv,
    entry,
    status,
    path,
    bytes: Number(c[F["sc-bytes"]]),
    result: c[F["x-edge-result-type"]],
    keys: {
      devices: agent === ""
        ? "empty"
        : bot
        ? "bot"
        : r.device.type ?? (DESKTOPS.includes(r.os.name ?? "") ? "desktop" : "unknown"),
      browsers: human ? r.browser.name ?? null : null,
      browser_versions: human ? withMajor(r.browser.name, r.browser.version) : null,
      os: human ? r.os.name ?? null : null,
      os_versions: human ? withMajor(r.os.name, r.os.version) : null,
      countries: c[F["c-country"]],
      protocols: c[F["cs-protocol"]],
      http_versions: c[F["cs-protocol-version"]],
      tls_versions: c[F["ssl-protocol"]],
      ip_versions: c[F["c-ip-version"]],
      detailed_result_types: c[F["x-edge-detailed-result-type"]],
      asns: c[F["asn"]],
      content_types: type || "-",
      top_pages: pv ? path : null,
      entry_pages: entry ? path : null,
      not_found_paths: status === "404" ? path : null,
      error_paths: status[0] === "5" ? path : null,
      referrer_domains: entry ? domain : null,
      channels: entry ? channel : null,
      utm_sources: entry ? utmOf(query, "utm_source") : null,
      utm_mediums: entry ? medium : null,
      utm_campaigns: entry ? utmOf(query, "utm_campaign") : null,
    } as Record<string, string | null>,
  };
}

/** What each figure counts per key, by name (DESIGN §4). */
const MEASURES: Record<string, readonly ("requests" | "bytes" | "page_views" | "entries")[]> = {
  devices: ["requests", "page_views"],
  browsers: ["requests"],
  browser_versions: ["requests"],
  os: ["requests"],
  os_versions: ["requests"],
  countries: ["requests", "bytes", "page_views"],
  protocols: ["requests", "bytes"],
  http_versions: ["requests"],
  tls_versions: ["requests"],
  ip_versions: ["requests"],
  detailed_result_types: ["requests"],
  asns: ["requests", "bytes"],
  content_types: ["requests", "bytes"],
  top_pages: ["page_views", "entries"],
  entry_pages: ["entries"],
  not_found_paths: ["requests"],
  error_paths: ["requests"],
  referrer_domains: ["entries"],
  channels: ["entries"],
  utm_sources: ["entries"],
  utm_mediums: ["entries"],
  utm_campaigns: ["entries"],
};

/** The README's definitions, applied line by line. */
function recount(lines: string[][]) {
  const tally = {
    requests: 0,
    page_views: 0,
    entries: 0,
    bots: 0,
    bytes_in: 0,
    bytes_from_misses: 0,
    incomplete_downloads: 0,
    /** Per figure, key → [measures]. */
    by: Object.fromEntries(Object.keys(MEASURES).map((k) => [k, {}])) as Record<
      string,
      Record<string, Record<string, number>>
    >,
    /** Per path, what top_paths counts. */
    paths: {} as Record<string, Record<string, number>>,
  };
  for (const c of lines) {
    const f = factsOf(c);
    tally.requests++;
    if (f.bot) tally.bots++;
    if (f.pv) tally.page_views++;
    if (f.entry) tally.entries++;
    tally.bytes_in += Number(c[F["cs-bytes"]]);
    if (f.result === "Miss") tally.bytes_from_misses += f.bytes;
    const incomplete = f.status === "200" && f.result === "Error";
    if (incomplete) tally.incomplete_downloads++;
    const line = {
      requests: 1,
      bytes: f.bytes,
      page_views: f.pv ? 1 : 0,
      entries: f.entry ? 1 : 0,
    };
    for (const [name, measures] of Object.entries(MEASURES)) {
      const key = f.keys[name];
      if (key === null) continue;
      const into = tally.by[name][key === "" ? "-" : key] ??= {};
      for (const m of measures) into[m] = (into[m] ?? 0) + line[m];
    }
    const p = tally.paths[f.path] ??= {};
    const add = (k: string, n: number) => (p[k] = (p[k] ?? 0) + n);
    add("requests", 1);
    add("bytes", f.bytes);
    add("hits", f.result === "Hit" || f.result === "RefreshHit" ? 1 : 0);
    add("misses", f.result === "Miss" ? 1 : 0);
    add("bytes_from_misses", f.result === "Miss" ? f.bytes : 0);
    add(`${f.status[0]}xx`, 1);
    add("incomplete_downloads", incomplete ? 1 : 0);
  }
  return tally;
}

/** Checks every catalogue figure of `doc` against the recount of its lines. */
function checkFigures(doc: Record<string, unknown>, want: ReturnType<typeof recount>, at: string) {
  assert.equal(doc.requests, want.requests, `${at} requests`);
  for (const k of ["page_views", "entries", "bots"] as const) {
    assert.equal(doc[k], want[k], `${at} ${k}`);
  }
  for (const k of ["bytes_in", "bytes_from_misses", "incomplete_downloads"] as const) {
    assert.equal(doc[k], want[k], `${at} ${k}`);
  }
  for (const [name, measures] of Object.entries(MEASURES)) {
    const truth = want.by[name];
    const figure = doc[name];
    if (!Array.isArray(figure)) {
      // An exact map: every key, every measure, equal (a single measure is a number).
      const got = figure as Record<string, number | Record<string, number>>;
      const asCounts = (v: number | Record<string, number>) =>
        typeof v === "number" ? { [measures[0]]: v } : v;
      assert.deepEqual(
        Object.fromEntries(Object.keys(got).sort().map((k) => [k, asCounts(got[k])])),
        Object.fromEntries(Object.keys(truth).sort().map((k) => [k, truth[k]])),
        `${at} ${name}`,
      );
      continue;
    }
    // A top list: every row's true count within [count, count + error], the rest exact.
    const rows = figure as Array<Record<string, string | number>>;
    const label = "path" in (rows[0] ?? {}) ? "path" : "name";
    for (const row of rows) {
      const t = truth[row[label] as string] ?? {};
      const err = row.error as number;
      const [rank, ...rest] = measures;
      const n = row[rank] as number;
      assert.ok(
        n <= (t[rank] ?? 0) && (t[rank] ?? 0) <= n + err,
        `${at} ${name} ${row[label]}: ${n}+${err} vs ${t[rank]}`,
      );
      if (err === 0) {
        for (const m of rest) assert.equal(row[m], t[m] ?? 0, `${at} ${name} ${m}`);
      }
    }
    // And the true leader is listed (the lists hold far more candidates than the data has).
    const leader = Object.entries(truth).sort((a, b) => b[1][measures[0]] - a[1][measures[0]])[0];
    if (leader) {
      assert.ok(rows.some((r) => r[label] === leader[0]), `${at} ${name} lists ${leader[0]}`);
    }
  }
  for (const row of doc.top_paths as Array<Record<string, unknown>>) {
    const t = want.paths[row.path as string];
    assert.equal(row.requests, t.requests, `${at} top_paths ${row.path}`);
    for (const k of ["bytes", "hits", "misses", "bytes_from_misses", "incomplete_downloads"]) {
      assert.equal(row[k], t[k], `${at} top_paths ${row.path} ${k}`);
    }
    for (const [cls, n] of Object.entries(row.status_classes as Record<string, number>)) {
      assert.equal(n, t[cls] ?? 0, `${at} top_paths ${row.path} ${cls}`);
    }
  }
}

test("audience figures equal an independent recount at 30min, daily and monthly", async () => {
  const q = tempDir("audience-q");
  try {
    await generateLogs({
      dir: q.dir,
      lines: 8000,
      days: 2,
      start: Date.parse("2024-03-01T00:00:00Z"),
      objects: 16,
      seed: 11,
    });
    const store = memoryStore();
    await runPipeline(makeContext({
      source: localSource(q.dir),
      store,
      now: Date.parse("2024-03-05T00:00:00Z"),
      parse: { format: "realtime", fields: PRESETS.all },
    }));
    const all = logLines(q.dir);
    const day1 = all.filter((c) => Number(c[F.timestamp]) < Date.parse("2024-03-02") / 1000);
    const w = Date.parse("2024-03-01T10:00:00Z") / 1000;
    const window = all.filter((c) =>
      Number(c[F.timestamp]) >= w && Number(c[F.timestamp]) < w + 1800
    );
    const whole = recount(all);
    assert.ok(whole.page_views > 0 && whole.entries > 0 && whole.bots > 0, "the data has all");
    for (const name of ["utm_sources", "channels", "not_found_paths", "error_paths", "asns"]) {
      assert.ok(Object.keys(whole.by[name]).length > 1, `the data has ${name}`);
    }
    assert.ok(whole.incomplete_downloads > 0 && whole.bytes_from_misses > 0, "and AWS's extras");
    for (
      const [period, key, lines] of [
        ["monthly", "2024-03", all],
        ["daily", "2024-03-01", day1],
        ["30min", "2024-03-01-1000", window],
      ] as const
    ) {
      const doc = await readDoc(store, period, key) as unknown as Record<string, unknown>;
      checkFigures(doc, recount(lines), period);
    }
    // No figure stores an address: a referer with an address host names no domain.
    const month = await readDoc(store, "monthly", "2024-03") as unknown as Record<string, unknown>;
    for (const row of month.referrer_domains as Array<{ name: string }>) {
      assert.doesNotMatch(row.name, /^\d+\.\d+\.\d+\.\d+$|\[ip\]|:/);
    }
  } finally {
    q.cleanup();
  }
});

test("a dimension whose field is not logged is null; the breakdown route serves every dimension", async () => {
  const q = tempDir("audience-nl");
  try {
    await generateLogs({
      dir: q.dir,
      lines: 500,
      days: 0.5,
      start: Date.parse("2024-03-01T00:00:00Z"),
      objects: 2,
      seed: 3,
    });
    // The same lines as an object whose field list lacks cs-user-agent and c-country.
    const lacking = PRESETS.all.filter((f) => f !== "cs-user-agent" && f !== "c-country");
    const nl = tempDir("audience-nl-q");
    mkdirSync(`${nl.dir}/2024/03/01/00`, { recursive: true });
    writeFileSync(
      `${nl.dir}/2024/03/01/00/x.log`,
      logLines(q.dir).map((c) => lacking.map((f) => c[F[f]]).join("\t")).join("\n") + "\n",
    );
    const partial = memoryStore();
    await runPipeline(makeContext({
      source: localSource(nl.dir),
      store: partial,
      now: Date.parse("2024-03-05T00:00:00Z"),
      parse: { format: "realtime", fields: lacking },
    }));
    nl.cleanup();
    const day = await readDoc(partial, "daily", "2024-03-01") as unknown as Record<string, unknown>;
    for (const k of ["devices", "browsers", "bot_names", "countries", "bots"]) {
      assert.equal(day[k], null, `${k} is null when its field is not logged`);
    }
    assert.notEqual(day.referrer_domains, null);
    assert.equal(typeof day.page_views, "number");
    const store2 = memoryStore();
    await runPipeline(makeContext({
      source: localSource(q.dir),
      store: store2,
      now: Date.parse("2024-03-05T00:00:00Z"),
      parse: { format: "realtime", fields: PRESETS.all },
    }));
    const app = createApp({ store: store2, apiKeys: ["audience-key-0123456789"] });
    const get = async (path: string) => {
      const res = await app.request(path, { headers: { "x-api-key": "audience-key-0123456789" } });
      return { status: res.status, body: await res.json() };
    };
    const openapi = await get("/api/sa/openapi.json");
    const text = JSON.stringify(openapi.body);
    for (const name of ["devices", "browsers", "referrer_domains", "channels", "top_pages"]) {
      assert.ok(text.includes(`"${name}"`), `OpenAPI lists ${name}`);
      const b = await get(
        `/api/sa/traffic/breakdown?dimension=${name}&period=daily&from=2024-03-01&to=2024-03-02`,
      );
      assert.equal(b.status, 200, JSON.stringify(b.body));
      assert.equal(b.body.dimension, name);
      assert.equal(b.body.logged, true);
      assert.ok(b.body.rows.length > 0, name);
    }
    const bad = await get("/api/sa/traffic/breakdown?dimension=sessions");
    assert.equal(bad.status, 400);
    const summary = await get("/api/sa/traffic/summary?period=daily&from=2024-03-01&to=2024-03-02");
    assert.ok(summary.body.summary.page_views > 0);
    assert.ok(summary.body.summary.entries > 0);
    assert.equal(typeof summary.body.summary.bots, "number");
  } finally {
    q.cleanup();
  }
});

test("a monthly data.json stays under 1 MB with every dimension at high cardinality", () => {
  // 620,000 distinct paths, 50,000 distinct agents (half of them bots of 20,000 names),
  // 20,000 referrer domains, utm values, ASNs and content types by the thousand: each
  // day has its own slice of every vocabulary, so the month has all of it. Per column,
  // the value of record i of day d.
  const DAY = 20_000;
  const page = (n: number) => n % 3 !== 0;
  const agentOf = (d: number, i: number) => (d * 1613 + (i % 1613)) % 50_000;
  const refOf = (d: number, i: number) => (d * 646 + (i % 646)) % 20_000;
  const text: Record<string, (d: number, i: number, n: number) => string> = {
    status: (_d, _i, n) => (page(n) ? "200" : ["404", "503", "200"][Math.floor(n / 3) % 3]),
    method: () => "GET",
    protocol: () => "https",
    protocol_version: () => "HTTP/2.0",
    host: () => "www.example.com",
    path: (d, i) => `/unique/${d}/${i}/${"x".repeat(40)}`,
    edge_location: () => "LHR62-C5",
    result_type: (_d, _i, n) => ["Hit", "Miss", "Error"][n % 3],
    response_result_type: () => "Hit",
    content_type: (_d, _i, n) => (page(n) ? "text/html" : `application/x-${n % 5000}`),
    country: () => "GB",
    user_agent: (d, i) => {
      const a = agentOf(d, i);
      return a % 2 === 0
        ? `Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/${
          100 + (a % 40)
        }.0.${a}.1 Safari/537.36`
        : `crawler${a % 20_000}bot/1.${a} (+https://bots${a % 20_000}.example.net/)`;
    },
    referer: (d, i) => `https://www.site${refOf(d, i)}.example.org/from/${refOf(d, i)}`,
    asn: (d, i) => String(1 + refOf(d, i)),
    tls_version: () => "TLSv1.3",
    ip_version: () => "IPv4",
    detailed_result_type: () => "Hit",
    utm: (d, i) => {
      const r = refOf(d, i);
      return `source${r}\tmedium${r % 300}\tcampaign-${r}`;
    },
  };
  const numbers: Record<string, (n: number) => number> = {
    timestamp: () => Date.parse("2024-03-01T00:00:00Z"),
    bytes: (n) => 1000 + (n % 997),
    time_taken_ms: () => 12,
    ttfb_ms: () => 1,
    bytes_in: () => 300,
  };
  assert.deepEqual(Object.keys(text).sort(), [...ROW_TEXT].sort(), "every text column");
  assert.deepEqual(Object.keys(numbers).sort(), [...NUMBER_COLUMNS].sort(), "every number");
  // Each day one stored raw part, written column by column as the raw format stores it.
  const part = (d: number) => {
    const column = (value: (d: number, i: number, n: number) => string) => {
      const ids = new Map<string, number>();
      const index = new Array<number>(DAY);
      for (let i = 0; i < DAY; i++) {
        const x = value(d, i, d * DAY + i);
        let id = ids.get(x);
        if (id === undefined) ids.set(x, id = ids.size);
        index[i] = id;
      }
      return { dict: [...ids.keys()], index };
    };
    return parseRawEntry({
      version: 3,
      source: { key: `k${d}`, hash: "h" },
      window: "w",
      part: 0,
      count: DAY,
      numbers: Object.fromEntries(
        Object.entries(numbers).map((
          [c, f],
        ) => [c, Array.from({ length: DAY }, (_, i) => f(d * DAY + i))]),
      ),
      text: Object.fromEntries(Object.entries(text).map(([c, f]) => [c, column(f)])),
    });
  };
  const days = [];
  for (let d = 0; d < 31; d++) {
    const acc = windowAccumulator();
    accumulateEntry(acc, part(d));
    days.push(windowState(acc));
  }
  const doc = renderAggregate("monthly", "2024-03", mergeStates(days));
  const size = new TextEncoder().encode(JSON.stringify(doc)).length;
  assert.ok(size < 1_000_000, `monthly data.json is ${size} bytes`);
  assert.equal(doc.requests, 620_000);
  assert.ok(
    Math.abs(doc.unique_paths - 620_000) / 620_000 < 4 * HLL_STANDARD_ERROR,
    String(doc.unique_paths),
  );
  const figures = doc as unknown as Record<string, unknown>;
  for (const name of DIMENSION_NAMES) {
    const d = DIMENSION_BY_NAME.get(name)!;
    const figure = figures[name];
    if (d.kind === "top") {
      const rows = figure as unknown[];
      assert.ok(rows.length > 0 && rows.length <= d.shown, `${name}: ${rows.length} rows`);
    } else assert.ok(Object.keys(figure as object).length <= d.bound + 1, name);
  }
  // Lists this wide cannot be exact: their rows say by how much they may be short.
  const campaigns = figures.utm_campaigns as Array<{ error: number }>;
  assert.ok(campaigns.some((r) => r.error > 0), "merged long-tail lists carry an error bound");
});
