/**
 * Notifications naming keys the live queue cannot hold (a NUL byte, `..`, a leading `/`, a
 * backslash, an empty segment, more than 1024 bytes): each fails its own message or object,
 * and the good objects of the same event are ingested and consolidated as usual.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { readLedger, sourceHash } from "../src/pipeline/ledger.ts";
import { handleEvent, isQueueKey, type TenantResult } from "../src/runtime/events.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import type { Store } from "../src/store/store.ts";
import { s3Notification, sqsEvent } from "./_events.ts";
import { readMeta, tempDir } from "./_helpers.ts";
import { runScript } from "./_run-script.ts";

const parse = { format: "realtime" as const, fields: PRESETS.all };
const NOW = "2024-03-02T01:00:00Z";
const work = tempDir("events-hostile");
const logs = join(work.dir, "logs");
let keys: string[] = [];

before(async () => {
  keys = await generateLogs({
    dir: logs,
    lines: 400,
    days: 1 / 24,
    start: Date.parse("2024-03-01T10:00:00Z"),
    objects: 4,
    seed: 3,
  });
});
after(() => work.cleanup());

/** A copy of the logs as a queue, with a fresh filesystem store beside it. */
function fresh(name: string) {
  const queue = join(work.dir, `${name}-queue`);
  cpSync(logs, queue, { recursive: true });
  const source = localSource(queue);
  const store = fsStore(join(work.dir, `${name}-store`));
  return { source, store, d: { ctx: makeContext({ source, store, parse, now: Date.parse(NOW) }) } };
}

async function ingested(store: Store, source: ReturnType<typeof localSource>, key: string) {
  const obj = await source.stat(key);
  return obj !== undefined && (await readLedger(store, sourceHash(obj))) !== undefined;
}

const statusOf = (results: TenantResult[], key: string) =>
  results.flatMap((r) => r.objects).find((o) => o.key === key);

/** Keys that no S3 notification of the live queue may name. */
const HOSTILE = [
  "2024/03/01/10/evil\u0000.gz",
  "../outside.gz",
  "2024/../../outside.gz",
  "2024/./03/x.gz",
  "/etc/passwd",
  "2024\\03\\x.gz",
  "2024//03/x.gz",
  "2024/03/",
  "",
  "2024/03/01/10/line\nbreak.gz",
  `2024/${"é".repeat(511)}.gz`, // 1022 + 8 bytes: over the 1024 S3 allows
];

test("queue keys: no control characters, no . .. or empty segments, no / at the start, no \\", () => {
  for (const key of HOSTILE) assert.equal(isQueueKey(key), false, JSON.stringify(key));
  for (
    const key of [...keys, "E2EXAMPLE.2024-03-01-10.abc.gz", "a b/c+d%25.gz", "x".repeat(1024)]
  ) {
    assert.equal(isQueueKey(key), true, key);
  }
  assert.equal(isQueueKey("x".repeat(1025)), false);
});

test("SQS: a message naming a hostile key fails alone; the batch's good objects are ingested", async () => {
  const { source, store, d } = fresh("sqs");
  const sqs = sqsEvent([
    s3Notification("logs", keys.slice(0, 2)),
    ...HOSTILE.map((k) => s3Notification("logs", [k])),
    s3Notification("logs", [keys[2], "2024/03/01/10/evil\u0000.gz"]), // a good key beside a bad
    s3Notification("logs", [keys[3]]),
  ]);
  const r = await handleEvent(d, sqs);
  assert.equal(r.kind, "sqs");
  const ids = sqs.Records.map((m) => m.messageId);
  assert.deepEqual(
    "batchItemFailures" in r && r.batchItemFailures.map((f) => f.itemIdentifier).sort(),
    ids.slice(1, -1).sort(),
  );
  const results = "results" in r ? r.results : [];
  for (const key of HOSTILE) {
    const o = statusOf(results, key);
    assert.equal(o?.status, "failed", JSON.stringify(key));
    assert.match(o?.error ?? "", /^invalid key: /);
  }
  for (const key of keys) {
    assert.equal(statusOf(results, key)?.status, "ingested", key);
    assert.equal(await ingested(store, source, key), true, key);
  }
  // Consolidated and aggregated as usual.
  assert.equal((await readMeta(store, "30min", "2024-03-01-1000")).status, "partial");
  assert.equal((await readMeta(store, "hourly", "2024-03-01-10")).status, "partial");
});

