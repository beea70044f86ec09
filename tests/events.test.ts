/**
 * The event side of the Lambda function, with events shaped as AWS delivers them: S3
 * notifications direct, through SQS and through SNS into SQS, Kinesis records, EventBridge
 * schedules; on the filesystem store and against the S3-protocol server on 127.0.0.1.
 * Results are checked against the batch pipeline run on the same input.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { gunzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { type EmfRecord, emfRecord } from "../src/core/metrics.ts";
import { tenantOf } from "../src/runtime/config.ts";
import { handleEvent, kindOf } from "../src/runtime/events.ts";
import { handler } from "../src/runtime/lambda.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { s3Source } from "../src/source/s3.ts";
import { fsStore } from "../src/store/fs.ts";
import { memoryStore } from "../src/store/memory.ts";
import { s3Store } from "../src/store/s3.ts";
import { tenantStore } from "../src/store/tenant.ts";
import type { Store } from "../src/store/store.ts";
import {
  kinesisEvent,
  s3Notification,
  s3TestEvent,
  scheduleEvent,
  snsEnvelope,
  sqsEvent,
} from "./_events.ts";
import { aggregatesOf, readDoc, readMeta, startS3, tempDir } from "./_helpers.ts";
import { runScript } from "./_run-script.ts";

const parse = { format: "realtime" as const, fields: PRESETS.all };
const LATER = "2024-03-02T01:00:00Z"; // every window of the data is past its grace by then
const work = tempDir("events");
const logs = join(work.dir, "logs");
let keys: string[] = [];

before(async () => {
  keys = await generateLogs({
    dir: logs,
    lines: 2400,
    days: 2 / 24, // 10:00 to 12:00: four windows, three objects each
    start: Date.parse("2024-03-01T10:00:00Z"),
    objects: 12,
    seed: 9,
  });
  // One object named with a space, as S3 encodes it in notifications ("+").
  const spaced = keys[5].replace("cloudfront-rt", "cloudfront rt");
  renameSync(join(logs, keys[5]), join(logs, spaced));
  keys[5] = spaced;
});
after(() => work.cleanup());

const ctxFor = (source: ReturnType<typeof localSource>, store: Store, now = LATER) =>
  makeContext({ source, store, parse, now: Date.parse(now) });

/** The stored aggregates of a store (key → JSON without computed_at). */
async function aggregates(store: Store, sameSources = true): Promise<Record<string, string>> {
  const entries: Array<[string, Uint8Array]> = [];
  for await (const e of store.list("sa/cloudfront/aggregate/")) {
    entries.push([e.key, (await store.get(e.key))!]);
  }
  return aggregatesOf(entries, sameSources);
}

test("event kinds are told apart by shape", () => {
  assert.equal(kindOf(s3Notification("b", ["k"])), "s3");
  assert.equal(kindOf(sqsEvent([s3Notification("b", ["k"])])), "sqs");
  assert.equal(kindOf(kinesisEvent(["x"])), "kinesis");
  assert.equal(kindOf(scheduleEvent(LATER)), "schedule");
  assert.equal(kindOf({ requestContext: { http: { method: "GET" } } }), "http");
  assert.equal(kindOf({ hello: 1 }), "unknown");
});

