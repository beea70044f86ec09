/**
 * The catalogue's figures against an independent recount from the input lines (issue 12):
 * the test reads the generated logs itself, applies the README's definitions with the
 * libraries directly (ua-parser-js, isbot, tldts), and compares with what the pipeline
 * wrote at 30min, daily and monthly. Exact figures must be equal; top lists must hold
 * every true count within their error bound.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { gunzipSync } from "fflate";
import { isbot } from "isbot";
import { getDomain } from "tldts";
import { UAParser } from "ua-parser-js";
import { createApp } from "../src/api/app.ts";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { memoryStore } from "../src/store/memory.ts";
import { readDoc, tempDir } from "./_helpers.ts";

const F = Object.fromEntries(PRESETS.all.map((f, i) => [f, i]));

function linesOf(dir: string): string[][] {
  const out: string[][] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = `${d}/${name}`;
      if (statSync(p).isDirectory()) walk(p);
      else {
        const text = new TextDecoder().decode(gunzipSync(new Uint8Array(readFileSync(p))));
        for (const l of text.split("\n")) if (l) out.push(l.split("\t"));
      }
    }
  };
  walk(dir);
  return out;
}

const decode = (s: string) => {
  if (s === "-") return "";
  let d = decodeURIComponent(s);
  if (/%[0-9A-Fa-f]{2}/.test(d)) d = decodeURIComponent(d);
  return d;
};

/** The README's definitions, applied line by line. */
function recount(lines: string[][]) {
  const tally = {
    requests: 0,
    page_views: 0,
    entries: 0,
    bots: 0,
    devices: {} as Record<string, number>,
    countries: {} as Record<string, number>,
    browsers: {} as Record<string, number>,
    bot_names_total: 0,
  };
  for (const c of lines) {
    tally.requests++;
    const agent = decode(c[F["cs-user-agent"]]);
    const bot = agent !== "" && isbot(agent);
    const r = new UAParser(agent).getResult();
    const device = agent === ""
      ? "empty"
      : bot
      ? "bot"
      : r.device.type ?? (["Windows", "Mac OS", "Linux", "Ubuntu", "Chromium OS"].includes(
          r.os.name ?? "",
        )
        ? "desktop"
        : "unknown");
    tally.devices[device] = (tally.devices[device] ?? 0) + 1;
    if (bot) tally.bots++;
    else if (agent !== "" && r.browser.name) {
      tally.browsers[r.browser.name] = (tally.browsers[r.browser.name] ?? 0) + 1;
    }
    const country = c[F["c-country"]];
    tally.countries[country] = (tally.countries[country] ?? 0) + 1;
    const status = c[F["sc-status"]];
    const type = decode(c[F["sc-content-type"]]).split(";")[0].trim().toLowerCase();
    const path = decode(c[F["cs-uri-stem"]].split("?")[0]);
    const last = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
    const pageLike = !last.includes(".") || last.endsWith(".html") || last.endsWith(".htm");
    const pv = !bot && c[F["cs-method"]] === "GET" && (status[0] === "2" || status === "304") &&
      (type === "" ? pageLike : type === "text/html" || type === "application/xhtml+xml");
    if (!pv) continue;
    tally.page_views++;
    const referer = decode(c[F["cs-referer"]]);
    const domain = referer === "" ? null : getDomain(referer);
    const site = getDomain(c[F["cs-host"]]);
    if (domain === null || domain !== site) tally.entries++;
  }
  return tally;
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
    const all = linesOf(q.dir);
    const day1 = all.filter((c) => Number(c[F.timestamp]) < Date.parse("2024-03-02") / 1000);
    const w = Date.parse("2024-03-01T10:00:00Z") / 1000;
    const window = all.filter((c) =>
      Number(c[F.timestamp]) >= w && Number(c[F.timestamp]) < w + 1800
    );
    for (
      const [period, key, lines] of [
        ["monthly", "2024-03", all],
        ["daily", "2024-03-01", day1],
        ["30min", "2024-03-01-1000", window],
      ] as const
    ) {
      const want = recount(lines);
      const doc = await readDoc(store, period, key) as unknown as Record<string, unknown>;
      assert.equal(doc.requests, want.requests, `${period} requests`);
      assert.ok(want.page_views > 0 && want.entries > 0 && want.bots > 0, "the data has all");
      assert.equal(doc.page_views, want.page_views, `${period} page views`);
      assert.equal(doc.entries, want.entries, `${period} entries`);
      assert.equal(doc.bots, want.bots, `${period} bots`);
      const devices = doc.devices as Record<string, { requests: number }>;
      assert.deepEqual(
        Object.fromEntries(Object.entries(devices).map(([k, v]) => [k, v.requests])),
        Object.fromEntries(Object.keys(want.devices).sort().map((k) => [k, want.devices[k]])),
        `${period} devices`,
      );
      const countries = doc.countries as Record<string, { requests: number }>;
      for (const [country, n] of Object.entries(want.countries)) {
        assert.equal(countries[country].requests, n, `${period} ${country}`);
      }
      // A top list: every row's true count is in [count, count + error].
      for (const row of doc.browsers as Array<{ name: string; requests: number; error: number }>) {
        const truth = want.browsers[row.name] ?? 0;
        assert.ok(
          row.requests <= truth && truth <= row.requests + row.error,
          `${period} ${row.name}: ${row.requests}+${row.error} vs ${truth}`,
        );
      }
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
      linesOf(q.dir).map((c) => lacking.map((f) => c[F[f]]).join("\t")).join("\n") + "\n",
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
