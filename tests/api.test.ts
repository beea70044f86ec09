/**
 * The API through `app.request()`: no server, real stores, data made by the real pipeline.
 * Figures are checked against the stored aggregates the pipeline wrote.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import { createApp } from "../src/api/app.ts";
import { PRESETS } from "../src/core/fields.ts";
import { aggregateKey } from "../src/core/keys.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { ingest } from "../src/pipeline/ingest.ts";
import { consolidate } from "../src/pipeline/consolidate.ts";
import { aggregate } from "../src/pipeline/aggregate.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { memoryStore } from "../src/store/memory.ts";
import { s3Store } from "../src/store/s3.ts";
import { getJson, putJson, type Store } from "../src/store/store.ts";
import { readDoc, readMeta, startS3, tempDir } from "./_helpers.ts";

const KEY = "test-key-0123456789abcdef";
const DONE = Date.parse("2024-03-03T01:00:00Z"); // every period of the data is final by then
const parse = { format: "realtime" as const, fields: PRESETS.all };

const logs = tempDir("api-logs");
let store: ReturnType<typeof memoryStore>;

before(async () => {
  await generateLogs({
    dir: logs.dir,
    lines: 4000,
    days: 2,
    start: Date.parse("2024-03-01T00:00:00Z"),
    objects: 16,
    seed: 3,
  });
  store = memoryStore();
  await runPipeline(makeContext({ source: localSource(logs.dir), store, parse, now: DONE }));
});
after(() => logs.cleanup());

const appOver = (s: Store, extra: Partial<Parameters<typeof createApp>[0]> = {}) =>
  createApp({
    store: s,
    source: localSource(logs.dir),
    apiKeys: [KEY],
    pipeline: { parse },
    clock: () => DONE,
    log: () => {},
    ...extra,
  });

async function get(app: ReturnType<typeof createApp>, path: string, key: string | null = KEY) {
  const res = await app.request(path, { headers: key ? { "x-api-key": key } : {} });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

test("healthz needs no key; everything under /api/sa does", async () => {
  const app = appOver(store);
  assert.deepEqual(await get(app, "/healthz", null), {
    status: 200,
    headers: (await app.request("/healthz")).headers,
    body: { status: "ok" },
  });
  for (
    const path of ["/api/sa/traffic/summary", "/api/sa/cloudfront/status", "/api/sa/openapi.json"]
  ) {
    const none = await get(app, path, null);
    assert.equal(none.status, 401, path);
    assert.equal(none.body.error.code, "unauthorized");
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    const wrong = await get(app, path, `${KEY}x`);
    assert.equal(wrong.status, 401, path);
  }
  const bearer = await app.request("/api/sa/cloudfront/status", {
    headers: { authorization: `Bearer ${KEY}` },
  });
  assert.equal(bearer.status, 200);
  assert.equal((await get(app, "/api/sa/cloudfront/status")).status, 200);
  assert.throws(() => createApp({ store, apiKeys: [] }), /no API key/);
});

test("summary of a range equals the stored monthly aggregate of the same data", async () => {
  const app = appOver(store);
  const r = await get(app, "/api/sa/traffic/summary?period=daily&from=2024-03-01&to=2024-03-03");
  assert.equal(r.status, 200);
  const month = await readDoc(store, "monthly", "2024-03");
  assert.deepEqual(r.body.finality, {
    status: "final",
    periods: 2,
    final: 2,
    partial: 0,
    empty: 0,
  });
  assert.equal(r.body.summary.requests, month.requests);
  assert.equal(r.body.summary.bytes, month.bytes);
  assert.deepEqual(r.body.summary.status_codes, month.status_codes);
  assert.deepEqual(r.body.summary.edge_locations, month.edge_locations);
  assert.equal(r.body.summary.cache_hit_ratio, month.cache_hit_ratio);
  assert.deepEqual(r.body.summary.time_taken_ms, month.time_taken_ms);
  assert.equal(r.body.summary.unique_paths, month.unique_paths);
  assert.deepEqual(
    r.body.summary.top_paths.slice(0, 10),
    month.top_paths.slice(0, 10),
  );
  // One day alone is that day's stored figures.
  const day = await get(app, "/api/sa/traffic/summary?period=daily&from=2024-03-02&to=2024-03-03");
  const stored = await readDoc(store, "daily", "2024-03-02");
  assert.equal(day.body.summary.requests, stored.requests);
  assert.deepEqual(day.body.summary.status_classes, stored.status_classes);
});

test("timeseries: one point per period, each the stored figure, with its finality", async () => {
  const app = appOver(store);
  const q = "period=hourly&from=2024-03-01T00:00:00Z&to=2024-03-03T00:00:00Z";
  const requests = await get(app, `/api/sa/traffic/timeseries?${q}`);
  assert.equal(requests.status, 200);
  assert.equal(requests.body.points.length, 48);
  const ratio = await get(app, `/api/sa/traffic/timeseries?${q}&metric=cache_hit_ratio`);
  const p95 = await get(app, `/api/sa/traffic/timeseries?${q}&metric=time_taken_p95`);
  const errors = await get(app, `/api/sa/traffic/timeseries?${q}&metric=errors_4xx`);
  let total = 0;
  for (let i = 0; i < 48; i++) {
    const point = requests.body.points[i];
    const doc = await readDoc(store, "hourly", point.key);
    assert.equal(point.value, doc.requests, point.key);
    assert.equal(point.status, "final");
    assert.equal(ratio.body.points[i].value, doc.cache_hit_ratio, point.key);
    assert.equal(p95.body.points[i].value, doc.time_taken_ms?.p95, point.key);
    assert.equal(errors.body.points[i].value, doc.errors_4xx, point.key);
    total += point.value;
  }
  assert.equal(total, (await readDoc(store, "monthly", "2024-03")).requests);
  // A range reaching past the data shows empty periods as such.
  const wide = await get(
    app,
    "/api/sa/traffic/timeseries?period=daily&from=2024-02-28&to=2024-03-05",
  );
  assert.deepEqual(wide.body.points.map((p: { status: string }) => p.status), [
    "empty",
    "empty",
    "final",
    "final",
    "empty",
    "empty",
  ]);
  assert.equal(wide.body.finality.status, "final");
});

test("top paths, edge locations and status codes of a range", async () => {
  const app = appOver(store);
  const q = "period=daily&from=2024-03-01&to=2024-03-03";
  const month = await readDoc(store, "monthly", "2024-03");
  const paths = await get(app, `/api/sa/traffic/top-paths?${q}&limit=5`);
  assert.deepEqual(paths.body.paths, month.top_paths.slice(0, 5));
  const edges = await get(app, `/api/sa/traffic/edge-locations?${q}&limit=100`);
  assert.deepEqual(
    Object.fromEntries(
      edges.body.edge_locations.map((e: { edge_location: string; requests: number }) => [
        e.edge_location,
        e.requests,
      ]),
    ),
    month.edge_locations,
  );
  const counts = edges.body.edge_locations.map((e: { requests: number }) => e.requests);
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a));
  const codes = await get(app, `/api/sa/traffic/status-codes?${q}&limit=100`);
  assert.deepEqual(
    Object.fromEntries(
      codes.body.status_codes.map((s: { code: string; requests: number }) => [s.code, s.requests]),
    ),
    month.status_codes,
  );
  assert.deepEqual(codes.body.status_classes, month.status_classes);
});

test("a final aggregate is served as stored, never recomputed", async () => {
  const copy = memoryStore();
  for (const [k, v] of store.entries) copy.entries.set(k, v.slice());
  const key = aggregateKey("hourly", "2024-03-01-10");
  const doc = (await getJson(copy, key)) as { state: { requests: number } };
  doc.state.requests = 424242;
  await putJson(copy, key, doc);
  const r = await get(
    appOver(copy),
    "/api/sa/traffic/timeseries?period=hourly&from=2024-03-01T10:00:00Z&to=2024-03-01T11:00:00Z",
  );
  assert.equal(r.body.points[0].value, 424242);
  assert.equal(r.body.points[0].status, "final");
});

test("a partial aggregate is recomputed on request from what consolidation has", async () => {
  const dir = tempDir("api-partial");
  try {
    const first = join(dir.dir, "q");
    const s = memoryStore();
    // Half the objects, aggregated while the days are still open.
    const files = readdirSync(logs.dir, { recursive: true }).map(String)
      .filter((f) => f.endsWith(".gz")).sort();
    for (const f of files.slice(0, 8)) {
      mkdirSync(join(first, f, ".."), { recursive: true });
      writeFileSync(join(first, f), readFileSync(join(logs.dir, f)));
    }
    const early = Date.parse("2024-03-01T12:00:00Z");
    await runPipeline(makeContext({ source: localSource(first), store: s, parse, now: early }));
    const before = await readDoc(s, "monthly", "2024-03");
    assert.equal((await readMeta(s, "monthly", "2024-03")).status, "partial");
    // The rest arrives: ingested and consolidated, not aggregated yet.
    for (const f of files.slice(8)) {
      mkdirSync(join(first, f, ".."), { recursive: true });
      writeFileSync(join(first, f), readFileSync(join(logs.dir, f)));
    }
    const ctx = makeContext({ source: localSource(first), store: s, parse, now: early });
    await ingest(ctx);
    await consolidate(ctx);
    const r = await get(
      appOver(s, { source: localSource(first) }),
      "/api/sa/traffic/summary?period=monthly&from=2024-03-01&to=2024-04-01",
    );
    const total = (await readDoc(store, "monthly", "2024-03")).requests;
    assert.ok(before.requests < total);
    assert.equal(r.body.summary.requests, total); // recomputed: every object counted
    assert.equal(r.body.finality.status, "partial");
    assert.equal((await readDoc(s, "monthly", "2024-03")).requests, before.requests); // not written
  } finally {
    dir.cleanup();
  }
});

test("a served partial answer never hides what arrives in its open windows", async () => {
  const dir = tempDir("api-open");
  try {
    const queue = join(dir.dir, "q");
    const files = readdirSync(logs.dir, { recursive: true }).map(String)
      .filter((f) => f.endsWith(".gz")).sort();
    const deliver = (f: string, body = readFileSync(join(logs.dir, f))) => {
      mkdirSync(join(queue, f, ".."), { recursive: true });
      writeFileSync(join(queue, f), body);
    };
    for (const f of files.slice(0, 8)) deliver(f);
    const s = fsStore(join(dir.dir, "store"));
    const early = Date.parse("2024-03-01T12:00:00Z");
    const ctx = makeContext({ source: localSource(queue), store: s, parse, now: early });
    await runPipeline(ctx);
    const app = appOver(s, { source: localSource(queue), clock: () => early });
    const paths = [
      "/api/sa/traffic/summary?period=daily&from=2024-03-01&to=2024-03-03",
      "/api/sa/traffic/breakdown?period=hourly&from=2024-03-01&to=2024-03-03&dimension=countries&limit=500",
    ];
    const requests = async () => {
      const [summary, countries] = await Promise.all(paths.map((p) => get(app, p)));
      assert.equal(summary.body.finality.status, "partial");
      const byCountry = (countries.body.rows as Array<{ requests: number }>)
        .reduce((n, r) => n + r.requests, 0);
      assert.equal(byCountry, summary.body.summary.requests);
      return summary.body.summary.requests as number;
    };
    const first = await requests();
    assert.equal(await requests(), first); // served again, from what was kept
    // One more record in a window that is still open (late evening), in an object of its own.
    const line = new TextDecoder().decode(gunzipSync(readFileSync(join(logs.dir, files[7]))))
      .split("\n")[0];
    deliver("2024/03/01/00/extra-1-2024-03-01-00-40-00-x.gz", gzipSync(line + "\n"));
    await ingest(ctx);
    await consolidate(ctx);
    assert.equal(await requests(), first + 1);
    // The rest of the objects: new windows, not aggregated yet.
    for (const f of files.slice(8)) deliver(f);
    await ingest(ctx);
    await consolidate(ctx);
    const total = (await readDoc(store, "monthly", "2024-03")).requests;
    assert.equal(await requests(), total + 1);
    assert.equal(await requests(), total + 1);
    // An open window whose summary is lost (its counts are still there) fails its ranges,
    // naming the key, rather than showing them without it.
    const lost = "sa/cloudfront/consolidated/2024-03-01/23-30/summary.json";
    assert.ok(await s.get(lost.replace("summary", "counts")), "the window is open");
    await s.delete(lost);
    const res = await app.request(paths[0], { headers: { "x-api-key": KEY } });
    assert.equal(res.status, 500);
    assert.match((await res.json()).error.message, new RegExp(`^${lost} is missing`));
  } finally {
    dir.cleanup();
  }
});

test("a served final answer never hides late data that reopens it", async () => {
  const dir = tempDir("api-late");
  try {
    const queue = join(dir.dir, "q");
    cpSync(logs.dir, queue, { recursive: true });
    const s = fsStore(join(dir.dir, "store"));
    await runPipeline(makeContext({ source: localSource(queue), store: s, parse, now: DONE }));
    const app = appOver(s, { source: localSource(queue) });
    const path =
      "/api/sa/traffic/summary?period=hourly&from=2024-03-01T00:00:00Z&to=2024-03-02T00:00:00Z";
    const first = await get(app, path);
    assert.equal(first.body.finality.status, "final");
    assert.deepEqual(await get(app, path), first); // served again, from the kept answer
    // One late record for 2024-03-01 10:xx, in a new object: ingested and consolidated.
    const sample = readdirSync(queue, { recursive: true }).map(String).find((f) =>
      f.endsWith(".gz")
    )!;
    const line = new TextDecoder().decode(gunzipSync(readFileSync(join(queue, sample))))
      .split("\n")[0].replace(/^\d+/, "1709287500");
    mkdirSync(join(queue, "2024/03/02/23"), { recursive: true });
    writeFileSync(
      join(queue, "2024/03/02/23/late-1-2024-03-02-23-00-00-x.gz"),
      gzipSync(line + "\n"),
    );
    const ctx = makeContext({ source: localSource(queue), store: s, parse, now: DONE });
    await ingest(ctx);
    await consolidate(ctx);
    const reopened = await get(app, path);
    assert.equal(reopened.body.finality.status, "partial");
    assert.equal(reopened.body.summary.requests, first.body.summary.requests + 1);
    // Late data keeps its windows partial for one aggregate run; the next finalizes them.
    for (const hours of [1, 2]) {
      await aggregate(
        makeContext({ source: localSource(queue), store: s, parse, now: DONE + hours * 3_600_000 }),
      );
    }
    const again = await get(app, path);
    assert.equal(again.body.finality.status, "final");
    assert.equal(again.body.summary.requests, first.body.summary.requests + 1);
  } finally {
    dir.cleanup();
  }
});

test("bad input is a 400 naming the field; unknown routes and keys are 404", async () => {
  const app = appOver(store);
  for (
    const [path, field] of [
      ["/api/sa/traffic/summary?period=yearly", "period"],
      ["/api/sa/traffic/summary?from=yesterday", "from"],
      ["/api/sa/traffic/top-paths?limit=0", "limit"],
      ["/api/sa/traffic/top-paths?limit=1000", "limit"],
      ["/api/sa/traffic/timeseries?metric=cpu", "metric"],
    ]
  ) {
    const r = await get(app, path);
    assert.equal(r.status, 400, path);
    assert.equal(r.body.error.code, "bad_request");
    assert.equal(r.body.error.details[0].field, field, path);
  }
  const backwards = await get(app, "/api/sa/traffic/summary?from=2024-03-02&to=2024-03-01");
  assert.equal(backwards.status, 400);
  assert.match(backwards.body.error.message, /before/);
  const huge = await get(app, "/api/sa/traffic/summary?period=30min&from=2000-01-01&to=2024-01-01");
  assert.equal(huge.status, 400);
  const step = await app.request("/api/sa/cloudfront/compact", {
    method: "POST",
    headers: { "x-api-key": KEY },
  });
  assert.equal(step.status, 400);
  assert.equal((await get(app, "/api/sa/nothing")).status, 404);
  const missing = await get(app, "/api/sa/cache/entry/sa/cloudfront/none.json");
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, "not_found");
});

test("a stored aggregate that is not JSON is a 500 naming its key, with no stack trace", async () => {
  const broken = memoryStore();
  for (const [k, v] of store.entries) broken.entries.set(k, v);
  broken.entries.set(aggregateKey("daily", "2024-03-01"), new TextEncoder().encode("{not json"));
  const logged: string[] = [];
  const app = appOver(broken, { log: (m) => logged.push(m) });
  const res = await app.request(
    "/api/sa/traffic/summary?period=daily&from=2024-03-01&to=2024-03-02",
    {
      headers: { "x-api-key": KEY },
    },
  );
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.deepEqual(JSON.parse(text), {
    error: {
      code: "internal",
      message: "sa/cloudfront/aggregate/daily/2024-03-01/data.json is not valid JSON; " +
        "remove it and run the step that writes it again",
    },
  });
  assert.doesNotMatch(text, /\.ts:\d+|\n\s+at /);
  assert.deepEqual(logged, [], "not a bug: nothing for the server's log");
});

test("pipeline routes run the steps; a second call while one runs gets 409", async () => {
  const s = memoryStore();
  const archived = memoryStore();
  const app = appOver(s, { archive: { store: archived, storageClass: "STANDARD_IA" } });
  const post = (path: string) =>
    app.request(`/api/sa/cloudfront/${path}`, { method: "POST", headers: { "x-api-key": KEY } });
  const [a, b] = await Promise.all([post("ingest"), post("ingest")]);
  const statuses = [a.status, b.status].sort();
  assert.deepEqual(statuses, [200, 409]);
  const [ok, busy] = a.status === 200 ? [a, b] : [b, a];
  const busyBody = await busy.json();
  assert.equal(busyBody.error.code, "step_running");
  // The lock is the server's own: the message says so (README: schedule one runner).
  assert.match(
    busyBody.error.message,
    /running in this server since .*one step at a time per server/,
  );
  assert.equal(busyBody.error.details.step, "ingest");
  const ingested = await ok.json();
  assert.equal(ingested.step, "ingest");
  assert.equal(ingested.result.objects_ingested, 16);
  assert.equal((await post("consolidate")).status, 200);
  const agg = await (await post(`aggregate?now=${new Date(DONE).toISOString()}`)).json();
  assert.equal(agg.now, new Date(DONE).toISOString());
  assert.equal(agg.result.final.daily, 2);
  const status = await get(app, "/api/sa/cloudfront/status");
  assert.equal(status.body.running, null);
  assert.deepEqual(status.body.queue, { objects: 16, ingested: 16, waiting: 0 });
  assert.equal(status.body.data.first_window, "2024-03-01T00:00:00.000Z");
  assert.equal(status.body.latest.daily.key, "2024-03-02");
  assert.equal(status.body.latest.daily.status, "final");
  // March's days without data are final by the clock only after they end.
  assert.equal(status.body.latest.monthly.status, "partial");
  // The API's aggregates are the scripts' aggregates.
  assert.deepEqual(
    await readDoc(s, "monthly", "2024-03"),
    await readDoc(store, "monthly", "2024-03"),
  );
  const noArchive = await appOver(s).request("/api/sa/cloudfront/archive", {
    method: "POST",
    headers: { "x-api-key": KEY },
  });
  assert.equal(noArchive.status, 409);
  assert.equal((await noArchive.json()).error.code, "not_configured");
  assert.equal(
    (await app.request("/api/sa/cloudfront/ingest", { headers: { "x-api-key": KEY } })).status,
    404,
  );
});

test("the cache browser: a tree, an entry as stored, totals per area", async () => {
  const app = appOver(store);
  const root = await get(app, "/api/sa/cache/browse");
  assert.deepEqual(root.body, { dir: "", dirs: [{ name: "sa", path: "sa" }], files: [] });
  const top = await get(app, "/api/sa/cache/browse/sa/cloudfront/");
  assert.deepEqual(top.body.dirs.map((d: { name: string }) => d.name), [
    "aggregate",
    "consolidated",
    "ledger",
    "raw",
  ]);
  const day = await get(app, "/api/sa/cache/browse/sa/cloudfront/aggregate/daily/2024-03-01");
  assert.deepEqual(day.body.files.map((f: { key: string }) => f.key), [
    "sa/cloudfront/aggregate/daily/2024-03-01/__meta.json",
    "sa/cloudfront/aggregate/daily/2024-03-01/data.json",
  ]);
  const entry = await app.request(
    "/api/sa/cache/entry/sa/cloudfront/aggregate/daily/2024-03-01/data.json",
    {
      headers: { "x-api-key": KEY },
    },
  );
  assert.equal(entry.headers.get("content-type"), "application/json");
  assert.deepEqual(
    new Uint8Array(await entry.arrayBuffer()),
    await store.get("sa/cloudfront/aggregate/daily/2024-03-01/data.json"),
  );
  const stats = await get(app, "/api/sa/cache/stats");
  const keys = [...store.entries.keys()];
  assert.equal(stats.body.total.keys, keys.length);
  const area = (a: string) => stats.body.areas.find((x: { area: string }) => x.area === a);
  assert.equal(area("aggregate/daily").keys, 4);
  assert.equal(area("ledger").keys, 16);
});

/** Escapes that reach the cache routes: each must be a 400. */
const ESCAPES = [
  "..%2F..%2Fetc%2Fpasswd",
  "%252e%252e/x",
  "%2Fetc%2Fpasswd",
  "sa%5C..%5Cx",
  "sa/x%00y",
  "sa//x",
  ".hidden/x",
  "sa/%E0%A4%A",
];