test("S3, SQS and SNS-in-SQS events process what they name; a bad object fails its message only", async () => {
  const queue = join(work.dir, "q1");
  cpSync(logs, queue, { recursive: true });
  // A truncated gzip among them, of a later hour: it holds its own windows open, not these.
  const broken = "2024/03/01/20/cloudfront-rt-1-2024-03-01-20-59-00-broken.gz";
  const whole = readFileSync(join(logs, keys[0]));
  mkdirSync(join(queue, "2024/03/01/20"), { recursive: true });
  writeFileSync(join(queue, broken), whole.subarray(0, whole.length - 10));
  const store = memoryStore();
  const d = { ctx: ctxFor(localSource(queue), store) };

  const direct = await handleEvent(d, s3Notification("logs", keys.slice(0, 3)));
  assert.equal(direct.kind, "s3");
  assert.deepEqual(
    "results" in direct && direct.results[0].objects.map((o) => o.status),
    ["ingested", "ingested", "ingested"],
  );
  // The periods above the touched windows exist, partial until the schedule finalizes.
  assert.equal((await readMeta(store, "30min", "2024-03-01-1000")).status, "partial");
  assert.equal((await readMeta(store, "daily", "2024-03-01")).status, "partial");

  const sqs = sqsEvent([
    s3Notification("logs", keys.slice(3, 6)), // one key has a space: "+" in the event
    snsEnvelope(s3Notification("logs", keys.slice(6))),
    s3Notification("logs", [broken]),
    s3TestEvent,
    s3Notification("logs", ["2024/03/01/10/gone-already-archived.gz"]),
  ]);
  const r = await handleEvent(d, sqs);
  assert.equal(r.kind, "sqs");
  assert.deepEqual("batchItemFailures" in r && r.batchItemFailures, [
    { itemIdentifier: sqs.Records[2].messageId },
  ]);
  const statuses = "results" in r ? r.results.flatMap((x) => x.objects.map((o) => o.status)) : [];
  assert.deepEqual(statuses.filter((s) => s === "ingested").length, 9);
  assert.ok(statuses.includes("gone"));
  assert.ok(statuses.includes("failed"));

  // The same notification again: nothing is counted twice.
  const again = await handleEvent(d, s3Notification("logs", keys.slice(0, 2)));
  assert.deepEqual("results" in again && again.results[0].objects.map((o) => o.status), [
    "already",
    "already",
  ]);

  // A direct S3 event with a failing object throws, so that Lambda retries it.
  await assert.rejects(
    handleEvent(d, s3Notification("logs", [broken])),
    /truncated or corrupt gzip/,
  );

  // The schedule finalizes; the figures are the batch pipeline's on the same objects.
  const s = await handleEvent(d, scheduleEvent(LATER));
  assert.equal(s.kind, "schedule");
  assert.deepEqual("runs" in s && s.runs[0].aggregate.holds.map((h) => h.key), [broken]);
  const batch = memoryStore();
  await runPipeline(ctxFor(localSource(logs), batch));
  for (
    const [period, key] of [["30min", "2024-03-01-1000"], ["hourly", "2024-03-01-11"], [
      "daily",
      "2024-03-01",
    ]] as const
  ) {
    const a = await readDoc(store, period, key);
    const b = await readDoc(batch, period, key);
    assert.deepEqual({ ...a, state: undefined }, { ...b, state: undefined }, `${period} ${key}`);
  }
  // The broken object stays in the queue (a hold above) and keeps the day open.
  assert.equal((await readMeta(store, "30min", "2024-03-01-1130")).status, "final");
  assert.equal((await readMeta(store, "daily", "2024-03-01")).status, "partial");
});

test("Kinesis records become raw entries without S3; a batch delivered twice counts once", async () => {
  const store = memoryStore();
  const empty = join(work.dir, "empty"); // a queue with no objects: the lines bypass S3
  mkdirSync(empty, { recursive: true });
  const d = { ctx: ctxFor(localSource(empty), store) };
  const lines = gunzipSync(readFileSync(join(logs, keys[0]))).toString("utf8").trim().split("\n");
  const event = kinesisEvent(lines);
  const first = await handleEvent(d, event);
  assert.equal(first.kind, "kinesis");
  assert.deepEqual("batchItemFailures" in first && first.batchItemFailures, []);
  const again = await handleEvent(d, event);
  assert.deepEqual(
    "results" in again && again.results[0].objects.map((o) => o.status),
    ["already"],
  );
  await handleEvent(d, scheduleEvent(LATER));
  const day = await readDoc(store, "daily", "2024-03-01");
  assert.equal(day.requests, lines.length);
  // The same lines as an object through the batch pipeline give the same figures.
  const batch = memoryStore();
  const one = join(work.dir, "one");
  mkdirSync(join(one, "2024/03/01/10"), { recursive: true });
  cpSync(join(logs, keys[0]), join(one, keys[0]));
  await runPipeline(ctxFor(localSource(one), batch));
  const b = await readDoc(batch, "daily", "2024-03-01");
  assert.deepEqual({ ...day, state: undefined }, { ...b, state: undefined });
});

