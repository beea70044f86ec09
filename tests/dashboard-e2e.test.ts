/**
 * The dashboard in a real browser: the `serve` script runs as a child process on
 * 127.0.0.1 (Deno.serve under Deno, node:http under Node), Debian's chromium opens the
 * page through playwright-core, the key is typed in, and every figure shown is checked
 * against the JSON the API sent the page for the range the test expects: the KPIs and
 * their change against the previous range, the chart, the panel of every dimension the
 * OpenAPI document's catalogue names (each tab opened), and the traffic tables. Paths
 * logged as `/<script>alert(1)</script>` must show as text, under the strict CSP. A
 * 390-pixel phone must not scroll sideways. Screenshots (desktop, and a 390×844 phone,
 * each of the whole page) are saved in .test-tmp/.
 *
 * The data set is one queue: the fixture queue (with its truncated gzip, which keeps its
 * windows partial), two days of synthetic traffic (bots, referrers, 404s, countries...),
 * an object of hostile and very long paths, and an hour of standard logs on an earlier
 * day, which have no c-country: a range of only that hour shows "not logged".
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "fflate";
import type { Browser, Page, Response } from "playwright-core";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { scriptCommand } from "./_run-script.ts";
import { tempDir } from "./_helpers.ts";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const QUEUE = join(ROOT, "fixtures/queue");
const KEY = "e2e-key-0123456789abcdef";
const XSS = "/<script>alert(1)</script>";
const LONG = `/docs/${"a-rather-long-segment-name/".repeat(10)}index.html`;
const runtime = "Deno" in globalThis ? "deno" : "node";

// CI installs chromium; elsewhere the test says plainly why it did not run.
const skip = !existsSync(CHROMIUM) && !process.env.CI
  ? `${CHROMIUM} is not installed (apt-get install chromium)`
  : false;

const work = tempDir("e2e");
let server: ChildProcess | undefined;
let url = "";

/** Starts `serve` and resolves with the URL it prints. */
function serve(store: string, source: string): Promise<string> {
  const [cmd, args] = scriptCommand("serve", [
    "--store",
    store,
    "--source",
    source,
    "--port",
    "0",
    "--json",
  ]);
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, CLOUDFRONT_LETS_API_KEY: KEY, NO_COLOR: "1" },
  });
  server = child;
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line).url);
    });
    child.stderr!.on("data", (d) => (err += d));
    child.on("close", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

/**
 * An object of paths that must reach the page as text, and one too long for a phone:
 * page views of each (so they rank among the pages) and 404s of the hostile one.
 */
function hostileObject(queue: string): void {
  const sample = readFileSync(
    join(QUEUE, "2024/03/01/10/rt-1-2024-03-01-10-35-00-0a0a0a0a-0000-4000-8000-000000000002.gz"),
  );
  const line = new TextDecoder().decode(sample[0] === 0x1f ? gunzipSync(sample) : sample).split(
    "\n",
  )[0].split("\t");
  const at = (field: string) => PRESETS.all.indexOf(field);
  const lines: string[] = [];
  const add = (path: string, status: string, n: number) => {
    for (let i = 0; i < n; i++) {
      line[at("cs-uri-stem")] = encodeURIComponent(path).replaceAll("%2F", "/");
      line[at("sc-status")] = status;
      line[0] = `${1709294400 + lines.length}.000`; // from 2024-03-01T12:00:00Z
      lines.push(line.join("\t"));
    }
  };
  add(XSS, "200", 40);
  add(XSS, "404", 12);
  add(LONG, "200", 30);
  mkdirSync(join(queue, "2024/03/01/12"), { recursive: true });
  writeFileSync(
    join(queue, "2024/03/01/12/rt-1-2024-03-01-12-00-00-0a0a0a0a-0000-4000-8000-00000000000f.gz"),
    gzipSync(new TextEncoder().encode(lines.join("\n") + "\n")),
  );
}

/** The data set, in `queue` and, through the pipeline, in `store`. */
async function dataSet(queue: string, store: string) {
  hostileObject(queue);
  // Two hours of each of two days (a few windows, so the pipeline stays quick): the
  // 24 hours shown have a day before to compare with.
  for (const [day, seed] of [["2024-02-29", 12], ["2024-03-01", 21]] as const) {
    await generateLogs({
      dir: queue,
      lines: 600,
      days: 2 / 24,
      start: Date.parse(`${day}T08:00:00Z`),
      objects: 1,
      paths: 500,
      seed,
    });
  }
  await generateLogs({
    dir: queue,
    lines: 40,
    days: 1 / 24,
    start: Date.parse("2024-02-27T10:00:00Z"),
    objects: 1,
    seed: 13,
    format: "standard",
  });
  await runPipeline(makeContext({
    source: localSource(queue),
    store: fsStore(store),
    parse: { format: "realtime", fields: PRESETS.all },
    now: Date.parse("2024-03-03T00:00:00Z"),
  }));
}

/** Debian's chromium, through playwright-core. */
async function launch(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

let browser: Browser | undefined;

// The browser and the server start while the data set is made: they are other processes,
// and neither reads the store before the first request (the test's), so the three overlap.
before(async () => {
  if (skip) return;
  const queue = join(work.dir, "queue");
  const store = join(work.dir, "store");
  cpSync(QUEUE, queue, { recursive: true });
  mkdirSync(store);
  const launched = launch();
  const served = serve(store, queue);
  await dataSet(queue, store);
  [browser, url] = await Promise.all([launched, served]);
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  work.cleanup();
});

// deno-lint-ignore no-explicit-any
type Json = any;

async function api(path: string): Promise<Json> {
  const res = await fetch(`${url}/api/sa/${path}`, { headers: { "x-api-key": KEY } });
  assert.equal(res.status, 200, path);
  return await res.json();
}

/**
 * The API's answers to the page, by route and query: the figures shown are compared with
 * the very JSON the page was sent, rather than asked for again (which would double the
 * server's work); looking an answer up by the query the test expects checks that the page
 * asked for the right range.
 */
const answers = new Map<string, Response>();
const answerKey = (path: string, params: URLSearchParams) =>
  `${path}?${new URLSearchParams([...params].sort((a, b) => (a[0] < b[0] ? -1 : 1)))}`;

/** Keeps every JSON answer of the API to the page. */
function keepAnswers(page: Page) {
  page.on("response", (r) => {
    const u = new URL(r.url());
    if (r.ok() && u.pathname.startsWith("/api/sa/")) {
      answers.set(answerKey(u.pathname.slice("/api/sa/".length), u.searchParams), r);
    }
  });
}

/** The answer the page got for `path` with exactly `params` (its body read only now). */
function answer(path: string, params: Record<string, string> = {}): Promise<Json> {
  const key = answerKey(path, new URLSearchParams(params));
  const response = answers.get(key);
  assert.ok(response, `the page asked for ${key}`);
  return response.json();
}

type Range = Record<string, string>;

/**
 * The query of the range the page shows, and of the range of the same length before it:
 * wall times of the page's zone, which the API reads as local times there.
 */
async function shownRange(page: Page): Promise<{ q: Range; previous: Range }> {
  const wall = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  const from = Date.parse(`${await page.inputValue("#from")}:00Z`);
  const to = Date.parse(`${await page.inputValue("#to")}:00Z`);
  const period = await page.inputValue("#period");
  const tz = await page.inputValue("#tz");
  return {
    q: { period, tz, from: wall(from), to: wall(to) },
    previous: { period, tz, from: wall(2 * from - to), to: wall(from) },
  };
}

/** Clicks a preset and waits for its figures. */
async function choose(page: Page, preset: string) {
  await page.click(`[data-preset="${preset}"]`);
  await page.waitForSelector(`body[data-loaded="${preset}"]`);
  assert.equal(await page.getAttribute(`[data-preset="${preset}"]`, "aria-pressed"), "true");
}

const counts = (n: number) => n.toLocaleString("en-US");
const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/** Bytes are shown in the largest unit under 1000 of it, within rounding of the count. */
function assertBytes(text: string, n: number, what: string) {
  const m = /^(\d+(?:\.\d)?) (B|KB|MB|GB|TB)$/.exec(text);
  assert.ok(m, `${what}: "${text}" is not a readable size`);
  const shown = Number(m[1]) * UNITS[m[2]];
  assert.ok(Math.abs(shown - n) <= 0.05 * n + 0.5, `${what}: ${text} is not ${n} bytes`);
  assert.ok(Number(m[1]) < 1000, `${what}: ${text} has a unit too small`);
}

const change = new Intl.NumberFormat("en-US", {
  style: "percent",
  maximumFractionDigits: 0,
  signDisplay: "exceptZero",
});
const points = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: "exceptZero",
});

