/**
 * The API under input it cannot serve and under a store that changes underfoot: every
 * such answer is a 400, 404 or 409 with a message, through `app.request()` over real
 * stores. A 500 is left for bugs, and says nothing of its cause.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../src/api/app.ts";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { consolidate } from "../src/pipeline/consolidate.ts";
import { ingest } from "../src/pipeline/ingest.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { memoryStore } from "../src/store/memory.ts";
import type { Store } from "../src/store/store.ts";
import { tempDir } from "./_helpers.ts";

const KEY = "hostile-key-0123456789abcdef";
const NOW = Date.parse("2024-03-03T01:00:00Z");
const parse = { format: "realtime" as const, fields: PRESETS.all };
const bytes = (s: string) => new TextEncoder().encode(s);

const work = tempDir("api-hostile");
const logs = join(work.dir, "logs");
let n = 0;
/** A fresh filesystem store with one entry under a few directories. */
async function freshFs(): Promise<{ store: Store; dir: string }> {
  const dir = join(work.dir, `store-${n++}`);
  const store = fsStore(dir);
  await store.put("sa/cloudfront/aggregate/daily/2024-03-01/data.json", bytes("{}"));
  return { store, dir };
}

before(async () => {
  await generateLogs({
    dir: logs,
    lines: 400,
    days: 1,
    start: Date.parse("2024-03-01T00:00:00Z"),
    objects: 2,
    seed: 5,
  });
});
after(() => work.cleanup());

function appOver(store: Store, log: (m: string) => void = () => {}) {
  return createApp({
    store,
    source: localSource(logs),
    apiKeys: [KEY],
    pipeline: { parse },
    clock: () => NOW,
    log,
  });
}

async function call(app: ReturnType<typeof createApp>, path: string, method = "GET") {
  const res = await app.request(path, { method, headers: { "x-api-key": KEY } });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

test("an entry that names a directory is a 404 saying to browse it, on every backend", async () => {
  const mem = memoryStore();
  await mem.put("sa/cloudfront/aggregate/daily/2024-03-01/data.json", bytes("{}"));
  for (const store of [mem, (await freshFs()).store]) {
    const r = await call(appOver(store), "/api/sa/cache/entry/sa/cloudfront/aggregate");
    assert.equal(r.status, 404, store.name);
    assert.equal(r.body.error.code, "not_found");
    assert.match(r.body.error.message, /sa\/cloudfront\/aggregate is a directory/);
    assert.match(r.body.error.message, /cache\/browse\/sa\/cloudfront\/aggregate/);
    const none = await call(appOver(store), "/api/sa/cache/entry/sa/cloudfront/none.json");
    assert.equal(none.status, 404);
    assert.match(none.body.error.message, /^no entry/);
  }
});

test("very long or very deep keys are a 400 before any backend sees them", async () => {
  const app = appOver((await freshFs()).store);
  const keys = {
    "100 KB": `sa/${"a".repeat(100_000)}`,
    "5,000 segments": Array.from({ length: 5000 }, () => "a").join("/"),
    "65 segments": Array.from({ length: 65 }, () => "a").join("/"),
  };
  for (const [what, key] of Object.entries(keys)) {
    for (const route of ["entry", "browse"]) {
      const r = await call(app, `/api/sa/cache/${route}/${key}`);
      assert.equal(r.status, 400, `${route}: ${what}`);
      assert.equal(r.body.error.code, "bad_request");
      assert.match(r.body.error.message, /at most (1024 characters|64 segments)/, what);
    }
  }
  const longest = `sa/${"a".repeat(1021)}`; // 1,024 characters, one segment too long for a disk
  for (const route of ["entry", "browse"]) {
    const r = await call(app, `/api/sa/cache/${route}/${longest}`);
    assert.equal(r.status, 400, route);
    assert.equal(r.body.error.code, "bad_request");
    assert.match(r.body.error.message, /too long for the file system/);
  }
});

test("times outside 2000-01-01 to 2100-01-01 are a 400 naming the field", async () => {
  const app = appOver(memoryStore());
  const cases: Array<[string, string]> = [
    ["/api/sa/traffic/summary?from=0000-01-01&to=2024-01-01", "from"],
    ["/api/sa/traffic/summary?from=-271821-04-20T00:00:00Z", "from"],
    ["/api/sa/traffic/timeseries?from=2024-01-01&to=%2B275760-09-13T00:00:00Z", "to"],
    ["/api/sa/traffic/top-paths?now=0000-01-01", "now"],
    ["/api/sa/traffic/summary?to=1999-12-31T23:59:59Z", "to"],
    ["/api/sa/traffic/summary?from=2100-01-01T00:00:01Z", "from"],
    ["/api/sa/cloudfront/status?now=-271821-04-20T00:00:00Z", "now"],
  ];
  for (const [path, field] of cases) {
    const r = await call(app, path);
    assert.equal(r.status, 400, path);
    assert.equal(r.body.error.code, "bad_request");
    assert.equal(r.body.error.details[0].field, field, path);
    assert.match(r.body.error.message, /from 2000-01-01 to 2100-01-01/, path);
  }
  const step = await call(app, "/api/sa/cloudfront/consolidate?now=%2B275760-09-13", "POST");
  assert.equal(step.status, 400);
  assert.equal(step.body.error.details[0].field, "now");
  // The bounds themselves are servable.
  const edge = await call(
    app,
    "/api/sa/traffic/summary?period=monthly&from=2000-01-01&to=2100-01-01",
  );
  assert.notEqual(edge.status, 500);
});

test("a file that vanished while the store was walked is skipped, not a 500", async () => {
  const { store, dir } = await freshFs();
  await store.put("sa/cloudfront/ledger/x.json", bytes("{}"));
  // Listed by readdir, gone when looked at: what a concurrent run's removal leaves.
  symlinkSync(join(dir, "removed.json"), join(dir, "sa/cloudfront/ledger/y.json"));
  const r = await call(appOver(store), "/api/sa/cache/stats");
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.total.keys, 2);
});