test("the deployed handler takes events too, configured from CLOUDFRONT_LETS_* variables", async () => {
  const queue = join(work.dir, "q2");
  cpSync(logs, queue, { recursive: true });
  const storeDir = join(work.dir, "store-h");
  const saved = { ...process.env };
  try {
    process.env.CLOUDFRONT_LETS_SOURCE = queue;
    process.env.CLOUDFRONT_LETS_STORE = storeDir;
    process.env.CLOUDFRONT_LETS_NOW = LATER;
    const r = await handler(sqsEvent([s3Notification("logs", keys)])) as {
      batchItemFailures: unknown[];
    };
    assert.deepEqual(r.batchItemFailures, []);
    await handler(scheduleEvent(LATER));
    assert.equal((await readDoc(fsStore(storeDir), "daily", "2024-03-01")).requests, 2400);
  } finally {
    process.env = saved;
  }
});

test("handle-event runs an event from stdin, and exits 1 when an item failed", async () => {
  const queue = join(work.dir, "q3");
  cpSync(logs, queue, { recursive: true });
  const store = join(work.dir, "store-cli");
  const args = ["--source", queue, "--store", store, "--now", LATER];
  const ok = await runScript(
    "handle-event",
    args,
    {},
    JSON.stringify(sqsEvent([s3Notification("logs", keys)])),
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout).batchItemFailures, []);
  const bad = await runScript(
    "handle-event",
    args,
    {},
    JSON.stringify(sqsEvent([s3Notification("logs", ["2024/03/01/10/x.gz"]), "not json"])),
  );
  assert.equal(bad.code, 1);
  assert.equal(JSON.parse(bad.stdout).batchItemFailures.length, 1); // the JSON-less message
  assert.match(bad.stderr.trim().split("\n").at(-1)!, /^error: 1 item\(s\) failed$/);
  const junk = await runScript("handle-event", args, {}, "{ nope");
  assert.equal(junk.code, 2);
});

test("S3-protocol server: notifications for the source's bucket and prefix only", async () => {
  const s3 = await startS3(["logs-bucket", "store-bucket"]);
  try {
    for (const key of keys.slice(0, 4)) {
      await s3.client.send(
        new PutObjectCommand({
          Bucket: "logs-bucket",
          Key: `cf/${key}`,
          Body: readFileSync(join(logs, key)),
        }),
      );
    }
    const store = s3Store(s3.client, { bucket: "store-bucket", prefix: "x" });
    const source = s3Source(s3.client, { bucket: "logs-bucket", prefix: "cf" });
    const d = { ctx: makeContext({ source, store, parse, now: Date.parse(LATER) }) };
    const r = await handleEvent(
      d,
      sqsEvent([
        snsEnvelope(s3Notification("logs-bucket", keys.slice(0, 4).map((k) => `cf/${k}`))),
        s3Notification("other-bucket", [`cf/${keys[0]}`]),
        s3Notification("logs-bucket", [`elsewhere/${keys[0]}`]),
      ]),
    );
    assert.deepEqual("batchItemFailures" in r && r.batchItemFailures, []);
    assert.equal(
      "results" in r && r.results[0].objects.filter((o) => o.status === "ingested").length,
      4,
    );
    // The other bucket's and the other prefix's objects are not in the queue: ignored.
    assert.equal("results" in r && r.results[0].objects.length, 4);
    await handleEvent(d, scheduleEvent(LATER));
    const batch = memoryStore();
    const four = join(work.dir, "four");
    for (const key of keys.slice(0, 4)) {
      mkdirSync(join(four, key, ".."), { recursive: true });
      cpSync(join(logs, key), join(four, key));
    }
    await runPipeline(ctxFor(localSource(four), batch));
    assert.deepEqual(await aggregates(store, false), await aggregates(batch, false));
  } finally {
    await s3.stop();
  }
});

