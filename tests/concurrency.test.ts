/**
 * Many writers at once: 16 worker processes, started together, each handle an SQS event
 * naming 4 of 64 objects; every window is shared by many workers. Nothing may be lost or
 * counted twice: the store must hold exactly what one sequential run writes, both before
 * the schedule finalizes (the event-driven refreshes) and after. On the filesystem store
 * and on the S3-protocol server.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { handleEvent } from "../src/runtime/events.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { s3Store } from "../src/store/s3.ts";
import type { Store } from "../src/store/store.ts";
import { s3Notification, scheduleEvent, sqsEvent } from "./_events.ts";
import { aggregatesOf, startS3, tempDir } from "./_helpers.ts";
import { runScript } from "./_run-script.ts";

const WORKERS = 16;
const OBJECTS = 64;
const LATER = "2024-03-02T01:00:00Z";
const work = tempDir("concurrency");
const logs = join(work.dir, "logs");
let keys: string[] = [];
let s3: Awaited<ReturnType<typeof startS3>>;

before(async () => {
  keys = await generateLogs({
    dir: logs,
    lines: 6400,
    days: 2 / 24, // four windows: 16 objects in each, some straddling a boundary
    start: Date.parse("2024-03-01T10:00:00Z"),
    objects: OBJECTS,
    seed: 17,
  });
  s3 = await startS3(["conc-bucket"]);
});
after(async () => {
  work.cleanup();
  await s3?.stop();
});

/** Everything the pipeline wrote that must come out the same whoever wrote it. */
async function snapshot(store: Store): Promise<Record<string, string>> {
  const entries: Array<[string, Uint8Array]> = [];
  for await (const e of store.list("sa/cloudfront/")) {
    if (e.key.includes("/aggregate/") || e.key.includes("/consolidated/")) {
      entries.push([e.key, (await store.get(e.key))!]);
    }
  }
  const out = aggregatesOf(entries);
  for (const [k, v] of entries) {
    if (k.includes("/consolidated/")) out[k] = new TextDecoder().decode(v);
  }
  return out;
}

const parse = { format: "realtime" as const, fields: PRESETS.all };
const event = (names: string[]) => sqsEvent(names.map((k) => s3Notification("logs", [k])));

async function sequential(store: Store) {
  const d = {
    ctx: makeContext({ source: localSource(logs), store, parse, now: Date.parse(LATER) }),
  };
  const r = await handleEvent(d, event(keys));
  assert.deepEqual("batchItemFailures" in r && r.batchItemFailures, []);
  const refreshed = await snapshot(store);
  await handleEvent(d, scheduleEvent(LATER));
  return { refreshed, final: await snapshot(store) };
}

/**
 * The workers, started together. A message a worker reports failed (a connection the test
 * S3 server cut under the load, or a read of an object s3rver was still writing: it does
 * not write atomically, as S3 does) is delivered again, as SQS would, up to 5 times.
 */
async function concurrent(store: Store, location: string, env: Record<string, string> = {}) {
  const args = ["--source", logs, "--store", location, "--now", LATER];
  const t0 = performance.now();
  // Worker w takes objects w, w+16, w+32, w+48: every window sees many workers.
  let batches = Array.from(
    { length: WORKERS },
    (_, w) => event(keys.filter((_, i) => i % WORKERS === w)),
  );
  let redelivered = 0;
  for (let delivery = 1; batches.length > 0; delivery++) {
    const runs = await Promise.all(
      batches.map((b) => runScript("handle-event", args, env, JSON.stringify(b))),
    );
    const again: typeof batches = [];
    runs.forEach((r, i) => {
      if (r.code === 0) return;
      // A batch response names the failed messages; a thrown error fails the whole batch.
      const response = r.stdout.trim().startsWith("{") ? JSON.parse(r.stdout) : undefined;
      const failed = new Set<string>(
        response
          ? response.batchItemFailures.map((f: { itemIdentifier: string }) => f.itemIdentifier)
          : batches[i].Records.map((m) => m.messageId),
      );
      assert.ok(delivery < 5, `still failing after 5 deliveries: ${r.stderr}`);
      again.push({ Records: batches[i].Records.filter((m) => failed.has(m.messageId)) });
      redelivered += failed.size;
    });
    batches = again;
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${WORKERS} workers, ${OBJECTS} objects: ${seconds.toFixed(1)} s` +
      (redelivered ? ` (${redelivered} message(s) delivered again)` : ""),
  );
  const refreshed = await snapshot(store);
  const last = await runScript("handle-event", args, env, JSON.stringify(scheduleEvent(LATER)));
  assert.equal(last.code, 0, last.stderr);
  return { refreshed, final: await snapshot(store) };
}

test("filesystem store: 16 concurrent workers write what one sequential run writes", {
  timeout: 300_000,
}, async () => {
  const one = await sequential(fsStore(join(work.dir, "seq")));
  const location = join(work.dir, "conc");
  const many = await concurrent(fsStore(location), location);
  assert.ok(Object.keys(one.final).some((k) => k.endsWith("monthly/2024-03/data.json")));
  assert.deepEqual(many.refreshed, one.refreshed);
  assert.deepEqual(many.final, one.final);
});

test("S3-protocol server: 16 concurrent workers write what one sequential run writes", {
  timeout: 300_000,
}, async () => {
  const store = (prefix: string) => s3Store(s3.client, { bucket: "conc-bucket", prefix });
  const one = await sequential(store("seq"));
  const many = await concurrent(store("conc"), "s3://conc-bucket/conc", {
    CLOUDFRONT_LETS_S3_ENDPOINT: s3.endpoint,
  });
  assert.deepEqual(many.refreshed, one.refreshed);
  assert.deepEqual(many.final, one.final);
});
