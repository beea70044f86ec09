import { test } from "node:test";
import assert from "node:assert/strict";
import { childKeys, periodBounds, periodKey, windowStart } from "../src/core/windows.ts";
import { clockFinal, holdFor, keyTime, sourcesFinal } from "../src/core/finality.ts";
import { aggregateKey, rawKey, windowDir } from "../src/core/keys.ts";

test("period keys and bounds, end exclusive", () => {
  const t = Date.UTC(2024, 1, 29, 23, 45, 1);
  assert.equal(periodKey("30min", t), "2024-02-29-2330");
  assert.equal(periodKey("hourly", t), "2024-02-29-23");
  assert.equal(periodKey("daily", t), "2024-02-29");
  assert.equal(periodKey("monthly", t), "2024-02");
  assert.deepEqual(periodBounds("30min", "2024-02-29-2330"), {
    start: Date.UTC(2024, 1, 29, 23, 30),
    end: Date.UTC(2024, 2, 1),
  });
  assert.equal(periodBounds("monthly", "2024-12").end, Date.UTC(2025, 0, 1));
  assert.throws(() => periodBounds("daily", "2024-2-1"), /not a daily period key/);
});

test("a record at 09:59:59.950 and one at 10:00:00.000 fall in different windows", () => {
  assert.equal(windowStart(Date.UTC(2024, 2, 1, 9, 59, 59, 950)), Date.UTC(2024, 2, 1, 9, 30));
  assert.equal(windowStart(Date.UTC(2024, 2, 1, 10)), Date.UTC(2024, 2, 1, 10));
});

test("children: 2 half-hours, 24 hours, 29 days in February 2024", () => {
  assert.deepEqual(childKeys("hourly", "2024-03-01-10"), ["2024-03-01-1000", "2024-03-01-1030"]);
  assert.equal(childKeys("daily", "2024-03-01").length, 24);
  assert.equal(childKeys("monthly", "2024-02").length, 29);
  assert.equal(childKeys("monthly", "2023-02").at(-1), "2023-02-28");
});

test("store keys follow DESIGN §4", () => {
  const w = Date.UTC(2024, 2, 1, 10, 30);
  assert.equal(windowDir(w), "2024-03-01/10-30");
  assert.equal(rawKey(w, "abc", 0), "sa/cloudfront/raw/2024-03-01/10-30/abc-0000.json");
  assert.equal(
    aggregateKey("30min", "2024-03-01-1030"),
    "sa/cloudfront/aggregate/30min/2024-03-01-1030/data.json",
  );
});

test("object times from Firehose, standard and Hive keys", () => {
  assert.equal(
    keyTime("p/2024/03/01/10/rt-1-2024-03-01-10-05-00-0a0a0a0a-0000-4000-8000-000000000001.gz"),
    Date.UTC(2024, 2, 1, 10, 5),
  );
  assert.equal(keyTime("E2EXAMPLE.2024-03-01-10.abcdef12.gz"), Date.UTC(2024, 2, 1, 10));
  assert.equal(keyTime("logs/year=2024/month=03/day=01/hour=10/part.gz"), Date.UTC(2024, 2, 1, 10));
  assert.equal(keyTime("logs/2024/03/01/10/whatever"), Date.UTC(2024, 2, 1, 10));
  assert.equal(keyTime("random-name.log"), undefined);
});

test("finality: grace period and holds of unprocessed objects", () => {
  const end = Date.UTC(2024, 2, 1, 10, 30);
  assert.ok(!clockFinal(end, end + 19 * 60_000));
  assert.ok(clockFinal(end, end + 20 * 60_000));
  const hold = holdFor("k", Date.UTC(2024, 2, 1, 12), 60 * 60_000);
  assert.ok(!sourcesFinal(Date.UTC(2024, 2, 1, 11), Date.UTC(2024, 2, 1, 11, 30), [hold]));
  assert.ok(sourcesFinal(Date.UTC(2024, 2, 1, 10), Date.UTC(2024, 2, 1, 10, 30), [hold]));
});