/** A filesystem store with the queue ingested and consolidated: ready to aggregate. */
async function consolidatedFs() {
  const fs = await freshFs();
  await ingest(makeContext({ source: localSource(logs), store: fs.store, parse, now: NOW }));
  await consolidate({ store: fs.store, now: NOW, log: () => {} });
  rmSync(join(fs.dir, "sa/cloudfront/aggregate"), { recursive: true, force: true });
  return fs;
}

test("a store changed underfoot during a step is a 409 conflict; a broken one stays a 500", async () => {
  const { store, dir } = await consolidatedFs();
  // The directory the aggregate step writes into was renamed away by another run.
  symlinkSync(join(dir, "moved-away"), join(dir, "sa/cloudfront/aggregate"));
  const logged: string[] = [];
  const r = await call(
    appOver(store, (m) => logged.push(m)),
    "/api/sa/cloudfront/aggregate",
    "POST",
  );
  assert.equal(r.status, 409, `${r.text}\n${logged.join("\n")}`);
  assert.equal(r.body.error.code, "conflict");
  assert.match(r.body.error.message, /changed while this request used it.*try again/);
  assert.doesNotMatch(r.text, new RegExp(dir.replaceAll("/", "\\/")), "no server path");
  assert.match(logged.join("\n"), /conflict: POST/);

  // A file where a directory must be is no race: it is a broken store, a bug's 500.
  const broken = await consolidatedFs();
  writeFileSync(join(broken.dir, "sa/cloudfront/aggregate"), "not a directory");
  const lines: string[] = [];
  const bug = await call(
    appOver(broken.store, (m) => lines.push(m)),
    "/api/sa/cloudfront/aggregate",
    "POST",
  );
  assert.equal(bug.status, 500, bug.text);
  assert.deepEqual(bug.body, {
    error: { code: "internal", message: "internal error; see the server log" },
  });
  assert.match(lines.join("\n"), /ENOTDIR|EEXIST/);
});

test("a server whose source does not exist answers 409 not_configured, naming it", async () => {
  const app = createApp({
    store: memoryStore(),
    source: localSource(join(work.dir, "no-such-logs")),
    apiKeys: [KEY],
    pipeline: { parse },
    clock: () => NOW,
    log: () => {},
  });
  for (const [method, path] of [["GET", "status"], ["POST", "ingest"], ["POST", "aggregate"]]) {
    const res = await app.request(`/api/sa/cloudfront/${path}`, {
      method,
      headers: { "x-api-key": KEY },
    });
    assert.equal(res.status, 409, `${method} ${path}`);
    const body = await res.json();
    assert.equal(body.error.code, "not_configured");
    assert.match(body.error.message, /no-such-logs does not exist/);
  }
});

test("a day the calendar does not have is a 400, not another day", async () => {
  const app = appOver(memoryStore());
  for (const from of ["2024-02-30T00:00:00Z", "2023-02-29", "2024-04-31T10:00:00Z"]) {
    const res = await app.request(`/api/sa/traffic/summary?from=${from}`, {
      headers: { "x-api-key": KEY },
    });
    assert.equal(res.status, 400, from);
  }
  const ok = await app.request("/api/sa/traffic/summary?from=2024-02-29", {
    headers: { "x-api-key": KEY },
  });
  assert.equal(ok.status, 200);
});
