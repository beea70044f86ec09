/** Alert rules: judged on the store's recent windows, on the newest objects, by API and script. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createApp } from "../src/api/app.ts";
import { type AlertRule, evaluateRule } from "../src/core/alerts.ts";
import { PRESETS } from "../src/core/fields.ts";
import { emptyState } from "../src/core/summary.ts";
import { checkAlerts, checkLatest } from "../src/pipeline/alerts.ts";
import { alertsFrom } from "../src/runtime/config.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { tenantStore } from "../src/store/tenant.ts";
import { readDoc, tempDir } from "./_helpers.ts";
import { runScript } from "./_run-script.ts";

const work = tempDir("alerts");
const logs = join(work.dir, "logs");
const storeDir = join(work.dir, "store");
const parse = { format: "realtime" as const, fields: PRESETS.all };

before(async () => {
  await generateLogs({
    dir: logs,
    lines: 3000,
    days: 3 / 24,
    start: Date.parse("2024-03-01T09:00:00Z"),
    objects: 6,
    seed: 12,
  });
  await runPipeline(makeContext({
    source: localSource(logs),
    store: fsStore(storeDir),
    parse,
    now: Date.parse("2024-03-01T13:00:00Z"),
  }));
});
after(() => work.cleanup());

const rule = (r: Partial<AlertRule> & Pick<AlertRule, "metric" | "comparison" | "threshold">) => ({
  name: `${r.metric} ${r.comparison} ${r.threshold}`,
  windows: 1,
  min_requests: 0,
  ...r,
});

test("a rule is ok, breached, or not judged without enough requests", () => {
  const state = { ...emptyState(), requests: 100, status_codes: { "200": 90, "503": 10 } };
  const span = { from: "a", to: "b" };
  const at = (r: AlertRule) => evaluateRule(r, state, span);
  assert.equal(
    at(rule({ metric: "error_rate_5xx", comparison: ">", threshold: 0.05 })).status,
    "breached",
  );
  assert.equal(
    at(rule({ metric: "error_rate_5xx", comparison: ">", threshold: 0.1 })).status,
    "ok",
  );
  assert.equal(
    at(rule({ metric: "error_rate_5xx", comparison: ">=", threshold: 0.1 })).status,
    "breached",
  );
  assert.equal(
    at(rule({ metric: "requests", comparison: "<", threshold: 101 })).status,
    "breached",
  );
  assert.equal(
    at(rule({ metric: "error_rate_5xx", comparison: ">", threshold: 0, min_requests: 101 })).status,
    "insufficient_data",
  );
  assert.equal(
    evaluateRule(rule({ metric: "requests", comparison: "<", threshold: 1 }), emptyState(), null)
      .status,
    "insufficient_data",
  );
  assert.equal(at(rule({ metric: "error_rate_5xx", comparison: ">", threshold: 0 })).value, 0.1);
});

test("rules judged on the most recent windows equal the stored figures", async () => {
  const store = fsStore(storeDir);
  const report = await checkAlerts(store, [
    rule({ name: "5xx", metric: "error_rate_5xx", comparison: ">", threshold: 0 }),
    rule({ name: "traffic", metric: "requests", comparison: "<", threshold: 1, windows: 4 }),
    rule({
      name: "thin",
      metric: "cache_hit_ratio",
      comparison: "<",
      threshold: 0.5,
      min_requests: 1e9,
    }),
  ]);
  const last = await readDoc(store, "30min", "2024-03-01-1130");
  const [fives, traffic, thin] = report.rules;
  assert.equal(fives.value, last.errors_5xx / last.requests);
  assert.equal(fives.status, last.errors_5xx > 0 ? "breached" : "ok");
  assert.deepEqual([fives.from, fives.to], [
    "2024-03-01T11:30:00.000Z",
    "2024-03-01T12:00:00.000Z",
  ]);
  let four = 0;
  for (const k of ["2024-03-01-1000", "2024-03-01-1030", "2024-03-01-1100", "2024-03-01-1130"]) {
    four += (await readDoc(store, "30min", k)).requests;
  }
  assert.deepEqual([traffic.value, traffic.status], [four, "ok"]);
  assert.equal(thin.status, "insufficient_data");
  assert.equal(report.breached, fives.status === "breached" ? 1 : 0);
});

test("latest mode reads only the newest objects, in memory", async () => {
  const ctx = makeContext({
    source: localSource(logs),
    store: fsStore(join(work.dir, "unused")),
    parse,
  });
  const r = await checkLatest(
    ctx,
    [rule({ metric: "requests", comparison: ">", threshold: 0 })],
    2,
  );
  assert.equal(r.objects?.length, 2);
  assert.equal(r.rules[0].value, 1000); // two objects of 500 lines
  assert.equal(r.rules[0].status, "breached");
});

test("check exits 2 on a breach, 0 when clear; the API judges the same rules", async () => {
  const breached = JSON.stringify([
    rule({ name: "any traffic", metric: "requests", comparison: ">", threshold: 0 }),
  ]);
  const clear = join(work.dir, "clear.json");
  writeFileSync(
    clear,
    JSON.stringify([
      rule({ name: "p95", metric: "time_taken_p95", comparison: ">", threshold: 1e9 }),
    ]),
  );
  const a = await runScript("check", ["--alerts", breached, "--store", storeDir]);
  assert.equal(a.code, 2, a.stderr);
  assert.equal(JSON.parse(a.stdout).breached, 1);
  const b = await runScript("check", ["--alerts", clear, "--store", storeDir]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(JSON.parse(b.stdout).rules[0].status, "ok");
  const c = await runScript("check", ["--alerts", breached, "--source", logs, "--latest", "1"]);
  assert.equal(c.code, 2, c.stderr);
  assert.equal(JSON.parse(c.stdout).objects.length, 1);
  const emptyQueue = join(work.dir, "empty-queue");
  mkdirSync(emptyQueue, { recursive: true });
  const none = await runScript("check", [
    "--alerts",
    breached,
    "--source",
    emptyQueue,
    "--latest",
    "1",
  ]);
  assert.equal(none.code, 1, "an empty queue judged nothing");
  assert.match(none.stderr, /holds no objects: nothing to judge/);
  const hollow = join(work.dir, "hollow-queue", "2024", "03", "01", "10");
  mkdirSync(hollow, { recursive: true });
  writeFileSync(
    join(hollow, "rt-1-2024-03-01-10-00-00-0a0a0a0a-0000-4000-8000-0000000000ee.gz"),
    gzipSync(""),
  );
  const empty = await runScript("check", [
    "--alerts",
    breached,
    "--source",
    join(work.dir, "hollow-queue"),
    "--latest",
    "1",
  ]);
  assert.equal(empty.code, 1, "an object without records judged nothing");
  assert.match(empty.stderr, /hold no records: nothing to judge/);
  const bad = await runScript("check", [
    "--alerts",
    '[{"name": "x", "metric": "cpu"}]',
    "--store",
    storeDir,
  ]);
  assert.equal(bad.code, 1, "a usage error is no breach");
  assert.match(bad.stderr, /^error: --alerts: 0\.metric: /m);

  const rules = JSON.parse(breached);
  const app = createApp({
    store: fsStore(storeDir),
    apiKeys: ["alerts-key-0123456789"],
    alerts: rules,
  });
  const res = await app.request("/api/sa/alerts", {
    headers: { "x-api-key": "alerts-key-0123456789" },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), await checkAlerts(fsStore(storeDir), rules));
  assert.equal((await app.request("/api/sa/alerts")).status, 401);

  // With a zone, the same windows are written in its local time, with its offset.
  const local = await runScript("check", [
    "--alerts",
    breached,
    "--store",
    storeDir,
    "--tz",
    "America/New_York",
  ]);
  assert.equal(local.code, 2, local.stderr);
  const judged = JSON.parse(local.stdout);
  assert.equal(judged.tz, "America/New_York");
  assert.deepEqual([judged.rules[0].from, judged.rules[0].to], [
    "2024-03-01T06:30:00.000-05:00",
    "2024-03-01T07:00:00.000-05:00",
  ]);
  const api = await app.request("/api/sa/alerts?tz=America%2FNew_York", {
    headers: { "x-api-key": "alerts-key-0123456789" },
  });
  assert.deepEqual(await api.json(), judged);
  const wrong = await runScript("check", [
    "--alerts",
    breached,
    "--store",
    storeDir,
    "--tz",
    "Nowhere",
  ]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^error: --tz: "Nowhere" is not a time zone/m);
});

test("check judges each tenant, one tenant, and refuses a store or tenant with no data", async () => {
  const dir = join(work.dir, "tenants");
  // Two tenants: E1 holds the logs, E2 the first two objects of them.
  await runPipeline(makeContext({
    source: localSource(logs),
    store: tenantStore(fsStore(dir), "E1"),
    parse,
    now: Date.parse("2024-03-01T13:00:00Z"),
  }));
  const small = join(work.dir, "small");
  for (
    const f of readdirSync(logs, { recursive: true }).map(String).filter((f) => f.endsWith(".gz"))
      .sort().slice(0, 2)
  ) {
    mkdirSync(join(small, f, ".."), { recursive: true });
    copyFileSync(join(logs, f), join(small, f));
  }
  await runPipeline(makeContext({
    source: localSource(small),
    store: tenantStore(fsStore(dir), "E2"),
    parse,
    now: Date.parse("2024-03-01T13:00:00Z"),
  }));
  const rules = JSON.stringify([
    rule({ name: "any traffic", metric: "requests", comparison: ">", threshold: 0 }),
  ]);
  const all = await runScript("check", ["--alerts", rules, "--store", dir, "--tenants", "auto"]);
  assert.equal(all.code, 2, all.stderr);
  const report = JSON.parse(all.stdout);
  assert.deepEqual(Object.keys(report.tenants), ["E1", "E2"]);
  assert.equal(report.breached, 2);
  for (const t of ["E1", "E2"]) {
    assert.deepEqual(
      report.tenants[t],
      await checkAlerts(tenantStore(fsStore(dir), t), JSON.parse(rules)),
    );
  }
  const one = await runScript("check", ["--alerts", rules, "--store", dir, "--tenant", "E2"]);
  assert.equal(one.code, 2, one.stderr);
  assert.deepEqual(JSON.parse(one.stdout), report.tenants.E2);
  // Nothing to judge is an error, not "insufficient data".
  const none = await runScript("check", ["--alerts", rules, "--store", dir, "--tenant", "E3"]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^error: tenant E3 holds no data: nothing to judge/m);
  const empty = join(work.dir, "empty");
  mkdirSync(empty);
  const nothing = await runScript("check", ["--alerts", rules, "--store", empty]);
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /holds no data: nothing to judge/);
  const flat = await runScript("check", ["--alerts", rules, "--store", dir]);
  assert.equal(flat.code, 1, "a tenant store has no data outside its tenants");
  // The flag wins over the deployment's variable.
  const env = { CLOUDFRONT_LETS_TENANTS: "E1,E2" };
  const flagged = await runScript(
    "check",
    ["--alerts", rules, "--store", dir, "--tenant", "E2"],
    env,
  );
  assert.equal(flagged.code, 2, flagged.stderr);
  // A tenant with no data yet (only a ledger entry) is reported, and hides no breach.
  mkdirSync(join(dir, "sa/cloudfront/E3/ledger"), { recursive: true });
  writeFileSync(join(dir, "sa/cloudfront/E3/ledger/0123.json"), "{}");
  const three = await runScript("check", ["--alerts", rules, "--store", dir, "--tenants", "auto"]);
  assert.equal(three.code, 2, three.stderr);
  const each = JSON.parse(three.stdout).tenants;
  assert.deepEqual(Object.keys(each), ["E1", "E2", "E3"]);
  assert.match(each.E3.error, /tenant E3 holds no data/);
  const alone = await runScript("check", ["--alerts", rules, "--store", dir, "--tenants", "E3"]);
  assert.equal(alone.code, 1);
  assert.match(alone.stderr, /^error: no data to judge for tenant\(s\) E3$/m);
});

test("rules are bounded: at most 1,000 of them, from a file of at most 1 MiB", () => {
  const one = rule({ metric: "requests", comparison: ">", threshold: 0 });
  assert.equal(alertsFrom({ alerts: JSON.stringify(Array(1000).fill(one)) }).length, 1000);
  assert.throws(
    () => alertsFrom({ alerts: JSON.stringify(Array(1001).fill(one)) }),
    /--alerts: at most 1000 rules/,
  );
  const big = join(work.dir, "big-rules.json");
  writeFileSync(big, `[${" ".repeat(2 * 1024 * 1024)}]`);
  assert.throws(
    () => alertsFrom({ alerts: big }),
    /--alerts: .* has 2097154 bytes; at most 1048576/,
  );
});
