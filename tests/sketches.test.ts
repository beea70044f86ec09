/** Sketch error bounds, checked against exact computation on heavy-tailed data. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  HLL_STANDARD_ERROR,
  hllAdd,
  hllCreate,
  hllDecode,
  hllEncode,
  hllEstimate,
  hllMerge,
} from "../src/core/sketches/hll.ts";
import {
  QUANTILE_RELATIVE_ERROR,
  quantileAdd,
  quantileAt,
  quantileCanonical,
  quantileCount,
  quantileCounts,
  quantileCreate,
  quantileFromCounts,
  quantileMerge,
} from "../src/core/sketches/quantiles.ts";
import { topFromCounts, topMerge } from "../src/core/sketches/top-k.ts";
import { prng, zipfSampler } from "../src/core/synthetic.ts";

test("HyperLogLog stays within 4 standard errors, merged or not", () => {
  for (const n of [10, 1_000, 50_000, 300_000]) {
    const whole = hllCreate();
    const parts = [hllCreate(), hllCreate(), hllCreate()];
    for (let i = 0; i < n; i++) {
      hllAdd(whole, `/path/${i}`);
      hllAdd(parts[i % 3], `/path/${i}`);
      hllAdd(parts[(i + 1) % 3], `/path/${i}`); // overlaps must not double count
    }
    const merged = hllCreate();
    for (const p of parts) hllMerge(merged, hllDecode(hllEncode(p)));
    for (const est of [hllEstimate(whole), hllEstimate(merged)]) {
      assert.ok(
        Math.abs(est - n) / n <= 4 * HLL_STANDARD_ERROR + (n < 100 ? 0.1 : 0),
        `n=${n} est=${est}`,
      );
    }
  }
});

test("HyperLogLog text: sparse for a small set, deflated for a large one, both exact round trips", () => {
  for (const [n, sparse] of [[0, true], [10, true], [900, true], [5_000, false]] as const) {
    const registers = hllCreate();
    for (let i = 0; i < n; i++) hllAdd(registers, `/p/${i}`);
    const text = hllEncode(registers);
    assert.equal(text.startsWith("~"), sparse, `n=${n}`);
    assert.deepEqual(hllDecode(text), registers, `n=${n}`);
  }
  // Far registers (gaps of several varint bytes) and the highest rank.
  const edge = hllCreate();
  edge[0] = 1;
  edge[16_383] = 33;
  assert.deepEqual(hllDecode(hllEncode(edge)), edge);
  // A stored text that lies is refused, never read as other registers.
  const bad = (bytes: number[]) => "~" + btoa(String.fromCharCode(...bytes));
  for (const text of [bad([0xff, 0xff, 0x01, 1]), bad([0, 34]), bad([0, 0]), bad([0x80])]) {
    assert.throws(() => hllDecode(text), /HLL sketch/, text);
  }
});

test("quantiles are within 1% of the exact value on heavy-tailed latencies, after merging", () => {
  const rand = prng(3);
  const values: number[] = [];
  const parts = Array.from({ length: 48 }, () => quantileCreate());
  for (let i = 0; i < 100_000; i++) {
    const v = Math.round(1 / (rand() ** 1.5 + 1e-4)); // heavy tail, 1 ms .. 10 s
    values.push(v);
    quantileAdd(parts[i % 48], v);
  }
  const merged = quantileCreate();
  for (const p of parts) quantileMerge(merged, p);
  values.sort((a, b) => a - b);
  for (const q of [0.5, 0.95, 0.99]) {
    const exact = values[Math.floor(q * (values.length - 1))];
    const est = quantileAt(merged, q)!;
    assert.ok(
      Math.abs(est - exact) / exact <= QUANTILE_RELATIVE_ERROR + 1e-9,
      `q=${q} exact=${exact} est=${est}`,
    );
  }
  assert.equal(quantileAt(quantileCreate(), 0.5), null);
});

test("quantiles: counting in a typed array gives the sketch quantileAdd builds", () => {
  const rand = prng(5);
  const values = [0, -3, 0.25, 1e-20, 1e20, 65_535, 65_536, 2 ** 31 + 0.5, Number.MAX_VALUE];
  for (let i = 0; i < 20_000; i++) values.push(Math.round(1 / (rand() ** 1.5 + 1e-4)));
  for (let i = 0; i < 200; i++) values.push(rand() * 1e6, rand());
  const sketch = quantileCreate();
  const counts = quantileCounts();
  for (const v of values) {
    quantileAdd(sketch, v);
    quantileCount(counts, v);
  }
  const counted = quantileFromCounts(counts);
  assert.equal(counted.count, values.length);
  assert.deepEqual(quantileCanonical(counted), quantileCanonical(sketch));
});

test("top paths: a month of heavy-tailed windows keeps the exact top 20 and honest bounds", () => {
  const rand = prng(11);
  const next = zipfSampler(200_000, 1.1, rand);
  const exact = new Map<number, number>();
  const days = [];
  for (let d = 0; d < 30; d++) {
    const windows = [];
    for (let w = 0; w < 48; w++) {
      const counts = new Map<string, [number, number]>();
      for (let i = 0; i < 400; i++) {
        const p = next();
        exact.set(p, (exact.get(p) ?? 0) + 1);
        const c = counts.get(`/p/${p}`);
        if (c) c[0]++;
        else counts.set(`/p/${p}`, [1, 10]);
      }
      windows.push(topFromCounts(counts, 1000));
    }
    days.push(topMerge(windows));
  }
  const month = topMerge(days);
  const truth = [...exact].sort((a, b) => b[1] - a[1]);
  for (let i = 0; i < 20; i++) assert.equal(month.entries[i][0], `/p/${truth[i][0]}`, `rank ${i}`);
  for (const [path, requests, , err] of month.entries) {
    const t = exact.get(Number(path.slice(3)))!;
    assert.ok(
      requests <= t && t <= requests + err,
      `${path}: ${t} not in [${requests}, ${requests + err}]`,
    );
  }
  assert.ok(month.entries.slice(0, 10).every((e) => e[3] === 0 || e[3] / e[1] < 0.05));
});

test("top-k merge: each path's error is its own plus the floor of every list it is missing from", () => {
  const rand = prng(21);
  for (let round = 0; round < 50; round++) {
    const lists = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => {
      const counts = new Map<string, [number, number]>();
      for (let i = 0; i < 40; i++) {
        counts.set(`/p${Math.floor(rand() * 60)}`, [1 + Math.floor(rand() * 50), 10]);
      }
      return topFromCounts(counts, 10 + Math.floor(rand() * 20));
    });
    const merged = topMerge(lists, 1000);
    // The definition, literally: no shortcut.
    for (const [path, requests, , err] of merged.entries) {
      let want = 0;
      let wantErr = 0;
      for (const list of lists) {
        const e = list.entries.find((x) => x[0] === path);
        if (e) {
          want += e[1];
          wantErr += e[3];
        } else wantErr += list.floor;
      }
      assert.equal(requests, want, path);
      assert.equal(err, wantErr, path);
    }
    assert.equal(merged.floor, lists.reduce((n, l) => n + l.floor, 0));
  }
});
