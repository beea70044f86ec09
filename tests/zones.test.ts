/**
 * Local calendars (core/zones.ts) against the runtime's own time-zone data, read through
 * another formatter: every 30-minute window around the DST changes of Europe and America
 * lies in the local day the runtime says, and each local day is tiled exactly.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { periodBounds, WINDOW_MS } from "../src/core/windows.ts";
import { localDate } from "./_helpers.ts";
import {
  calendar,
  isZoneName,
  parseInstant,
  tile,
  UTC_CALENDAR,
  ZoneError,
} from "../src/core/zones.ts";

const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The DST changes tested: [zone, the local day, its hours]. */
const CHANGES = [
  ["Europe/Berlin", "2024-03-31", 23],
  ["Europe/Berlin", "2024-10-27", 25],
  ["Europe/London", "2024-03-31", 23],
  ["America/New_York", "2024-03-10", 23],
  ["America/New_York", "2024-11-03", 25],
  ["America/Los_Angeles", "2024-11-03", 25],
  ["Australia/Sydney", "2024-04-07", 25],
  // Clocks that jump over or back across midnight itself, and a half-hour change.
  ["America/Havana", "2024-03-10", 23],
  ["America/Santiago", "2024-09-08", 23],
  ["America/Santiago", "2024-04-06", 25],
  ["Asia/Beirut", "2024-03-31", 23],
  ["Australia/Lord_Howe", "2024-04-07", 24.5],
  ["Australia/Lord_Howe", "2024-10-06", 23.5],
] as const;

test("local days at DST changes: 23 or 25 hours, every window in the day the runtime says", () => {
  for (const [zone, day, hours] of CHANGES) {
    const cal = calendar(zone);
    const { start, end } = cal.bounds("daily", day);
    assert.equal((end - start) / H, hours, `${zone} ${day}`);
    // The day before and after, window by window: key and bounds agree with the runtime.
    for (let t = start - 36 * H; t < end + 36 * H; t += WINDOW_MS) {
      const want = localDate(zone, t);
      assert.equal(cal.key("daily", t), want, `${zone} ${iso(t)}`);
      const b = cal.bounds("daily", want);
      assert.ok(b.start <= t && t < b.end, `${zone} ${iso(t)} in ${want}`);
      assert.equal(localDate(zone, b.start), want);
      assert.notEqual(
        localDate(zone, b.start - 1),
        want,
        `${zone} ${want} begins at ${iso(b.start)}`,
      );
      assert.equal(cal.key("monthly", t), want.slice(0, 7));
    }
  }
});

test("a local day or month is tiled exactly by the coarsest stored periods", () => {
  for (const [zone, day] of CHANGES) {
    const cal = calendar(zone);
    for (const [period, key] of [["daily", day], ["monthly", day.slice(0, 7)]] as const) {
      const { start, end } = cal.bounds(period, key);
      let at = start;
      for (const piece of tile(start, end)) {
        const b = periodBounds(piece.period, piece.key);
        assert.equal(b.start, at, `${zone} ${key}: ${piece.period} ${piece.key} follows on`);
        at = b.end;
      }
      assert.equal(at, end, `${zone} ${key} is covered to its end`);
    }
  }
  // A UTC month is one piece; New York's March is 19 hours, 30 days, 4 hours.
  assert.deepEqual(tile(Date.UTC(2024, 2, 1), Date.UTC(2024, 3, 1)), [
    { period: "monthly", key: "2024-03" },
  ]);
  const ny = calendar("America/New_York").bounds("monthly", "2024-03");
  const pieces = tile(ny.start, ny.end);
  assert.equal(pieces.filter((p) => p.period === "daily").length, 30);
  assert.equal(pieces.filter((p) => p.period === "hourly").length, 19 + 4);
  assert.throws(() => tile(0, 60_000), ZoneError);
});

test("times without an offset are local: the earlier of a repeated hour, after a skipped one", () => {
  const ny = calendar("America/New_York");
  assert.equal(iso(parseInstant("2024-03-10", ny)), "2024-03-10T05:00:00.000Z");
  // 02:30 does not exist on 10 March: it reads as 03:30 EDT.
  assert.equal(iso(parseInstant("2024-03-10T02:30", ny)), "2024-03-10T07:30:00.000Z");
  // 01:30 happens twice on 3 November: the first (EDT).
  assert.equal(iso(parseInstant("2024-11-03T01:30:00", ny)), "2024-11-03T05:30:00.000Z");
  assert.equal(iso(parseInstant("2024-11-03T01:30:00Z", ny)), "2024-11-03T01:30:00.000Z");
  assert.equal(iso(parseInstant("2024-11-03T01:30:00-04:00", ny)), "2024-11-03T05:30:00.000Z");
  const berlin = calendar("Europe/Berlin");
  assert.equal(iso(parseInstant("2024-10-27T02:30", berlin)), "2024-10-27T00:30:00.000Z");
  assert.equal(iso(parseInstant("2024-03-31T02:30", berlin)), "2024-03-31T01:30:00.000Z");
  assert.equal(
    iso(parseInstant("2024-03-01T10:00:00.5", UTC_CALENDAR)),
    "2024-03-01T10:00:00.500Z",
  );
  assert.throws(() => parseInstant("yesterday", ny), ZoneError);
  // Only ISO-8601, and only days and clocks that exist.
  for (
    const bad of [
      "March 7, 2024",
      "2024/03/07",
      "2024-02-30",
      "2024-03-07T24:00",
      "2024-03-07T10:61",
    ]
  ) {
    assert.throws(() => parseInstant(bad, ny), ZoneError, bad);
  }
});

test("zones: a half-hour offset works, a 45-minute one is refused naming it, unknown names fail", () => {
  const kolkata = calendar("Asia/Kolkata").bounds("daily", "2024-03-01");
  assert.equal(iso(kolkata.start), "2024-02-29T18:30:00.000Z");
  assert.equal(tile(kolkata.start, kolkata.end)[0].key, "2024-02-29-1830");
  assert.throws(
    () => calendar("Asia/Kathmandu").bounds("daily", "2024-03-01"),
    (e: Error) => e instanceof ZoneError && /UTC\+05:45 on 2024-03-01.*30-minute/.test(e.message),
  );
  assert.throws(() => calendar("Mars/Olympus"), ZoneError);
  for (const bad of ["", "../etc/passwd", "Europe/Berlin\n", "a".repeat(100), "Mars/Olympus"]) {
    assert.equal(isZoneName(bad), false, JSON.stringify(bad));
  }
  for (const good of ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"]) {
    assert.equal(isZoneName(good), true, good);
  }
  assert.equal(calendar("UTC"), UTC_CALENDAR);
});