test("SQS: an exception from stat fails that key's message only", async () => {
  const { source, store, d } = fresh("stat");
  // Valid as a key, but more than a file name may hold: the filesystem refuses to stat it.
  const long = `2024/03/01/10/${"n".repeat(300)}.gz`;
  assert.equal(isQueueKey(long), true);
  const sqs = sqsEvent([s3Notification("logs", [long]), s3Notification("logs", keys)]);
  const r = await handleEvent(d, sqs);
  assert.deepEqual("batchItemFailures" in r && r.batchItemFailures, [
    { itemIdentifier: sqs.Records[0].messageId },
  ]);
  const o = statusOf("results" in r ? r.results : [], long);
  assert.equal(o?.status, "failed");
  assert.match(o?.error ?? "", /^cannot stat: /);
  for (const key of keys) assert.equal(await ingested(store, source, key), true, key);
});

test("direct S3: a hostile key is reported as failed, and the good objects are ingested", async () => {
  const { source, store, d } = fresh("direct");
  await assert.rejects(
    handleEvent(d, s3Notification("logs", [keys[0], "../outside.gz", keys[1]])),
    /1 object\(s\) failed: "\.\.\/outside\.gz": invalid key: /,
  );
  assert.equal(await ingested(store, source, keys[0]), true);
  assert.equal(await ingested(store, source, keys[1]), true);
  // A malformed URL encoding is not a key S3 sends: that object fails, not the event's others.
  const event = s3Notification("logs", [keys[2]]);
  const bad = structuredClone(event.Records[0]);
  bad.s3.object.key = "2024/03/01/10/%E0%A4%A.gz";
  event.Records.push(bad);
  await assert.rejects(handleEvent(d, event), /invalid key: malformed URL encoding/);
  assert.equal(await ingested(store, source, keys[2]), true);
});

test("tenants: a hostile key fails its message; the tenant's good objects are ingested", async () => {
  const queue = join(work.dir, "tenants-queue");
  cpSync(logs, join(queue, "shop"), { recursive: true });
  const source = localSource(queue);
  const store = fsStore(join(work.dir, "tenants-store"));
  const d = {
    ctx: makeContext({ source, store, parse, now: Date.parse(NOW) }),
    tenants: "auto" as const,
  };
  const sqs = sqsEvent([
    s3Notification("logs", keys.map((k) => `shop/${k}`)),
    s3Notification("logs", ["shop/../../outside.gz"]),
    s3Notification("logs", ["shop/2024/03/01/10/evil\u0000.gz"]),
  ]);
  const r = await handleEvent(d, sqs);
  assert.deepEqual(
    "batchItemFailures" in r && r.batchItemFailures.map((f) => f.itemIdentifier).sort(),
    sqs.Records.slice(1).map((m) => m.messageId).sort(),
  );
  const results = "results" in r ? r.results : [];
  assert.deepEqual(
    results.find((x) => x.tenant === "shop")?.objects.map((o) => o.status),
    keys.map(() => "ingested"),
  );
});

test("handle-event: a NUL key fails its message, exit 1, and the good objects are ingested", async () => {
  const { source, store } = fresh("cli");
  const sqs = sqsEvent([
    s3Notification("logs", ["2024/03/01/10/evil\u0000.gz"]),
    s3Notification("logs", keys),
  ]);
  const storeDir = join(work.dir, "cli-store");
  const out = await runScript(
    "handle-event",
    ["--source", source.name, "--store", storeDir, "--now", NOW],
    {},
    JSON.stringify(sqs),
  );
  assert.equal(out.code, 1, out.stderr);
  assert.deepEqual(JSON.parse(out.stdout).batchItemFailures, [
    { itemIdentifier: sqs.Records[0].messageId },
  ]);
  assert.match(out.stderr.trim().split("\n").at(-1)!, /^error: 1 item\(s\) failed$/);
  for (const key of keys) assert.equal(await ingested(store, source, key), true, key);
});

test("a notification is not consumed as 'gone' when the source itself does not exist", async () => {
  const ctx = makeContext({
    source: localSource(join(work.dir, "no-such-queue")),
    store: fsStore(join(work.dir, "store-missing-source")),
    parse,
    now: Date.parse(NOW),
  });
  await assert.rejects(
    handleEvent({ ctx }, s3Notification("logs", ["2024/03/01/10/a.gz"])),
    /no-such-queue does not exist/,
  );
  const sqs = handleEvent({ ctx }, sqsEvent([s3Notification("logs", ["2024/03/01/10/a.gz"])]));
  await assert.rejects(sqs, /no-such-queue does not exist/);
});