/** What each KPI shows, from a summary. */
const KPIS: Record<string, (s: Json) => number | null> = {
  requests: (s) => s.requests,
  bytes: (s) => s.bytes,
  "page-views": (s) => s.page_views,
  entries: (s) => s.entries,
  bots: (s) => s.bots,
  "cache-hit-ratio": (s) => (s.requests ? s.cache_hit_ratio : null),
  "rate-4xx": (s) => (s.requests ? s.errors_4xx / s.requests : null),
  "rate-5xx": (s) => (s.requests ? s.errors_5xx / s.requests : null),
  p95: (s) => s.time_taken_ms?.p95 ?? null,
};

/** Every KPI against the API: value, readable text, finality, and the previous range's value. */
async function checkKpis(page: Page, summary: Json, previous: Json) {
  const shown = await page.$$eval(
    "[data-testid^=kpi-]",
    (els) =>
      Object.fromEntries(els.map((e) => [
        e.getAttribute("data-testid"),
        {
          value: e.getAttribute("data-value"),
          previous: e.getAttribute("data-previous"),
          status: e.getAttribute("data-status"),
          text: e.textContent ?? "",
        },
      ])),
  );
  const raw = (x: number | null | undefined) => (x === null || x === undefined ? "" : String(x));
  for (const [id, of] of Object.entries(KPIS)) {
    const now = of(summary.summary);
    assert.equal(shown[`kpi-${id}`].value, raw(now), `kpi ${id}`);
    assert.equal(shown[`kpi-${id}-delta`].previous, raw(of(previous.summary)), `kpi ${id} before`);
    assert.equal(shown[`kpi-${id}-finality`].status, summary.finality.status, `kpi ${id} finality`);
  }
  const s = summary.summary;
  const text = (id: string) => shown[`kpi-${id}`].text;
  assert.equal(text("requests"), counts(s.requests));
  assertBytes(text("bytes"), s.bytes, "kpi bytes");
  assert.equal(text("page-views"), counts(s.page_views));
  assert.equal(text("cache-hit-ratio"), `${(s.cache_hit_ratio * 100).toFixed(1)}%`);
  assert.match(text("p95"), /^(\d+(\.\d)? ms|\d+\.\d\d s)$/, "ms without three decimals");
  const p = previous.summary;
  const delta = (id: string) => shown[`kpi-${id}-delta`].text.replace(/^[▲▼] /, "");
  if (p.requests > 0) {
    assert.equal(delta("requests"), change.format((s.requests - p.requests) / p.requests));
    const pp = (s.cache_hit_ratio - p.cache_hit_ratio) * 100;
    assert.equal(delta("cache-hit-ratio"), `${points.format(pp)} pp`);
  } else {
    assert.equal(delta("requests"), "–", "nothing to compare with");
  }
}

