import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { CANONICAL_FIELDS, canonicalOrder, PRESETS, resolveFields } from "../src/core/fields.ts";
import { parseFields } from "../src/runtime/config.ts";

test("the canonical catalog has 67 fields in AWS order", () => {
  assert.equal(CANONICAL_FIELDS.length, 67);
  assert.equal(CANONICAL_FIELDS[0], "timestamp");
  assert.equal(CANONICAL_FIELDS[45], "asn");
  assert.equal(CANONICAL_FIELDS[66], "x-edge-mqcs");
});

test("presets: pack has 27, all-2020 has 40 without s-ip, all has 46", () => {
  assert.equal(PRESETS.pack.length, 27);
  assert.equal(PRESETS["all-2020"].length, 40);
  assert.ok(!PRESETS["all-2020"].includes("s-ip"));
  assert.equal(PRESETS.all.length, 46);
  assert.equal(PRESETS.standard.length, 33);
});

test("a selected set is ordered canonically, whatever order it is given in", () => {
  assert.deepEqual(canonicalOrder(["cs-uri-stem", "sc-status", "timestamp"]), [
    "timestamp",
    "sc-status",
    "cs-uri-stem",
  ]);
  assert.deepEqual(resolveFields("sc-status, timestamp\ncs-method"), [
    "timestamp",
    "sc-status",
    "cs-method",
  ]);
});

test("--field-order exact keeps the given order", () => {
  assert.deepEqual(resolveFields("cs-uri-stem,timestamp,sc-status", "exact"), [
    "cs-uri-stem",
    "timestamp",
    "sc-status",
  ]);
});

test("unknown and repeated names are errors, not shifted columns", () => {
  assert.throws(
    () => resolveFields("timestamp,sc-statsu"),
    /unknown real-time log field "sc-statsu"/,
  );
  assert.throws(() => resolveFields("timestamp,timestamp"), /named twice/);
  assert.throws(() => resolveFields(" , "), /empty/);
  // One word that is no field was meant as a preset: the error lists the presets.
  assert.throws(
    () => resolveFields("standrd"),
    new RegExp(`"standrd" is neither a preset \\(${Object.keys(PRESETS).join(", ")}\\)`),
  );
  assert.deepEqual(resolveFields("timestamp"), ["timestamp"]);
});

test("--fields: a preset's name is the preset even beside a file of that name; a file is read", () => {
  const dir = mkdtempSync(join(tmpdir(), "cfl-fields-"));
  const cwd = process.cwd();
  try {
    writeFileSync(join(dir, "all"), "timestamp,sc-status");
    writeFileSync(join(dir, "mine.txt"), "timestamp,sc-status\n");
    process.chdir(dir);
    assert.deepEqual(parseFields("all", undefined, "realtime"), PRESETS.all);
    assert.deepEqual(parseFields("./all", undefined, "realtime"), ["timestamp", "sc-status"]);
    assert.deepEqual(parseFields("mine.txt", undefined, "realtime"), ["timestamp", "sc-status"]);
    assert.throws(
      () => parseFields(".", undefined, "realtime"),
      /--fields: \. is not a regular file/,
    );
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});
