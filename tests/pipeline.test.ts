/**
 * The four steps on the hand-made fixture queue (fixtures/queue, see fixtures/SOURCES.md),
 * whose expected figures are counted by hand from the fixture lines.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { ingest } from "../src/pipeline/ingest.ts";
import { consolidate } from "../src/pipeline/consolidate.ts";
import { aggregate } from "../src/pipeline/aggregate.ts";
import { handoff } from "../src/pipeline/handoff.ts";
import { processObjects } from "../src/pipeline/process.ts";
import { prng } from "../src/core/synthetic.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { memoryStore } from "../src/store/memory.ts";
import { fsStore } from "../src/store/fs.ts";
import type { Store } from "../src/store/store.ts";
import { aggregatesOf, readDoc, readMeta, tempDir } from "./_helpers.ts";

const QUEUE = fileURLToPath(new URL("../fixtures/queue", import.meta.url));
const NOW = Date.parse("2024-03-02T00:00:00Z");
const ctxFor = (dir: string, store: Store, now = NOW) =>
  makeContext({
    source: localSource(dir),
    store,
    now,
    parse: { format: "realtime", fields: PRESETS.all },
  });

/** Writes one fixture line, re-timed to epoch seconds `at`, as a new object `key` of queue `dir`. */
function addLateLine(dir: string, at: string, key: string): void {
  const sample = readdirSync(`${QUEUE}/2024/03/01/10`).find((f) => f.includes("002"))!;
  const line = readFileSync(`${QUEUE}/2024/03/01/10/${sample}`, "utf8").split("\n")[0];
  mkdirSync(`${dir}/${key.slice(0, key.lastIndexOf("/"))}`, { recursive: true });
  writeFileSync(`${dir}/${key}`, line.replace(/^\d+\.\d+/, at) + "\n");
}

test("the fixture queue: counts, failures, finality and the daily figures", async () => {
  const store = memoryStore();
  const r = await runPipeline(ctxFor(QUEUE, store));
  assert.equal(r.ingest.objects_ingested, 4);
  assert.equal(r.ingest.objects_failed, 1);
  assert.match(r.ingest.failures[0].key, /000000000003\.gz$/);
  assert.match(r.ingest.failures[0].error, /truncated or corrupt gzip/);
  assert.equal(r.ingest.records, 11);
  assert.equal(r.ingest.malformed, 2);
  assert.deepEqual(r.ingest.malformed_by_reason, { columns: 1, status: 1 });
  const zero = r.ingest.objects.find((o) => o.key.endsWith("000000000004.gz"));
  assert.deepEqual(zero && [zero.records, zero.malformed], [0, 0]);
  assert.deepEqual(r.ingest.objects.find((o) => o.key.endsWith("01.gz"))?.malformed_lines, [
    10,
    11,
  ]);

  const day = await readDoc(store, "daily", "2024-03-01");
  assert.equal(day.requests, 11);
  assert.equal(day.bytes, 6250);
  assert.deepEqual(day.status_codes, {
    "000": 1,
    "200": 5,
    "201": 1,
    "204": 1,
    "304": 1,
    "404": 1,
    "503": 1,
  });
  assert.deepEqual(day.status_classes, { "0xx": 1, "2xx": 7, "3xx": 1, "4xx": 1, "5xx": 1 });
  assert.deepEqual(day.methods, { GET: 8, HEAD: 1, OPTIONS: 1, POST: 1 });
  assert.deepEqual(day.edge_locations, { "FRA56-P7": 2, "IAD89-C1": 1, "LHR62-C5": 8 });
  assert.equal(day.errors_4xx, 1);
  assert.equal(day.errors_5xx, 1);
  assert.deepEqual(day.top_paths.map((p) => [p.path, p.requests]), [
    ["/index.html", 5],
    ["/straddle", 2],
    ["/two-members", 2],
    ["/api/items", 1],
    ["/missing page", 1],
  ]);
  assert.equal(day.unique_paths, 5);
  // Hit: 2 straddles + B's index + 2 two-members = 5, RefreshHit 1 → 6/11.
  assert.equal(day.cache_hit_ratio, Math.round((6 / 11) * 1e6) / 1e6);

  // The record at 09:59:59.950 sits in the 09:30 window, its twin at 10:00 in the next.
  const w0930 = await readDoc(store, "30min", "2024-03-01-0930");
  assert.equal(w0930.requests, 1);
  assert.equal(w0930.start, "2024-03-01T09:30:00.000Z");
  assert.equal(w0930.end, "2024-03-01T10:00:00.000Z");
  // The truncated object (key time 11:05) holds 10:05–12:05 back; 09:30 is final.
  const meta = (p: "30min" | "daily", k: string) => readMeta(store, p, k);
  assert.equal((await meta("30min", "2024-03-01-0930")).status, "final");
  assert.equal((await meta("30min", "2024-03-01-1000")).status, "partial");
  assert.equal((await meta("30min", "2024-03-01-1000")).sources_final, false);
  assert.equal((await meta("daily", "2024-03-01")).status, "partial");
  assert.deepEqual(
    r.aggregate.holds.map((h) => h.key),
    [readdirSync(`${QUEUE}/2024/03/01/11`).find((f) => f.includes("003"))].map((f) =>
      `2024/03/01/11/${f}`
    ),
  );
});