/** The chart's bars are the timeseries' points; its time axis's lines are returned. */
async function checkChart(page: Page, q: Range) {
  const series = await answer("traffic/timeseries", { ...q, metric: "requests" });
  const bars = await page.$$eval(
    "#chart rect.bar",
    (rects) => rects.map((r) => [r.getAttribute("data-key"), r.getAttribute("data-value")]),
  );
  assert.deepEqual(
    bars,
    series.points.map((p: { key: string; value: number }) => [p.key, String(p.value)]),
  );
  return await page.$$eval("#chart tspan", (ts) => ts.map((t) => t.textContent ?? ""));
}

/**
 * Every panel as the page holds it: its dimension (or its table's id), finality, meaning,
 * "not logged" note, and rows: each row's name, and each cell's raw value and text.
 */
async function readPanels(page: Page) {
  const panels = await page.$$eval(".panel", (ps) =>
    ps.map((p) => ({
      name: p.getAttribute("data-dimension") ?? p.querySelector("table")?.id ?? "",
      status: p.querySelector(".badge")?.getAttribute("data-status"),
      // A dimension's tab (or a static panel's heading) says what it means.
      title: (document.getElementById(`tab-${p.getAttribute("data-dimension")}`) ??
        p.querySelector("h3"))?.getAttribute("title"),
      meaning: p.querySelector(".meaning")?.textContent,
      logged: p.getAttribute("data-logged"),
      note: p.querySelector(".not-logged")?.textContent ?? "",
      rows: [...p.querySelectorAll("tbody tr:not(.none)")].map((tr) => ({
        name: tr.getAttribute("data-name"),
        cells: Object.fromEntries(
          [...tr.querySelectorAll("td")].map((td) => [
            td.getAttribute("data-col") ?? "",
            {
              value: td.getAttribute("data-value"),
              text: td.textContent ?? "",
              title: td.getAttribute("title") ?? "",
            },
          ]),
        ),
      })),
    })));
  return new Map(panels.map((p) => [p.name, p]));
}
type Rows = NonNullable<ReturnType<Awaited<ReturnType<typeof readPanels>>["get"]>>["rows"];

