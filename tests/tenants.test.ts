/**
 * Tenants: two distributions in one deployment, each under its own prefix of the queue and
 * its own namespace of the store. Each one's figures are what a deployment of its own
 * would compute, and nothing of one is visible to the other, through events or the API.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../src/api/app.ts";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { apiKeysFrom, ConfigError, tenantsFrom } from "../src/runtime/config.ts";
import { handleEvent } from "../src/runtime/events.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { listTenants } from "../src/source/tenant.ts";
import { memoryStore } from "../src/store/memory.ts";
import type { Store } from "../src/store/store.ts";
import { isTenantName, tenantStore } from "../src/store/tenant.ts";
import { fsStore } from "../src/store/fs.ts";
import { s3Notification, scheduleEvent, sqsEvent } from "./_events.ts";
import { runScript } from "./_run-script.ts";
import { aggregatesOf, readDoc, tempDir } from "./_helpers.ts";

const LATER = "2024-03-02T01:00:00Z";
const parse = { format: "realtime" as const, fields: PRESETS.all };
const work = tempDir("tenants");
const queue = join(work.dir, "queue");
const keys: Record<string, string[]> = {};
const LINES = { E1: 900, E2: 500 };

before(async () => {
  for (const [tenant, lines] of Object.entries(LINES)) {
    keys[tenant] = await generateLogs({
      dir: join(queue, tenant),
      lines,
      days: 1 / 24,
      start: Date.parse("2024-03-01T10:00:00Z"),
      objects: 3,
      seed: lines,
    });
  }
});
after(() => work.cleanup());

async function aggregates(store: Store) {
  const entries: Array<[string, Uint8Array]> = [];
  for await (const e of store.list("sa/cloudfront/aggregate/")) {
    entries.push([e.key, (await store.get(e.key))!]);
  }
  return aggregatesOf(entries);
}

test("a tenant's view of the store: its namespace, and nothing else", async () => {
  const store = memoryStore();
  const e1 = tenantStore(store, "E1");
  await e1.put(
    "sa/cloudfront/aggregate/daily/2024-03-01/data.json",
    new TextEncoder().encode("{}"),
  );
  await tenantStore(store, "E2").put("sa/cloudfront/ledger/x.json", new TextEncoder().encode("{}"));
  assert.deepEqual([...store.entries.keys()].sort(), [
    "sa/cloudfront/E1/aggregate/daily/2024-03-01/data.json",
    "sa/cloudfront/E2/ledger/x.json",
  ]);
  const listed = [];
  for await (const e of e1.list("")) listed.push(e.key);
  assert.deepEqual(listed, ["sa/cloudfront/aggregate/daily/2024-03-01/data.json"]);
  assert.equal(await e1.get("sa/cloudfront/ledger/x.json"), undefined); // E2's
  assert.deepEqual(await e1.browse(""), { dirs: ["sa"], files: [] });
  assert.deepEqual(await e1.browse("sa/"), { dirs: ["cloudfront"], files: [] });
  assert.deepEqual((await e1.browse("sa/cloudfront/")).dirs, ["aggregate"]);
  await assert.rejects(e1.put("other/x", new Uint8Array(1)), /only under/);
  assert.equal(await e1.get("other/x"), undefined);
  for (const name of ["raw", "aggregate", "../x", "", "a/b", "x".repeat(65)]) {
    assert.equal(isTenantName(name), false, name);
    assert.throws(() => tenantStore(store, name));
  }
  assert.ok(isTenantName("E2EXAMPLE") && isTenantName("shop_eu-1"));
});

test("events: each tenant's objects go to its namespace, with what a deployment of its own computes", async () => {
  const store = memoryStore();
  const d = {
    ctx: makeContext({ source: localSource(queue), store, parse, now: Date.parse(LATER) }),
    tenants: "auto" as const,
  };
  const named = [...keys.E1.map((k) => `E1/${k}`), ...keys.E2.map((k) => `E2/${k}`), "raw/x.gz"];
  const r = await handleEvent(d, sqsEvent([s3Notification("logs", named)]));
  assert.deepEqual("batchItemFailures" in r && r.batchItemFailures, []);
  assert.deepEqual("results" in r && r.results.map((x) => [x.tenant, x.objects.length]), [
    ["E1", 3],
    ["E2", 3],
  ]);
  const s = await handleEvent(d, scheduleEvent(LATER));
  assert.deepEqual("runs" in s && s.runs.map((x) => x.tenant), ["E1", "E2"]);
  const top = new Set([...store.entries.keys()].map((k) => k.split("/")[2]));
  assert.deepEqual([...top].sort(), ["E1", "E2"]); // nothing outside the tenants' namespaces
  for (const tenant of ["E1", "E2"] as const) {
    const own = memoryStore();
    await runPipeline(makeContext({
      source: localSource(join(queue, tenant)),
      store: own,
      parse,
      now: Date.parse(LATER),
    }));
    assert.deepEqual(await aggregates(tenantStore(store, tenant)), await aggregates(own), tenant);
    assert.equal(
      (await readDoc(tenantStore(store, tenant), "daily", "2024-03-01")).requests,
      LINES[tenant],
    );
  }
});

test("the API: every call names its tenant, and a key limited to one sees only that one", async () => {
  const store = memoryStore();
  await handleEvent(
    {
      ctx: makeContext({ source: localSource(queue), store, parse, now: Date.parse(LATER) }),
      tenants: "auto",
    },
    sqsEvent([
      s3Notification("logs", [...keys.E1.map((k) => `E1/${k}`), ...keys.E2.map((k) => `E2/${k}`)]),
    ]),
  );
  const all = "key-for-every-tenant-0123";
  const one = "key-for-tenant-e1-only-01";
  const app = createApp({
    store,
    source: localSource(queue),
    tenants: "auto",
    apiKeys: [{ key: all }, { key: one, tenants: ["E1"] }],
  });
  const get = async (path: string, key: string) => {
    const res = await app.request(path, { headers: { "x-api-key": key } });
    return { status: res.status, body: await res.json() };
  };
  assert.deepEqual((await get("/api/sa/tenants", all)).body, { tenants: ["E1", "E2"] });
  assert.deepEqual((await get("/api/sa/tenants", one)).body, { tenants: ["E1"] });
  const q = "period=daily&from=2024-03-01&to=2024-03-02";
  for (const tenant of ["E1", "E2"] as const) {
    const r = await get(`/api/sa/traffic/summary?${q}&tenant=${tenant}`, all);
    assert.equal(r.status, 200);
    assert.equal(r.body.summary.requests, LINES[tenant]);
  }
  assert.equal(
    (await get(`/api/sa/traffic/summary?${q}&tenant=E1`, one)).body.summary.requests,
    LINES.E1,
  );
  const denied = await get(`/api/sa/traffic/summary?${q}&tenant=E2`, one);
  assert.deepEqual([denied.status, denied.body.error.code], [403, "forbidden"]);
  const none = await get(`/api/sa/traffic/summary?${q}`, all);
  assert.deepEqual([none.status, none.body.error.details[0].field], [400, "tenant"]);
  assert.equal((await get(`/api/sa/traffic/summary?${q}&tenant=..`, all)).status, 400);
  // With auto, a name that is no tenant of the store or the queue is unknown; one tenant a call.
  const nobody = await get(`/api/sa/traffic/summary?${q}&tenant=E9`, all);
  assert.deepEqual([nobody.status, nobody.body.error.message], [404, "no tenant E9"]);
  const twice = await get(`/api/sa/traffic/summary?${q}&tenant=E1&tenant=E2`, all);
  assert.deepEqual([twice.status, twice.body.error.details[0].field], [400, "tenant"]);
  // The cache browser of E1 shows E1's tree only.
  const tree = await get("/api/sa/cache/browse/sa/cloudfront?tenant=E1", one);
  assert.deepEqual(tree.body.dirs.map((x: { name: string }) => x.name), [
    "aggregate",
    "consolidated",
    "ledger",
    "raw",
  ]);
  const status = await get("/api/sa/cloudfront/status?tenant=E2", all);
  assert.deepEqual(status.body.queue, { objects: 3, ingested: 3, waiting: 0 });
  // Listed tenants: any other is unknown.
  const listed = createApp({ store, tenants: ["E1"], apiKeys: [all] });
  const unknown = await listed.request(`/api/sa/traffic/summary?${q}&tenant=E2`, {
    headers: { "x-api-key": all },
  });
  assert.equal(unknown.status, 404);
  // A key limited to tenants cannot read a deployment without tenants.
  const single = createApp({ store, apiKeys: [{ key: one, tenants: ["E1"] }] });
  assert.equal(
    (await single.request("/api/sa/traffic/summary", { headers: { "x-api-key": one } })).status,
    403,
  );
});

test("settings: tenant lists and tenant-limited keys", () => {
  assert.equal(tenantsFrom({}), undefined);
  assert.equal(tenantsFrom({ tenants: "auto" }), "auto");
  assert.deepEqual(tenantsFrom({ tenants: "E1, E2" }), ["E1", "E2"]);
  assert.throws(() => tenantsFrom({ tenants: "E1,raw" }), ConfigError);
  // A Firehose year folder, or the word that means every tenant, names none.
  for (const name of ["2024", "auto", "AUTO", "raw", "RAW", "Ledger", "-x", ""]) {
    assert.equal(isTenantName(name), false, name);
  }
  assert.throws(() => tenantsFrom({ tenants: "auto,E1" }), /"auto" is not a tenant name/);
  for (const name of ["E1", "E2EXAMPLE", "site-2024", "a"]) assert.ok(isTenantName(name), name);
  assert.deepEqual(
    apiKeysFrom({ CLOUDFRONT_LETS_API_KEY: "aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb@E1+E2" }),
    [{ key: "aaaaaaaaaaaaaaaa" }, { key: "bbbbbbbbbbbbbbbb", tenants: ["E1", "E2"] }],
  );
  assert.throws(
    () => apiKeysFrom({ CLOUDFRONT_LETS_API_KEY: "bbbbbbbbbbbbbbbb@../x" }),
    ConfigError,
  );
  assert.ok(readdirSync(queue).length === 2);
});

test("standard logs of several distributions in one prefix: the name's distribution id is the tenant", async () => {
  const std = join(work.dir, "std-queue");
  const own: Record<string, string> = {};
  const lines: Record<string, number> = { EAAAAAAAAAAAA: 600, EBBBBBBBBBBBB: 300 };
  for (const [dist, n] of Object.entries(lines)) {
    const gen = join(work.dir, `gen-${dist}`);
    const written = await generateLogs({
      dir: gen,
      lines: n,
      days: 1 / 24,
      start: Date.parse("2024-03-01T10:00:00Z"),
      objects: 2,
      seed: n,
      format: "standard",
    });
    own[dist] = join(work.dir, `own-${dist}`);
    for (const key of written) {
      const renamed = `logs/${key.replace("E2EXAMPLE", dist)}`;
      for (const dir of [std, own[dist]]) {
        mkdirSync(join(dir, renamed, ".."), { recursive: true });
        copyFileSync(join(gen, key), join(dir, renamed));
      }
    }
  }
  const stdParse = { format: "standard" as const, fields: [] };
  const store = memoryStore();
  const ctx = makeContext({
    source: localSource(std),
    store,
    parse: stdParse,
    now: Date.parse(LATER),
  });
  const named: string[] = [];
  for await (const o of localSource(std).list()) named.push(o.key);
  const r = await handleEvent({ ctx, tenants: "auto" }, sqsEvent([s3Notification("logs", named)]));
  assert.deepEqual("results" in r && r.results.map((x) => [x.tenant, x.objects.length]), [
    ["EAAAAAAAAAAAA", 2],
    ["EBBBBBBBBBBBB", 2],
  ]);
  await handleEvent({ ctx, tenants: "auto" }, scheduleEvent(LATER));
  for (const dist of Object.keys(lines)) {
    const alone = memoryStore();
    await runPipeline(
      makeContext({
        source: localSource(own[dist]),
        store: alone,
        parse: stdParse,
        now: Date.parse(LATER),
      }),
    );
    assert.deepEqual(await aggregates(tenantStore(store, dist)), await aggregates(alone), dist);
    assert.equal(
      (await readDoc(tenantStore(store, dist), "daily", "2024-03-01")).requests,
      lines[dist],
    );
  }
  assert.deepEqual(await listTenants(localSource(std)), ["EAAAAAAAAAAAA", "EBBBBBBBBBBBB"]);
});

test("the steps as scripts: --tenants runs each tenant in turn, --tenant one alone", async () => {
  const store = join(work.dir, "script-store");
  const base = ["--source", queue, "--store", store, "--now", LATER];
  // One tenant alone: the other's objects are not touched.
  const one = await runScript("ingest", [...base, "--tenant", "E2", "--json"]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(JSON.parse(one.stdout).records, LINES.E2);
  assert.deepEqual(readdirSync(join(store, "sa/cloudfront")), ["E2"]);
  // Every tenant: each its own result, E2's objects already ingested.
  const all = await runScript("pipeline", [...base, "--tenants", "auto"]);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^\[E1\] ingest: 3 objects ingested/m);
  assert.match(all.stdout, /^\[E2\] ingest: 0 objects ingested, 3 already ingested/m);
  assert.match(all.stdout, /^\[E2\] aggregate: /m);
  const fs = fsStore(store);
  for (const [tenant, lines] of Object.entries(LINES)) {
    const day = await readDoc(tenantStore(fs, tenant), "daily", "2024-03-01");
    assert.equal(day.requests, lines, tenant);
  }
  // export too: each tenant's records under its own directory of --out.
  const out = join(work.dir, "script-out");
  const exported = await runScript("export", ["--store", store, "--out", out, "--tenants", "auto"]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.deepEqual(readdirSync(out).sort(), ["E1", "E2"]);
  assert.ok(readdirSync(join(out, "E1", "records")).includes("dt=2024-03-01"));
  assert.match(
    readFileSync(join(out, "E2", "athena.sql"), "utf8"),
    /TABLE IF NOT EXISTS cloudfront_lets_records_e2 /,
  );
  // One tenant alone goes to the same place: exports of two never delete each other's files.
  const alone = await runScript("export", ["--store", store, "--out", out, "--tenant", "E1"]);
  assert.equal(alone.code, 0, alone.stderr);
  assert.deepEqual(readdirSync(out).sort(), ["E1", "E2"]);
  const json = await runScript("consolidate", [...base, "--tenants", "E1,E2", "--json"]);
  assert.deepEqual(Object.keys(JSON.parse(json.stdout).tenants), ["E1", "E2"]);
  // A tenant that fails is named, and the others still run.
  const raw = join(store, "sa/cloudfront/E2/raw/2024-03-01/10-00");
  writeFileSync(join(raw, readdirSync(raw)[0]), "{");
  const some = await runScript("consolidate", [
    ...base,
    "--tenants",
    "auto",
    "--rebuild",
    "--json",
  ]);
  assert.equal(some.code, 1);
  const { E1, E2 } = JSON.parse(some.stdout).tenants;
  assert.deepEqual([E1.windows, E1.failures.length, E2.failures.length], [2, 0, 1]);
  assert.match(some.stderr, /^error: E2: 1 window\(s\) could not be rebuilt/m);
  const bad = await runScript("ingest", [...base, "--tenants", "E1,raw"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--tenants: "raw" is not a tenant name/);
  // Exclusive: both flags is a usage error; a flag wins over the other's variable.
  const both = await runScript("ingest", [...base, "--tenant", "E1", "--tenants", "auto"]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /give --tenant or --tenants, not both/);
  const flagged = await runScript("ingest", [...base, "--tenant", "E1", "--json"], {
    CLOUDFRONT_LETS_TENANTS: "auto",
  });
  assert.equal(flagged.code, 0, flagged.stderr);
  assert.equal(JSON.parse(flagged.stdout).objects_skipped, 3);
});

test("--tenants auto on a queue of one tenant's Firehose folders finds no tenant", async () => {
  const store = join(work.dir, "years-store");
  const r = await runScript("ingest", [
    "--source",
    join(queue, "E1"),
    "--store",
    store,
    "--tenants",
    "auto",
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: no tenant in /m);
});
