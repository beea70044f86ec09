import { test } from "node:test";
import assert from "node:assert/strict";
import { duration, progressLine } from "../scripts/_progress.ts";

test("progress: a terminal line redrawn in place, plain lines elsewhere, totals at the end", () => {
  const at = { t: 0 };
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, write: (s: string) => out.push(s), isTTY };
  };
  const p = (done: number, records: number) => ({
    step: "ingest" as const,
    done,
    total: 4,
    records,
    failed: 0,
  });
  const tty = sink(true);
  const drawTty = progressLine(tty, () => at.t);
  const plain = sink(false);
  const drawPlain = progressLine(plain, () => at.t);
  for (
    const [t, done, records] of [[1000, 1, 100], [1100, 2, 200], [12000, 3, 300], [20000, 4, 400]]
  ) {
    at.t = t;
    drawTty(p(done, records));
    drawPlain(p(done, records));
  }
  // The terminal skips the redraw 100 ms after the last; the log writes at most every 10 s.
  assert.equal(tty.out.length, 3);
  assert.ok(tty.out.every((s) => s.startsWith("\r\x1b[K")));
  assert.equal(tty.out[0], "\r\x1b[Kingest: 1/4 objects, 100 records, 100 records/s, ETA 3s");
  assert.equal(tty.out.at(-1), "\r\x1b[Kingest: 4/4 objects, 400 records, 20 records/s in 20s\n");
  assert.deepEqual(plain.out, [
    "ingest: 1/4 objects, 100 records, 100 records/s, ETA 3s\n",
    "ingest: 3/4 objects, 300 records, 25 records/s, ETA 4s\n",
    "ingest: 4/4 objects, 400 records, 20 records/s in 20s\n",
  ]);
  assert.equal(duration(3725), "1h02m");
  assert.equal(duration(185), "3m05s");
});