describe("keys that try to leave the store are refused on every backend", () => {
  let s3: Awaited<ReturnType<typeof startS3>>;
  const dir = tempDir("api-fs");
  before(async () => {
    s3 = await startS3(["api-bucket"]);
  });
  after(async () => {
    dir.cleanup();
    await s3?.stop();
  });
  const backends: Array<[string, () => Store]> = [
    ["memory", () => store],
    ["filesystem", () => fsStore(dir.dir)],
    ["s3", () => s3Store(s3.client, { bucket: "api-bucket", prefix: "p" })],
  ];
  for (const [name, make] of backends) {
    test(name, async () => {
      const s = make();
      await s.put("sa/ok.json", new TextEncoder().encode("{}"));
      const app = appOver(s);
      for (const escape of ESCAPES) {
        for (const route of ["entry", "browse"]) {
          const r = await get(app, `/api/sa/cache/${route}/${escape}`);
          assert.equal(r.status, 400, `${route}/${escape}`);
          assert.equal(r.body.error.code, "bad_request");
        }
      }
      // Dot segments, raw or percent-encoded, are resolved by the URL parser (WHATWG URL)
      // before routing: the request names another route and never reaches the store.
      for (
        const escape of ["%2e%2e/%2e%2e/etc/passwd", "sa/%2e%2e/%2e%2e/x", "sa/%2E%2e/../../x"]
      ) {
        const r = await get(app, `/api/sa/cache/entry/${escape}`);
        assert.equal(r.status, 404, escape);
        assert.doesNotMatch(r.body.error.message, /cache\/entry/, escape);
      }
      assert.equal((await get(app, "/api/sa/cache/entry/sa/ok.json")).status, 200);
    });
  }
});

test("the OpenAPI document is generated from the route schemas", async () => {
  const doc = (await get(appOver(store), "/api/sa/openapi.json")).body;
  assert.equal(doc.openapi, "3.1.0");
  for (
    const path of [
      "/api/sa/traffic/summary",
      "/api/sa/traffic/timeseries",
      "/api/sa/traffic/top-paths",
      "/api/sa/traffic/edge-locations",
      "/api/sa/traffic/status-codes",
      "/api/sa/cloudfront/{step}",
      "/api/sa/cloudfront/status",
    ]
  ) assert.ok(doc.paths[path], path);
  const params = doc.paths["/api/sa/traffic/timeseries"].get.parameters;
  const metric = params.find((p: { name: string }) => p.name === "metric");
  assert.deepEqual(metric.schema.enum, [
    "requests",
    "bytes",
    "errors_4xx",
    "errors_5xx",
    "cache_hit_ratio",
    "time_taken_p95",
    "page_views",
    "entries",
  ]);
  assert.ok(doc.paths["/api/sa/traffic/summary"].get.responses["200"].content);
  assert.ok(doc.components.securitySchemes.apiKey);
});
