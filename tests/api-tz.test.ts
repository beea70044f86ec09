/**
 * `tz` on the traffic routes (DESIGN §7) around the DST changes of Europe and America:
 * each local day's and month's figures against a recount of the input lines by their local
 * dates, as the runtime's own time-zone data gives them.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createApp } from "../src/api/app.ts";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { memoryStore } from "../src/store/memory.ts";
import { localDate, logLines, tempDir } from "./_helpers.ts";

const KEY = "test-key-0123456789abcdef";
const NOW = Date.parse("2025-01-01T00:00:00Z");
const F = Object.fromEntries(PRESETS.all.map((f, i) => [f, i]));
const parse = { format: "realtime" as const, fields: PRESETS.all };

/** Four stretches of logs, each over a DST change of Europe or America. */
const STRETCHES = [
  ["2024-03-08T00:00:00Z", 4], // New York springs forward on the 10th
  ["2024-03-29T00:00:00Z", 4], // Berlin and London on the 31st
  ["2024-10-25T00:00:00Z", 4], // Berlin falls back on the 27th
  ["2024-11-01T00:00:00Z", 4], // New York on 3 November
] as const;

const logs = tempDir("tz-logs");
const store = memoryStore();
/** Every input record: [epoch ms, bytes]. */
const records: Array<[number, number]> = [];

before(async () => {
  for (const [i, [start, days]] of STRETCHES.entries()) {
    await generateLogs({
      dir: `${logs.dir}/s${i}`,
      lines: 1500 * days,
      days,
      start: Date.parse(start),
      objects: 4 * days,
      seed: 40 + i,
    });
  }
  await runPipeline(makeContext({ source: localSource(logs.dir), store, parse, now: NOW }));
  for (const c of logLines(logs.dir)) {
    records.push([Math.round(Number(c[F.timestamp]) * 1000), Number(c[F["sc-bytes"]])]);
  }
});
after(() => logs.cleanup());

/** One app for every request: its caches of views and answers are part of what is tested. */
let app: ReturnType<typeof createApp> | undefined;

async function get(path: string) {
  app ??= createApp({
    store,
    apiKeys: [KEY],
    pipeline: { parse },
    clock: () => NOW,
    log: () => {},
  });
  const res = await app.request(path, { headers: { "x-api-key": KEY } });
  return { status: res.status, body: await res.json() };
}

/** Requests and bytes per local date (or month, `length` 7) in `zone`, recounted. */
function recount(zone: string, length = 10): Map<string, { requests: number; bytes: number }> {
  const out = new Map<string, { requests: number; bytes: number }>();
  for (const [t, bytes] of records) {
    const key = localDate(zone, t).slice(0, length);
    const c = out.get(key) ?? { requests: 0, bytes: 0 };
    c.requests++;
    c.bytes += bytes;
    out.set(key, c);
  }
  return out;
}

const CASES = [
  ["America/New_York", "2024-03-09", "2024-03-12", "2024-03-10", 23],
  ["Europe/Berlin", "2024-03-30", "2024-04-02", "2024-03-31", 23],
  ["Europe/London", "2024-03-30", "2024-04-02", "2024-03-31", 23],
  ["Europe/Berlin", "2024-10-26", "2024-10-29", "2024-10-27", 25],
  ["America/New_York", "2024-11-02", "2024-11-05", "2024-11-03", 25],
] as const;

test("tz: each local day's requests and bytes equal a recount by local date, DST days too", async () => {
  assert.ok(records.length > 20_000, `${records.length} records`);
  // Past the last window with data nothing is known final: a local day reaching there is
  // partial, however old (its empty hours could still get data).
  const dataEnd = Math.ceil(Math.max(...records.map(([t]) => t)) / 1_800_000) * 1_800_000;
  for (const [zone, from, to, change, hours] of CASES) {
    const want = recount(zone);
    for (const metric of ["requests", "bytes"] as const) {
      const tz = encodeURIComponent(zone);
      const r = await get(
        `/api/sa/traffic/timeseries?period=daily&metric=${metric}&tz=${tz}&from=${from}&to=${to}`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.tz, zone);
      const points = r.body.points as Array<
        { key: string; start: string; end: string; value: number; status: string }
      >;
      assert.deepEqual(points.map((p) => p.key), days(from, to), `${zone} keys`);
      for (const p of points) {
        assert.equal(p.value, want.get(p.key)?.[metric] ?? 0, `${zone} ${p.key} ${metric}`);
        const status = Date.parse(p.end) > dataEnd ? "partial" : "final";
        assert.equal(p.status, status, `${zone} ${p.key}`);
        assert.equal(localDate(zone, Date.parse(p.start)), p.key);
        assert.notEqual(localDate(zone, Date.parse(p.start) - 1), p.key);
      }
      const dst = points.find((p) => p.key === change)!;
      assert.equal((Date.parse(dst.end) - Date.parse(dst.start)) / 3_600_000, hours);
    }
    // The summary of the DST day alone agrees, and bounds the range by local midnights.
    const day = await get(
      `/api/sa/traffic/summary?tz=${encodeURIComponent(zone)}&from=${change}&to=${
        days(change, to)[1]
      }`,
    );
    assert.equal(day.body.summary.requests, want.get(change)!.requests);
    assert.equal(day.body.finality.periods, 1);
  }
});