test("running twice leaves every data.json identical, and finals are not recomputed", async () => {
  const store = memoryStore();
  await runPipeline(ctxFor(QUEUE, store));
  const first = aggregatesOf(store.entries);
  const again = await runPipeline(ctxFor(QUEUE, store));
  assert.equal(again.ingest.objects_skipped, 4);
  assert.equal(again.ingest.objects_ingested, 0);
  // The final 09:30 window lies below the watermark: not recomputed, not even looked at.
  assert.equal(again.aggregate.computed["30min"], 3);
  assert.deepEqual(aggregatesOf(store.entries), first);
});

test("two runs on disjoint objects equal one run on all of them", async () => {
  const a = tempDir("q-a");
  const b = tempDir("q-b");
  try {
    const files = ["2024/03/01/10", "2024/03/01/11"].flatMap((d) =>
      readdirSync(`${QUEUE}/${d}`).map((f) => `${d}/${f}`)
    );
    files.forEach((f, i) => {
      const dir = i % 2 === 0 ? a.dir : b.dir;
      mkdirSync(`${dir}/${f.slice(0, f.lastIndexOf("/"))}`, { recursive: true });
      cpSync(`${QUEUE}/${f}`, `${dir}/${f}`);
    });
    const split = memoryStore();
    await runPipeline(ctxFor(a.dir, split));
    // The second run sees the first directory's objects again (ingested, not archived), as
    // fresh copies with new mtimes: content identity means they are not counted twice.
    cpSync(a.dir, b.dir, { recursive: true });
    await runPipeline(ctxFor(b.dir, split));
    const whole = memoryStore();
    await runPipeline(ctxFor(b.dir, whole));
    assert.deepEqual(aggregatesOf(split.entries), aggregatesOf(whole.entries));
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test("deleting a step's output and re-running it from the step before gives it back", async () => {
  const store = memoryStore();
  await runPipeline(ctxFor(QUEUE, store));
  const before = aggregatesOf(store.entries);
  const consolidatedBefore = [...store.entries].filter(([k]) => k.includes("/consolidated/"));
  for (const k of [...store.entries.keys()]) {
    if (k.includes("/consolidated/") || k.includes("/aggregate/")) store.entries.delete(k);
  }
  const ctx = ctxFor(QUEUE, store);
  await consolidate(ctx, { rebuild: true });
  assert.deepEqual(
    [...store.entries].filter(([k]) => k.includes("/consolidated/")),
    consolidatedBefore,
  );
  await aggregate(ctx);
  assert.deepEqual(aggregatesOf(store.entries), before);
});

test("what ingest hands to consolidation gives the summaries the stored parts give", async () => {
  const d = tempDir("handoff");
  try {
    // Nine objects of 40 minutes: windows of one and of two sources.
    await generateLogs({
      dir: d.dir,
      lines: 6000,
      days: 0.25,
      objects: 9,
      seed: 7,
      start: Date.parse("2024-03-01T00:10:00Z"),
    });
    const consolidated = async (held: ReturnType<typeof handoff> | undefined) => {
      const store = memoryStore();
      const ctx = makeContext({ ...ctxFor(d.dir, store), handoff: held });
      await ingest(ctx);
      const handedOver = held?.held.size ?? 0;
      if (held) assert.ok(held.bytes <= held.limit, `${held.bytes} bytes held`);
      await consolidate(ctx);
      if (held) assert.equal(held.held.size, 0, "what was handed over is consumed");
      const out = [...store.entries].filter(([k]) => k.includes("/consolidated/"));
      return { out, handedOver };
    };
    const fromParts = await consolidated(undefined);
    assert.ok(fromParts.out.length >= 12);
    const all = await consolidated(handoff());
    // 13 windows; 5 of the 8 object boundaries fall inside one and split it.
    assert.equal(all.handedOver, 13 + 5, "every object's every window");
    assert.deepEqual(all.out, fromParts.out);
    // Room for a few: the oldest are dropped, and windows mix held and read sources.
    const some = await consolidated(handoff(400_000));
    assert.ok(some.handedOver > 0 && some.handedOver < all.handedOver, `${some.handedOver}`);
    assert.deepEqual(some.out, fromParts.out);
  } finally {
    d.cleanup();
  }
});

test("a window's objects one event at a time, in any order and twice, give one batch's summaries, and an event reads only its own", async () => {
  const d = tempDir("one-by-one");
  try {
    // Twelve objects in 45 minutes: two windows, one object straddling them.
    const keys = await generateLogs({
      dir: d.dir,
      lines: 3000,
      days: 1.5 / 48,
      objects: 12,
      seed: 11,
      start: Date.parse("2024-03-01T10:00:00Z"),
    });
    const rand = prng(5);
    const order = [...keys, ...keys.slice(0, 4)]
      .map((k) => ({ k, r: rand() }))
      .sort((a, b) => a.r - b.r)
      .map((x) => x.k);
    const consolidated = (s: ReturnType<typeof memoryStore>) =>
      [...s.entries].filter(([k]) => k.includes("/summary.json")).sort().map((
        [k, v],
      ) => [k, JSON.parse(new TextDecoder().decode(v))]);
    // While the windows are open (their exact counts kept), and once they are closed.
    for (const now of [Date.parse("2024-03-01T10:46:00Z"), NOW]) {
      const batch = memoryStore();
      await processObjects(ctxFor(d.dir, batch, now), keys);
      const store = memoryStore();
      // What each event reads of raw parts and ledgers (of the same store, counted).
      let reads = 0;
      const counted: Store = {
        ...store,
        get: (key) => {
          if (key.includes("/raw/") || key.includes("/ledger/")) reads++;
          return store.get(key);
        },
      };
      const perEvent: number[] = [];
      for (const key of order) {
        const before = reads;
        await processObjects(ctxFor(d.dir, counted, now), [key]);
        perEvent.push(reads - before);
      }
      assert.deepEqual(consolidated(store), consolidated(batch));
      assert.deepEqual(aggregatesOf(store.entries), aggregatesOf(batch.entries));
      // Open: its own ledger (read twice) and, in a window another event wrote meanwhile,
      // the sources that one added; never the sources the window already held.
      if (now !== NOW) assert.ok(Math.max(...perEvent) <= 4, `reads per event: ${perEvent}`);
    }
  } finally {
    d.cleanup();
  }
});

test("a deleted consolidated/ or aggregate level comes back on the next run, without --rebuild", async () => {
  const store = memoryStore();
  await runPipeline(ctxFor(QUEUE, store));
  const before = new Map(store.entries);
  const drop = (part: string) => {
    for (const k of [...store.entries.keys()]) if (k.includes(part)) store.entries.delete(k);
  };
  drop("/consolidated/");
  const ctx = ctxFor(QUEUE, store);
  const c = await consolidate(ctx);
  assert.ok(c.windows > 0);
  assert.deepEqual(c.reopened, [], "the same sources reopen nothing");
  assert.deepEqual(new Map(store.entries), before);
  // The watermark stays: the periods below it are still brought back.
  for (const level of ["/aggregate/30min/", "/aggregate/daily/"]) drop(level);
  await aggregate(ctx);
  assert.deepEqual(aggregatesOf(store.entries), aggregatesOf(before));
});

test("late data for a final window is ingested, reopens it and its parents, and is reported", async () => {
  const q = tempDir("late");
  try {
    cpSync(QUEUE, q.dir, { recursive: true });
    const store = memoryStore();
    await runPipeline(ctxFor(q.dir, store));
    assert.equal(
      (await readMeta(store, "30min", "2024-03-01-0930")).status,
      "final",
    );
    addLateLine(
      q.dir,
      "1709286300.000",
      "2024/03/01/23/rt-1-2024-03-01-23-59-00-0a0a0a0a-0000-4000-8000-0000000000aa.gz",
    ); // 09:45
    const r = await runPipeline(ctxFor(q.dir, store));
    assert.deepEqual(r.ingest.late_windows, ["2024-03-01-0930"]);
    assert.deepEqual(r.consolidate.reopened, ["2024-03-01-0930"]);
    assert.ok(r.aggregate.late.includes("30min/2024-03-01-0930"));
    const meta = await readMeta(store, "30min", "2024-03-01-0930");
    assert.equal(meta.status, "partial");
    assert.equal(
      (await readDoc(store, "30min", "2024-03-01-0930")).requests,
      2,
    );
    assert.equal((await readDoc(store, "daily", "2024-03-01")).requests, 12);
    // The next run finalizes it again (the clock and the queue allow it).
    await runPipeline(ctxFor(q.dir, store));
    assert.equal(
      (await readMeta(store, "30min", "2024-03-01-0930")).status,
      "final",
    );
  } finally {
    q.cleanup();
  }
});

test("finality follows --now: nothing is final before end + grace", async () => {
  const store = memoryStore();
  await runPipeline(ctxFor(QUEUE, store, Date.parse("2024-03-01T10:10:00Z")));
  assert.equal(
    (await readMeta(store, "30min", "2024-03-01-0930")).status,
    "partial",
  );
});

test("archive moves ingested objects, verified, and leaves the failed one in the queue", async () => {
  const q = tempDir("arch-q");
  const dest = tempDir("arch-dest");
  try {
    cpSync(QUEUE, q.dir, { recursive: true });
    const store = memoryStore();
    const r = await runPipeline(ctxFor(q.dir, store), {
      store: fsStore(dest.dir),
      storageClass: "GLACIER_IR",
    });
    assert.equal(r.archive?.archived, 4);
    assert.equal(r.archive?.waiting, 1);
    const left: string[] = [];
    for await (const o of localSource(q.dir).list()) left.push(o.key);
    assert.equal(left.length, 1);
    assert.match(left[0], /000000000003\.gz$/);
    for await (const o of localSource(dest.dir).list()) {
      assert.deepEqual(readFileSync(`${dest.dir}/${o.key}`), readFileSync(`${QUEUE}/${o.key}`));
    }
    const again = await runPipeline(ctxFor(q.dir, store), { store: fsStore(dest.dir) });
    assert.equal(again.archive?.archived, 0);
  } finally {
    q.cleanup();
    dest.cleanup();
  }
});

test("a wrong field list fails the object with a clear message naming the fit", async () => {
  const r = await ingest(
    ctxFor(fileURLToPath(new URL("../fixtures/wrong-fields", import.meta.url)), memoryStore()),
  );
  assert.equal(r.objects_failed, 1);
  assert.match(r.failures[0].error, /field list \(46 fields\) does not fit/);
  assert.match(r.failures[0].error, /the first data line has 27 columns/);
  assert.match(r.failures[0].error, /--fields pack/);
});

test("real standard logs of every width parse with --format standard", async () => {
  const store = memoryStore();
  const ctx = makeContext({
    source: localSource(fileURLToPath(new URL("../fixtures/samples", import.meta.url))),
    store,
    parse: { format: "standard", fields: PRESETS.standard },
  });
  const r = await ingest(ctx);
  // The RTMP log is the one object that must fail, and say why.
  assert.deepEqual(r.failures.map((f) => f.key), ["claygregory-rtmp-1-0.log"]);
  assert.match(
    r.failures[0].error,
    /not describe a web access log \(an RTMP streaming log: not supported\)/,
  );
  assert.equal(r.records, 31);
  assert.equal(r.malformed, 0);
});

test("Hive-style and standard-log key layouts are read, and their key times hold finality", async () => {
  const q = tempDir("hive");
  try {
    const one = readdirSync(`${QUEUE}/2024/03/01/10`).find((f) => f.includes("001"))!;
    mkdirSync(`${q.dir}/cf/year=2024/month=03/day=01/hour=10`, { recursive: true });
    cpSync(
      `${QUEUE}/2024/03/01/10/${one}`,
      `${q.dir}/cf/year=2024/month=03/day=01/hour=10/part-0001.gz`,
    );
    // A standard-log name with a broken body: it fails, and its key time (10:00) holds 09:00–11:00.
    writeFileSync(
      `${q.dir}/cf/E2EXAMPLE.2024-03-01-10.0123abcd.gz`,
      new Uint8Array([0x1f, 0x8b, 8, 0, 0]),
    );
    const store = memoryStore();
    const r = await runPipeline(ctxFor(q.dir, store));
    assert.equal(r.ingest.records, 7);
    assert.equal(r.ingest.objects_failed, 1);
    assert.deepEqual(r.aggregate.holds.map((h) => [h.from, h.to]), [[
      "2024-03-01T09:00:00.000Z",
      "2024-03-01T11:00:00.000Z",
    ]]);
    assert.equal((await readMeta(store, "30min", "2024-03-01-0930")).status, "partial");
  } finally {
    q.cleanup();
  }
});

test("the watermark skips the final past, and late data in an empty window below it is still seen", async () => {
  const q = tempDir("mark");
  try {
    cpSync(QUEUE, q.dir, { recursive: true });
    const store = memoryStore();
    await runPipeline(ctxFor(q.dir, store));
    const mark = JSON.parse(
      new TextDecoder().decode(store.entries.get("sa/cloudfront/aggregate/_watermark.json")),
    );
    // 09:30 and hour 09 are final; 10:00 onwards is held by the truncated object.
    assert.deepEqual(mark, {
      "30min": "2024-03-01T10:00:00.000Z",
      hourly: "2024-03-01T10:00:00.000Z",
      daily: "2024-03-01T00:00:00.000Z",
      monthly: "2024-03-01T00:00:00.000Z",
    });
    // A late record at 08:15: a window that had no data and lies below the mark.
    addLateLine(
      q.dir,
      "1709280900.000",
      "2024/03/01/08/rt-1-2024-03-01-08-20-00-0a0a0a0a-0000-4000-8000-0000000000bb.gz",
    );
    const r = await runPipeline(ctxFor(q.dir, store));
    assert.equal(r.aggregate.computed["30min"], 4); // 08:00 plus the three open ones
    assert.equal((await readDoc(store, "30min", "2024-03-01-0800")).requests, 1);
    assert.equal((await readDoc(store, "hourly", "2024-03-01-08")).requests, 1);
    assert.equal((await readDoc(store, "daily", "2024-03-01")).requests, 12);
  } finally {
    q.cleanup();
  }
});

test("standard logging v2 JSON lines are detected per object and ingested", async () => {
  const q = tempDir("json");
  try {
    const rows = [
      {
        timestamp: "1709287200.000",
        "c-ip": "203.0.113.1",
        "sc-status": "200",
        "cs-method": "GET",
        "cs-uri-stem": "/j",
        "sc-bytes": "10",
        "x-edge-location": "LHR62-C5",
        "x-edge-result-type": "Hit",
      },
      {
        timestamp: 1709287260.5,
        "c-ip": "2001:db8::9",
        "sc-status": 404,
        "cs-method": "GET",
        "cs-uri-stem": "/j",
        "sc-bytes": 20,
        "x-edge-location": "LHR62-C5",
        "x-edge-result-type": "Error",
      },
    ];
    mkdirSync(`${q.dir}/2024/03/01/10`, { recursive: true });
    writeFileSync(
      `${q.dir}/2024/03/01/10/v2-2024-03-01-10-05-00-0a0a0a0a-0000-4000-8000-0000000000cc.log`,
      rows.map((r) => JSON.stringify(r)).join("\n") + "\n{broken\n",
    );
    const store = memoryStore();
    const r = await runPipeline(ctxFor(q.dir, store));
    assert.equal(r.ingest.records, 2);
    assert.equal(r.ingest.malformed, 1);
    const w = await readDoc(store, "30min", "2024-03-01-1000");
    assert.deepEqual(w.status_codes, { "200": 1, "404": 1 });
    assert.equal(w.bytes, 30);
    assert.ok(
      ![...store.entries.values()].some((b) => new TextDecoder().decode(b).includes("203.0.113.1")),
    );
  } finally {
    q.cleanup();
  }
});