/**
 * Rows against the API's: same order, names, counts (readable), errors as ±n, hits as a
 * share of requests; `keys` the row's fields shown (default: all).
 */
function compareRows(
  shown: Rows,
  rows: Array<Record<string, string | number>>,
  label: string,
  what: string,
  keys?: string[],
) {
  assert.equal(shown.length, rows.length, `${what}: row count`);
  rows.forEach((row, i) => {
    const got = shown[i];
    for (const [k, v] of Object.entries(row)) {
      if (keys && !keys.includes(k)) continue;
      const cell = got.cells[k];
      const at = `${what} row ${i} ${k}`;
      if (k === label) {
        assert.equal(got.name, String(v), at);
        assert.equal(cell.title, cell.text, `${at}: the full name is its title`);
        // A country is named, with its code: "United Kingdom (GB)".
        if (what === "countries") assert.ok(cell.text.includes(`(${v})`), at);
        else assert.equal(cell.text, v, at);
      } else if (k === "error" && cell === undefined) {
        assert.equal(v, 0, `${at}: a list without an error column is exact`);
      } else {
        assert.ok(cell, `${at}: no cell`);
        assert.equal(cell.value, String(v), at);
        if (k === "error") assert.equal(cell.text, v ? `±${counts(v as number)}` : "", at);
        else if (k === "hits") {
          assert.equal(cell.text, `${Math.round((v as number) / (row.requests as number) * 100)}%`);
        } else if (k === "bytes") assertBytes(cell.text, v as number, at);
        else assert.equal(cell.text, typeof v === "number" ? counts(v) : v, at);
      }
    }
  });
}

/** The catalogue's dimensions: the `dimension` picklist of the OpenAPI document. */
async function catalogue(): Promise<string[]> {
  const doc = await answer("openapi.json");
  return doc.paths["/api/sa/traffic/breakdown"].get.parameters
    .find((p: { name: string }) => p.name === "dimension").schema.enum;
}

/**
 * Opens every tab that is not open (each asks for its panel then), waits for them all,
 * and goes back to the first tab of each card.
 */
async function openAllTabs(page: Page) {
  await page.$$eval("[role=tab][aria-selected=false]", (tabs) => {
    for (const t of tabs) (t as HTMLElement).click();
  });
  await page.waitForFunction(() =>
    [...document.querySelectorAll("[role=tabpanel]")].every((p) => p.hasAttribute("data-logged"))
  );
  await page.$$eval(".tabs", (lists) => {
    for (const l of lists) (l.querySelector("[role=tab]") as HTMLElement).click();
  });
}