test("every window an event changes is reported as CloudWatch EMF metrics", async () => {
  const store = memoryStore();
  const records: EmfRecord[] = [];
  const ctx = {
    ...ctxFor(localSource(logs), store),
    metrics: (w: number, state: Parameters<typeof emfRecord>[1]) =>
      records.push(emfRecord(w, state, { namespace: "Test", dimensions: { Tenant: "logs" } })),
  };
  await handleEvent({ ctx }, s3Notification("logs", keys.slice(0, 6)));
  // One record per window changed, in whatever order consolidation finished them.
  assert.deepEqual(records.map((r) => r.Window).sort(), ["2024-03-01-1000", "2024-03-01-1030"]);
  for (const r of records) {
    assert.deepEqual(r._aws.CloudWatchMetrics, [{
      Namespace: "Test",
      Dimensions: [["Tenant"]],
      Metrics: [
        { Name: "RequestCount", Unit: "Count" },
        { Name: "BytesDownloaded", Unit: "Bytes" },
        { Name: "ErrorRate4xx", Unit: "Percent" },
        { Name: "ErrorRate5xx", Unit: "Percent" },
        { Name: "CacheHitRate", Unit: "Percent" },
        { Name: "TimeTakenP95", Unit: "Milliseconds" },
      ],
    }]);
    assert.equal(r.Tenant, "logs");
    assert.equal(
      r._aws.Timestamp,
      Date.parse(`${r.Window.slice(0, 10)}T${r.Window.slice(11, 13)}:${r.Window.slice(13)}:00Z`),
    );
    const doc = await readDoc(store, "30min", r.Window);
    assert.equal(r.RequestCount, doc.requests);
    assert.equal(r.BytesDownloaded, doc.bytes);
    assert.equal(r.ErrorRate4xx, Math.round((doc.errors_4xx / doc.requests) * 1e4) / 100);
    assert.equal(r.ErrorRate5xx, Math.round((doc.errors_5xx / doc.requests) * 1e4) / 100);
    assert.equal(r.CacheHitRate, Math.round(doc.cache_hit_ratio * 1e4) / 100);
    assert.equal(r.TimeTakenP95, doc.time_taken_ms?.p95);
  }
  assert.equal(tenantOf({ source: "s3://logs/cloudfront/E2EXAMPLE" }), "E2EXAMPLE");
  assert.equal(tenantOf({ source: "s3://logs" }), "logs");
  assert.equal(tenantOf({ source: "s3://logs/x", tenant: "shop" }), "shop");
});

test(
  "every kind of event, on the filesystem store and on the S3-protocol server, gives the same aggregates",
  {
    timeout: 120_000,
  },
  async () => {
    const s3 = await startS3(["kinds-logs", "kinds-store"]);
    try {
      for (const key of keys) {
        await s3.client.send(
          new PutObjectCommand({
            Bucket: "kinds-logs",
            Key: `cf/${key}`,
            Body: readFileSync(join(logs, key)),
          }),
        );
      }
      // Lines that arrive through Kinesis only: an object of another hour, never in the queue.
      const extra = join(work.dir, "kinesis-only");
      const [k] = await generateLogs({
        dir: extra,
        lines: 150,
        days: 1 / 48,
        start: Date.parse("2024-03-01T13:00:00Z"),
        objects: 1,
        seed: 77,
      });
      const kinesisLines = gunzipSync(readFileSync(join(extra, k))).toString("utf8").trim().split(
        "\n",
      );
      const run = async (ctx: ReturnType<typeof ctxFor>, bucket: string, prefix: string) => {
        const d = { ctx };
        const names = keys.map((key) => `${prefix}${key}`);
        await handleEvent(d, s3Notification(bucket, names.slice(0, 4)));
        const q = await handleEvent(
          d,
          sqsEvent([
            s3Notification(bucket, names.slice(4, 8)),
            snsEnvelope(s3Notification(bucket, names.slice(8))),
          ]),
        );
        assert.deepEqual("batchItemFailures" in q && q.batchItemFailures, []);
        const kin = await handleEvent(d, kinesisEvent(kinesisLines));
        assert.deepEqual("batchItemFailures" in kin && kin.batchItemFailures, []);
        await handleEvent(d, scheduleEvent(LATER));
        return await aggregates(ctx.store, false);
      };
      const onDisk = await run(
        ctxFor(localSource(logs), fsStore(join(work.dir, "kinds-fs"))),
        "logs",
        "",
      );
      const onS3 = await run(
        makeContext({
          source: s3Source(s3.client, { bucket: "kinds-logs", prefix: "cf" }),
          store: s3Store(s3.client, { bucket: "kinds-store", prefix: "x" }),
          parse,
          now: Date.parse(LATER),
        }),
        "kinds-logs",
        "cf/",
      );
      assert.deepEqual(onS3, onDisk);
      const day = JSON.parse(onDisk["sa/cloudfront/aggregate/daily/2024-03-01/data.json"]);
      assert.equal(day.requests, 2400 + kinesisLines.length);
    } finally {
      await s3.stop();
    }
  },
);

