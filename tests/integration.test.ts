/**
 * ingest → consolidate → aggregate → archive on a multi-day generated data set, with the
 * daily and monthly totals checked against totals computed independently from the input
 * lines (node:zlib and a plain split, none of the project's parsing code).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { readDoc, readMeta, tempDir } from "./_helpers.ts";

interface Totals {
  requests: number;
  bytes: number;
  status: Record<string, number>;
  methods: Record<string, number>;
  edges: Record<string, number>;
}
const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

function independentTotals(dir: string): { days: Map<string, Totals>; malformed: number } {
  const days = new Map<string, Totals>();
  let malformed = 0;
  const all = PRESETS.all;
  const col = (name: string) => all.indexOf(name);
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = `${d}/${name}`;
      if (statSync(p).isDirectory()) {
        walk(p);
        continue;
      }
      for (const line of gunzipSync(readFileSync(p)).toString("utf8").split("\n")) {
        if (line === "") continue;
        const c = line.split("\t");
        if (c.length !== all.length) {
          malformed++;
          continue;
        }
        const day = new Date(Number(c[col("timestamp")]) * 1000).toISOString().slice(0, 10);
        let t = days.get(day);
        if (!t) days.set(day, t = { requests: 0, bytes: 0, status: {}, methods: {}, edges: {} });
        t.requests++;
        t.bytes += Number(c[col("sc-bytes")]);
        bump(t.status, c[col("sc-status")]);
        bump(t.methods, c[col("cs-method")]);
        bump(t.edges, c[col("x-edge-location")]);
      }
    }
  };
  walk(dir);
  return { days, malformed };
}

test("three days: daily and monthly totals equal independent totals; archive empties the queue", async () => {
  const logs = tempDir("int-logs");
  const store = tempDir("int-store");
  const cold = tempDir("int-archive");
  try {
    await generateLogs({
      dir: logs.dir,
      lines: 90_000,
      days: 3,
      start: Date.parse("2024-02-28T00:00:00Z"), // crosses a month end (2024 is a leap year)
      seed: 21,
      malformedRate: 0.002,
    });
    const expected = independentTotals(logs.dir);
    assert.deepEqual([...expected.days.keys()].sort(), ["2024-02-28", "2024-02-29", "2024-03-01"]);

    const s = fsStore(store.dir);
    const r = await runPipeline(
      makeContext({
        source: localSource(logs.dir),
        store: s,
        now: Date.parse("2024-03-10T00:00:00Z"),
      }),
      { store: fsStore(cold.dir) },
    );
    assert.equal(r.ingest.malformed, expected.malformed);
    assert.ok(expected.malformed > 50);
    assert.equal(r.archive?.archived, r.ingest.objects_ingested);
    assert.equal(r.archive?.waiting, 0);
    const left = [];
    for await (const o of localSource(logs.dir).list()) left.push(o.key);
    assert.deepEqual(left, []);

    const month: Record<string, Totals> = {};
    for (const [day, t] of expected.days) {
      const d = await readDoc(s, "daily", day);
      assert.equal(d.requests, t.requests, day);
      assert.equal(d.bytes, t.bytes, day);
      assert.deepEqual(d.status_codes, t.status, day);
      assert.deepEqual(d.methods, t.methods, day);
      assert.deepEqual(d.edge_locations, t.edges, day);
      assert.equal(
        d.errors_4xx,
        Object.entries(t.status).filter(([k]) => k[0] === "4").reduce((n, [, v]) => n + v, 0),
      );
      assert.equal(
        d.errors_5xx,
        Object.entries(t.status).filter(([k]) => k[0] === "5").reduce((n, [, v]) => n + v, 0),
      );
      assert.equal((await readMeta(s, "daily", day)).status, "final");
      const m = day.slice(0, 7);
      const acc = month[m] ??= { requests: 0, bytes: 0, status: {}, methods: {}, edges: {} };
      acc.requests += t.requests;
      acc.bytes += t.bytes;
    }
    for (const [m, t] of Object.entries(month)) {
      const d = await readDoc(s, "monthly", m);
      assert.equal(d.requests, t.requests, m);
      assert.equal(d.bytes, t.bytes, m);
    }
    // February 2024 has all its days past (the missing ones are empty and final): final.
    assert.equal((await readMeta(s, "monthly", "2024-02")).status, "final");
    assert.equal((await readMeta(s, "monthly", "2024-03")).status, "partial");
  } finally {
    logs.cleanup();
    store.cleanup();
    cold.cleanup();
  }
});