/**
 * Every panel the page has loaded shows the API's finality, meaning and rows, or "not
 * logged" and the fields to log. Returns the API's breakdowns and the page's panels.
 */
async function checkPanels(page: Page, q: Range) {
  const panels = await readPanels(page);
  const shown = [...panels.values()].filter((p) => p.logged !== null);
  const got = new Map<string, Json>();
  await Promise.all(shown.map(async ({ name }) => {
    got.set(name, await answer("traffic/breakdown", { ...q, dimension: name, limit: "50" }));
  }));
  for (const p of shown) {
    const b = got.get(p.name);
    assert.deepEqual(
      [p.status, p.title, p.meaning, p.logged],
      [b.finality.status, b.meaning, b.meaning, String(b.logged)],
      p.name,
    );
    if (!b.logged) {
      for (const f of b.fields) assert.ok(p.note.includes(f), `${p.name}: names ${f}`);
      continue;
    }
    const label = b.rows[0] && "path" in b.rows[0] ? "path" : "name";
    compareRows(p.rows, b.rows, label, p.name);
  }
  return { got, panels };
}

/** The traffic tables (top paths, edge locations, status codes) against their routes. */
async function checkTraffic(panels: Awaited<ReturnType<typeof readPanels>>, q: Range) {
  const rows = (id: string) => panels.get(id)!.rows;
  const paths = await answer("traffic/top-paths", { ...q, limit: "50" });
  compareRows(rows("paths"), paths.paths, "path", "top paths", [
    "path",
    "requests",
    "bytes",
    "hits",
    "error",
  ]);
  const edges = await answer("traffic/edge-locations", { ...q, limit: "50" });
  compareRows(rows("edges"), edges.edge_locations, "edge_location", "edges");
  const codes = await answer("traffic/status-codes", { ...q, limit: "50" });
  compareRows(rows("codes"), codes.status_codes, "code", "status codes");
  assert.ok(codes.status_codes.some((c: { code: string }) => c.code === "000"));
  return paths;
}

/**
 * The whole page at `width`: the viewport made as tall as the page, which renders in
 * about half the time of a `fullPage` capture.
 */
async function screenshot(page: Page, path: string, width: number) {
  mkdirSync(join(ROOT, ".test-tmp"), { recursive: true });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width, height });
  await page.screenshot({ path });
}

/** The data set has something in every panel a visitor looks at first. */
function assertDiverse(b: Map<string, Json>) {
  const rows = (name: string) => b.get(name)?.rows ?? [];
  for (
    const name of [
      "top_pages",
      "entry_pages",
      "not_found_paths",
      "referrer_domains",
      "channels",
      "countries",
      "devices",
      "browsers",
      "os",
      "bot_names",
      "content_types",
      "protocols",
      "http_versions",
    ]
  ) assert.ok(rows(name).length > 1, `${name} has rows`);
  assert.ok(rows("bot_names").every((r: Json) => typeof r.category === "string"));
  assert.ok(rows("not_found_paths").some((r: Json) => r.path === XSS));
  assert.ok(rows("top_pages").some((r: Json) => r.path === LONG));
}