test("the schedule sweeps what no notification brought: the batch pipeline's aggregates", async () => {
  const store = fsStore(join(work.dir, "sweep-fs"));
  const d = { ctx: ctxFor(localSource(logs), store) };
  const s = await handleEvent(d, scheduleEvent(LATER));
  assert.equal(s.kind, "schedule");
  const run = "runs" in s ? s.runs[0] : undefined;
  assert.equal(run?.sweep.swept, keys.length);
  assert.equal(run?.sweep.waiting, 0);
  assert.equal(run?.sweep.objects_ingested, keys.length);
  assert.equal(run?.sweep.records, 2400);
  assert.deepEqual(run?.aggregate.holds, []);
  const batch = memoryStore();
  await runPipeline(ctxFor(localSource(logs), batch));
  const expected = await aggregates(batch);
  assert.deepEqual(await aggregates(store), expected);
  assert.equal((await readMeta(store, "daily", "2024-03-01")).status, "final");
  // The next schedule finds nothing left to sweep, and changes nothing.
  const again = await handleEvent(d, scheduleEvent(LATER));
  assert.equal("runs" in again && again.runs[0].sweep.swept, 0);
  assert.deepEqual(await aggregates(store), expected);
});

test("the sweep leaves objects younger than the lag to their notification", async () => {
  const queue = join(work.dir, "sweep-young");
  cpSync(logs, queue, { recursive: true });
  // Keys without a time: their last write decides, one old and one younger than the lag.
  mkdirSync(join(queue, "misc"));
  cpSync(join(logs, keys[0]), join(queue, "misc/old.gz"));
  cpSync(join(logs, keys[1]), join(queue, "misc/new.gz"));
  utimesSync(
    join(queue, "misc/old.gz"),
    new Date("2024-03-01T09:00:00Z"),
    new Date("2024-03-01T09:00:00Z"),
  );
  utimesSync(
    join(queue, "misc/new.gz"),
    new Date("2024-03-01T12:00:00Z"),
    new Date("2024-03-01T12:00:00Z"),
  );
  const now = "2024-03-01T12:30:00Z"; // the lag is an hour: keys of 11:30 and later are young
  const store = memoryStore();
  const d = { ctx: ctxFor(localSource(queue), store, now) };
  const young = [...keys.slice(8), "misc/new.gz"];
  const s = await handleEvent(d, scheduleEvent(now));
  const run = "runs" in s ? s.runs[0] : undefined;
  assert.equal(run?.sweep.swept, 9);
  assert.equal(run?.sweep.waiting, young.length);
  assert.deepEqual(
    run?.sweep.objects.map((o) => o.key),
    [...keys.slice(0, 8), "misc/old.gz"].sort(),
  );
  // Not ingested: each still holds its windows open.
  assert.deepEqual(run?.aggregate.holds.map((h) => h.key).sort(), young.sort());
  // Its notification, when it comes, ingests it.
  const n = await handleEvent(d, s3Notification("logs", [keys[8]]));
  assert.deepEqual("results" in n && n.results[0].objects.map((o) => o.status), ["ingested"]);
});

test("with tenants, each tenant's schedule sweeps its own queue", async () => {
  const queue = join(work.dir, "sweep-tenants");
  cpSync(logs, join(queue, "shop"), { recursive: true });
  for (const key of keys.slice(0, 4)) {
    mkdirSync(join(queue, "blog", key, ".."), { recursive: true });
    cpSync(join(logs, key), join(queue, "blog", key));
  }
  const store = memoryStore();
  const d = { ctx: ctxFor(localSource(queue), store), tenants: "auto" as const };
  const s = await handleEvent(d, scheduleEvent(LATER));
  assert.deepEqual(
    "runs" in s && s.runs.map((r) => [r.tenant, r.sweep.swept, r.sweep.objects_ingested]),
    [["blog", 4, 4], ["shop", keys.length, keys.length]],
  );
  const shop = await readDoc(tenantStore(store, "shop"), "daily", "2024-03-01");
  assert.equal(shop.requests, 2400);
  assert.equal((await readMeta(tenantStore(store, "blog"), "daily", "2024-03-01")).status, "final");
});