test("tz: the same range in two zones, asked again, gives each zone's answer", async () => {
  const path = "/api/sa/traffic/timeseries?period=daily&from=2024-03-09&to=2024-03-12";
  const utc = await get(path);
  const ny = await get(`${path}&tz=America%2FNew_York`);
  assert.notDeepEqual(ny.body.points, utc.body.points);
  assert.deepEqual((await get(`${path}&tz=America%2FNew_York`)).body, ny.body);
  assert.deepEqual((await get(path)).body, utc.body);
  // Names as the runtime spells them: one zone, one answer.
  assert.deepEqual((await get(`${path}&tz=america%2Fnew_york`)).body, ny.body);
  assert.equal((await get(`${path}&tz=Etc%2FGMT`)).body.tz, "UTC");
  // Without from, 31 local days back from to, across the change of 10 March.
  const month = await get(
    "/api/sa/traffic/timeseries?period=daily&tz=America%2FNew_York&to=2024-04-01",
  );
  assert.equal(month.body.points.length, 31);
  assert.equal(month.body.points[0].key, "2024-03-01");
});

test("tz: a local month merges its days and hours; without tz the same range is UTC", async () => {
  for (const zone of ["America/New_York", "Europe/Berlin"]) {
    const want = recount(zone, 7);
    const r = await get(
      `/api/sa/traffic/timeseries?period=monthly&tz=${
        encodeURIComponent(zone)
      }&from=2024-03-01&to=2024-12-01`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const p of r.body.points) {
      assert.equal(p.value, want.get(p.key)?.requests ?? 0, `${zone} ${p.key}`);
    }
    assert.equal(r.body.points.length, 9);
  }
  const utc = await get("/api/sa/traffic/timeseries?period=daily&from=2024-03-09&to=2024-03-12");
  assert.equal(utc.body.tz, "UTC");
  const want = recount("UTC");
  for (const p of utc.body.points) assert.equal(p.value, want.get(p.key)?.requests ?? 0);
  // Hourly periods are the same instants in every zone.
  const hourly = (tz: string) =>
    get(
      `/api/sa/traffic/timeseries?period=hourly&tz=${tz}&from=2024-03-10T05:00:00Z&to=2024-03-10T09:00:00Z`,
    );
  assert.deepEqual(
    (await hourly("America%2FNew_York")).body.points,
    (await hourly("UTC")).body.points,
  );
});

test("tz: an unknown zone, or one whose days do not begin on a window boundary, is a 400", async () => {
  for (const tz of ["Mars/Olympus", "..%2Fetc", "Europe%2FBerlin%0A"]) {
    const r = await get(`/api/sa/traffic/summary?tz=${tz}`);
    assert.equal(r.status, 400, tz);
    assert.equal(r.body.error.code, "bad_request");
  }
  const r = await get("/api/sa/traffic/summary?tz=Asia%2FKathmandu&from=2024-03-09&to=2024-03-10");
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /Asia\/Kathmandu is UTC\+05:45.*30-minute/);
  // Half an hour is fine: India's days begin at 18:30 UTC.
  const india = await get(
    "/api/sa/traffic/summary?tz=Asia%2FKolkata&from=2024-03-09&to=2024-03-10",
  );
  assert.equal(india.status, 200);
  assert.equal(india.body.from, "2024-03-08T18:30:00.000Z");
  const openapi = await get("/api/sa/openapi.json");
  const params = openapi.body.paths["/api/sa/traffic/summary"].get.parameters;
  assert.ok(params.some((p: { name: string }) => p.name === "tz"), "OpenAPI lists tz");
});

/** The dates from `from` to `to` (excluded). */
function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
