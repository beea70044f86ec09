import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatWatermark,
  lowerWatermark,
  NO_WATERMARK,
  parseWatermark,
} from "../src/core/watermark.ts";

const mark = parseWatermark({
  "30min": "2024-03-05T12:30:00.000Z",
  hourly: "2024-03-05T12:00:00.000Z",
  daily: "2024-03-05T00:00:00.000Z",
  monthly: "2024-03-01T00:00:00.000Z",
});

test("lowering to an instant reopens the periods that contain it, at every level", () => {
  const low = lowerWatermark(mark, Date.parse("2024-02-28T08:15:00Z"));
  assert.deepEqual(formatWatermark(low), {
    "30min": "2024-02-28T08:00:00.000Z",
    hourly: "2024-02-28T08:00:00.000Z",
    daily: "2024-02-28T00:00:00.000Z",
    monthly: "2024-02-01T00:00:00.000Z",
  });
  // An instant above the mark changes nothing.
  assert.deepEqual(lowerWatermark(mark, Date.parse("2024-03-06T00:00:00Z")), mark);
  assert.deepEqual(lowerWatermark(NO_WATERMARK, Date.parse("2024-03-06T00:00:00Z")), NO_WATERMARK);
});

test("a stored watermark that is not ISO time is an error", () => {
  assert.throws(
    () => parseWatermark({ "30min": "soon", hourly: "", daily: "", monthly: "" }),
    /not an ISO time/,
  );
  assert.throws(() => parseWatermark({ "30min": "2024-03-05T12:30:00Z" }));
});