test("the dashboard shows the API's figures, escapes log strings, and browses the store", {
  skip,
  timeout: 120_000,
}, async () => {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 1600 } });
  keepAnswers(page);
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // A CSP violation (an inline style or script) is reported on the console; refused
  // requests too, but those the page reports itself (the failed load below).
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
      errors.push(m.text());
    }
  });
  await page.goto(`${url}/`);
  await page.fill("#key", KEY);
  await page.click("#login button[type=submit]");
  await page.waitForSelector('body[data-loaded="7d"]', { timeout: 30_000 });
  assert.equal(await page.isVisible("#login"), false, "the key form is gone once in");

  // The first view: the last 7 days by day, ending with the latest data.
  assert.equal(await page.inputValue("#from"), "2024-02-24T00:00");
  assert.equal(await page.inputValue("#to"), "2024-03-02T00:00");
  assert.equal(await page.inputValue("#period"), "daily");
  const week = await shownRange(page);
  const summary7 = await answer("traffic/summary", week.q);
  // The queue's truncated gzip stays unread in the queue, so its windows stay open.
  assert.equal(summary7.finality.status, "partial");
  await checkKpis(page, summary7, await answer("traffic/summary", week.previous));
  const days = await checkChart(page, week.q);
  assert.ok(days.includes("Mar 1") && days.includes("Feb 29"), `day labels: ${days}`);
  // A tab per dimension of the catalogue; only the chosen one of each card is asked for.
  const tabs = await page.$$eval("[role=tab]", (ts) => ts.map((t) => t.getAttribute("data-tab")));
  assert.deepEqual([...tabs].sort(), (await catalogue()).sort());
  const asked = await page.$$eval("[role=tabpanel][data-logged]", (ps) => ps.length);
  assert.equal(asked, await page.$$eval(".group", (gs) => gs.length));

  // The last 24 hours by hour, against the 24 hours before: every figure and panel.
  // (The latest window is 12:00 on 1 March, so the day ends at 13:00.)
  await choose(page, "24h");
  assert.equal(await page.inputValue("#from"), "2024-02-29T13:00");
  assert.equal(await page.inputValue("#to"), "2024-03-01T13:00");
  assert.equal(await page.inputValue("#period"), "hourly");
  const { q, previous } = await shownRange(page);
  const summary = await answer("traffic/summary", q);
  const before = await answer("traffic/summary", previous);
  assert.ok(before.summary.requests > 0, "the day before has traffic to compare with");
  await checkKpis(page, summary, before);
  const hours = await checkChart(page, q);
  assert.ok(hours.includes("Feb 29") && hours.includes("Mar 1"), `hour labels: ${hours}`);
  assert.ok(hours.every((t) => /^(\d\d:00|(Feb|Mar) \d+)$/.test(t)), `hour labels: ${hours}`);
  await openAllTabs(page);
  const { got: panels, panels: shownPanels } = await checkPanels(page, q);
  assert.deepEqual([...panels.keys()].sort(), (await catalogue()).sort(), "a panel each");
  assertDiverse(panels);
  // One tab of a card shows at a time; opening one asks for its panel.
  await page.click("#tab-entry_pages");
  assert.deepEqual(
    [await page.isVisible("#panel-entry_pages"), await page.isVisible("#panel-top_pages")],
    [true, false],
  );
  await page.click("#tab-top_pages");
  await checkTraffic(shownPanels, q);

  // The hostile paths are shown as text: no dialog, no extra script element.
  const pages = shownPanels.get("top_pages")!.rows;
  assert.ok(pages.some((r) => r.cells.path.text === XSS), "the path is listed as text");
  assert.deepEqual(dialogs, []);
  assert.equal(await page.$$eval("script", (s) => s.length), 1);
  assert.deepEqual(errors, []);

  // The cache browser: down to a daily aggregate and its content.
  for (const dir of ["sa", "sa/cloudfront", "sa/cloudfront/aggregate"]) {
    await page.click(`[data-dir='${dir}']`);
  }
  await page.click("[data-dir='sa/cloudfront/aggregate/daily']");
  await page.click("[data-dir='sa/cloudfront/aggregate/daily/2024-03-01']");
  await page.click("[data-key='sa/cloudfront/aggregate/daily/2024-03-01/data.json']");
  await page.waitForFunction(() =>
    (document.getElementById("entry")?.textContent ?? "").includes('"requests"')
  );
  // (A long entry is cut at 200,000 characters: its first "requests" is the total.)
  const shown = /\n {2}"requests": (\d+),/.exec((await page.textContent("#entry")) ?? "");
  const march1 = await api("traffic/summary?period=daily&from=2024-03-01&to=2024-03-02");
  assert.equal(Number(shown?.[1]), march1.summary.requests);

  const shot = join(ROOT, `.test-tmp/dashboard-${runtime}.png`);
  await screenshot(page, shot, 1280);
  assert.ok(readFileSync(shot).length > 10_000, "the screenshot has content");

  // A phone: one column, nothing wider than the screen, long paths cut with their title.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() =>
    Number(document.querySelector("#chart svg")?.getAttribute("width")) <= 390
  );
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    view: document.documentElement.clientWidth,
  }));
  assert.ok(widths.page <= widths.view, `no horizontal scroll: ${JSON.stringify(widths)}`);
  const long = await page.$eval(
    `[data-testid=panel-top_pages] tr[data-name='${LONG}'] td.name`,
    (td) => ({ title: td.getAttribute("title"), cut: td.scrollWidth > td.clientWidth }),
  );
  assert.deepEqual(long, { title: LONG, cut: true });
  const phone = join(ROOT, `.test-tmp/dashboard-${runtime}-phone.png`);
  await screenshot(page, phone, 390);
  assert.ok(readFileSync(phone).length > 10_000, "the phone screenshot has content");

  // A failed load shows its error and no stale figures; the next success clears the error.
  assert.equal(await page.isVisible("#error"), false, "no error before one happens");
  await page.fill("#from", "2024-03-02T00:00");
  await page.fill("#to", "2024-03-01T00:00");
  await page.click("#range button[type=submit]");
  await page.waitForSelector("#error:not([hidden])");
  assert.match((await page.textContent("#error")) ?? "", /before/);
  assert.equal(await page.$$eval("[data-testid^=kpi-]", (e) => e.length), 0, "no stale KPIs");
  assert.equal(
    await page.$$eval("#chart rect.bar, #paths tr, .panel[data-dimension]", (e) => e.length),
    0,
  );
  assert.equal(await page.getAttribute("body", "data-loaded"), null);

  // An hour of standard logs only: no c-country, so countries are "not logged".
  await page.fill("#from", "2024-02-27T00:00");
  await page.fill("#to", "2024-02-28T00:00");
  await page.selectOption("#period", "daily");
  await page.click("#range button[type=submit]");
  await page.waitForSelector("body[data-loaded=custom]");
  assert.equal(await page.isVisible("#error"), false, "the success cleared the error");
  assert.equal(await page.textContent("#error"), "");
  assert.doesNotMatch((await page.textContent("#status")) ?? "", /error/);
  const standard = (await checkPanels(page, (await shownRange(page)).q)).got;
  assert.equal(standard.get("countries").logged, false);
  assert.ok(standard.get("devices").logged);
  assert.match(
    (await page.textContent("[data-testid=panel-countries-not-logged]")) ?? "",
    /not logged.*c-country/,
  );
  assert.deepEqual(errors, []);

  // In New York's time: the week ends at its local midnight after the latest data (12:30
  // UTC is 07:30 there), and every figure is the API's for those local days.
  await page.goto(`${url}/?tz=America%2FNew_York`);
  await page.waitForSelector('body[data-loaded="7d"]', { timeout: 30_000 });
  assert.equal(await page.inputValue("#tz"), "America/New_York");
  assert.equal(await page.inputValue("#to"), "2024-03-02T00:00");
  const local = await shownRange(page);
  assert.equal(local.q.tz, "America/New_York");
  const localWeek = await answer("traffic/summary", local.q);
  assert.equal(localWeek.from, "2024-02-24T05:00:00.000Z", "local midnight, not UTC's");
  await checkKpis(page, localWeek, await answer("traffic/summary", local.previous));
  await checkChart(page, local.q);
  // Each day of the chart is a New York day: 05:00 to 05:00 UTC.
  const localDays = await answer("traffic/timeseries", { ...local.q, metric: "requests" });
  assert.equal(localDays.points[6].key, "2024-03-01");
  assert.equal(localDays.points[6].start, "2024-03-01T05:00:00.000Z");
  assert.equal(localDays.points[6].end, "2024-03-02T05:00:00.000Z");
  assert.match((await page.textContent("#compare")) ?? "", /America\/New_York\.$/);
  assert.match((await page.textContent("#anchor")) ?? "", /Mar 1, 2024 07:30 America\/New_York/);
  assert.deepEqual(errors, []);
  // A wrong key sends the user back to the key form with a message.
  await page.click("#forget");
  await page.fill("#key", "wrong-key-0000000000000");
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#login:not([hidden])");
  assert.match((await page.textContent("#login-error")) ?? "", /not accepted/);
});
