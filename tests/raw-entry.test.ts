import { test } from "node:test";
import assert from "node:assert/strict";
import {
  indexWidth,
  numberPacking,
  type PackedNumbers,
  packIndex,
  unpackIndex,
  unpackNumbers,
  writePackedNumbers,
} from "../src/core/packed-index.ts";
import { rawAppend, rawBuilder, rawEncode } from "../src/core/raw-builder.ts";
import { parseRawEntry, type RawEntry } from "../src/core/raw-entry.ts";
import type { LogRecord } from "../src/core/record.ts";
import { emptyRow, generations, ROW_TEXT, rowFromRecord, rowTables } from "../src/core/row.ts";
import { idOfValue, TABLE_LIMIT } from "../src/core/value-table.ts";

/** `count` numbers packed as a raw part packs them, when they pack. */
function packNumbers(values: Float64Array, count: number): PackedNumbers | undefined {
  const p = numberPacking(values, count);
  if (!p) return undefined;
  const out = new Uint8Array(count * p.width);
  writePackedNumbers(values, count, p, out, 0);
  return { ...p, packed: new TextDecoder().decode(out) };
}

const meta = { sourceKey: "2024/03/01/10/x.gz", sourceHash: "abc", window: "w", part: 0 };
const read = (bytes: Uint8Array) => parseRawEntry(JSON.parse(new TextDecoder().decode(bytes)));

function record(i: number): LogRecord {
  return {
    timestamp: 1_709_287_200_000 + i,
    status: ["200", "404", "000"][i % 3],
    bytes: i % 7 === 0 ? 0 : i * 1000.5,
    time_taken_ms: i % 5 === 0 ? null : i,
    ttfb_ms: i % 4 === 0 ? null : -0,
    method: "GET",
    protocol: "https",
    protocol_version: "HTTP/2.0",
    host: "h",
    path: `/p/${i % 5000}/"quoted"\\é`,
    edge_location: `E${i % 70}`,
    result_type: "Hit",
    response_result_type: "",
    content_type: "text/html",
    country: "GB",
    user_agent: `agent ${i % 300}`,
    referer: "",
    bytes_in: i % 9 === 0 ? 0 : i * 3,
    asn: i % 2 === 0 ? "" : `${16509 + (i % 40)}`,
    tls_version: "TLSv1.3",
    ip_version: i % 3 === 0 ? "IPv6" : "IPv4",
    detailed_result_type: "Hit",
    utm: i % 11 === 0 ? `src${i % 4}\tem\tc` : "",
  };
}

const orNull = (v: number) => (Number.isNaN(v) ? null : v);

/** The records of a raw entry, rebuilt row by row. */
function recordsOf(e: RawEntry): LogRecord[] {
  return Array.from({ length: e.count }, (_, i) => {
    const text = Object.fromEntries(ROW_TEXT.map((c) => [c, e.text[c].dict[e.text[c].index[i]]]));
    return {
      timestamp: e.numbers.timestamp[i],
      bytes: e.numbers.bytes[i],
      time_taken_ms: orNull(e.numbers.time_taken_ms[i]),
      ttfb_ms: orNull(e.numbers.ttfb_ms[i]),
      bytes_in: e.numbers.bytes_in[i],
      ...text,
    } as LogRecord;
  });
}

test("raw parts: every record comes back exactly, dictionaries of every index width", () => {
  const tables = rowTables();
  const row = emptyRow();
  const b = rawBuilder();
  const records = Array.from({ length: 6000 }, (_, i) => record(i));
  for (const r of records) rawAppend(b, tables, rowFromRecord(row, tables, r));
  const e = read(rawEncode(b, meta));
  assert.equal(e.version, 3);
  assert.equal(e.count, records.length);
  // -0 is written as 0, as JSON does.
  assert.deepEqual(
    recordsOf(e),
    records.map((r) => ({ ...r, ttfb_ms: r.ttfb_ms === null ? null : 0 })),
  );
  assert.equal(e.text.path.dict.length, 5000); // packed three wide
  assert.equal(e.text.user_agent.dict.length, 300); // two wide
  assert.equal(e.text.edge_location.dict.length, 70); // two wide
  assert.equal(e.text.method.dict.length, 1); // one wide
  // Counts per value, read from the packed text without an index, agree with the index.
  for (const c of ROW_TEXT) {
    const tally = new Int32Array(e.text[c].dict.length);
    for (const id of e.text[c].index) tally[id]++;
    assert.deepEqual(e.text[c].counts, tally, c);
  }
  assert.deepEqual([...e.text.status.counts], [2000, 2000, 2000]);
});

test("raw parts of version 1 (indexes as number arrays) are still read", () => {
  const v1 = {
    version: 1,
    source: { key: "k", hash: "h" },
    window: "w",
    part: 0,
    count: 2,
    numbers: { timestamp: [1, 2], bytes: [3, 4], time_taken_ms: [null, 5], ttfb_ms: [6, null] },
    text: Object.fromEntries(ROW_TEXT.map((c) => [c, { dict: ["a", "b"], index: [1, 0] }])),
  };
  const e = parseRawEntry(v1);
  assert.deepEqual([...e.text.path.index], [1, 0]);
  assert.deepEqual([...e.text.path.counts], [1, 1]);
  assert.deepEqual([...e.numbers.time_taken_ms], [NaN, 5]);
  assert.equal(e.text.status.dict[e.text.status.index[0]], "b");
  // Values are checked when a column is first read, lengths at once; errors name both.
  const badPath = (path: unknown, version = 1) =>
    parseRawEntry({ ...v1, version, text: { ...v1.text, path } });
  const named = /raw entry k part 0: column path /;
  const e1 = badPath({ dict: ["a"], index: [0, 1] });
  assert.equal(e1.text.status.index.length, 2);
  assert.throws(() => e1.text.path.index, named);
  assert.throws(() => e1.text.path.index, /has index 1 outside its dictionary of 1/);
  assert.throws(() => badPath({ dict: ["a"], index: [0] }), /column path has 1 values, want 2/);
  assert.throws(() => badPath({ dict: ["a"], index: "AAA" }, 2), /has 3 values, want 2/);
  assert.throws(
    () =>
      parseRawEntry({
        ...v1,
        numbers: { ...v1.numbers, bytes: { base: 0, width: 2, packed: "AAA" } },
      }),
    /column bytes packed numbers' length 3 is not a multiple of 2/,
  );
  assert.throws(
    () => parseRawEntry({ ...v1, numbers: { ...v1.numbers, bytes: [1, "x"] } }).numbers.bytes,
    /column bytes holds "x"/,
  );
  assert.throws(() => badPath({ dict: ["a"], index: "A!" }, 2).text.path.index, /base-64/);
  assert.throws(() => badPath({ dict: ["a"], index: "A!" }, 2).text.path.counts, /base-64/);
  assert.throws(
    () => badPath({ dict: ["a"], index: "AB" }, 2).text.path.counts,
    /column path packed index 1 is outside its dictionary of 1/,
  );
  assert.throws(() => e1.text.path.counts, /outside its dictionary/);
  assert.throws(
    () => badPath({ dict: ["a"], index: "AB" }, 2).text.path.index,
    /outside its dictionary/,
  );
});

test("raw parts: integer columns are packed, any span up to 2^48, missing values included", () => {
  for (const span of [0, 1, 62, 63, 4094, 4095, 1_800_000, 2 ** 47, 2 ** 48 - 2]) {
    const base = 1_709_287_200_000;
    const values = Float64Array.from([base, NaN, base + span, base + Math.floor(span / 2)]);
    const p = packNumbers(values, values.length);
    assert.ok(p, `span ${span} was not packed`);
    assert.equal(p.width, span + 2 <= 64 ? 1 : span + 2 <= 4096 ? 2 : p.width);
    assert.deepEqual([...unpackNumbers(p)], [...values], `span ${span}`);
  }
  assert.equal(packNumbers(Float64Array.from([0, 2 ** 48]), 2), undefined); // too wide
  assert.equal(packNumbers(Float64Array.from([1.5, 2]), 2), undefined); // not integers
  assert.deepEqual([...unpackNumbers(packNumbers(Float64Array.from([NaN, NaN]), 2)!)], [NaN, NaN]);
  assert.throws(() => unpackNumbers({ base: 0, width: 2, packed: "AAA" }), /multiple of 2/);
  assert.throws(() => unpackNumbers({ base: 0, width: 9, packed: "" }), /width of 9/);
  assert.throws(() => unpackNumbers({ base: 0, width: 1, packed: "A." }), /base-64/);
  // Every width, a bad character last: punctuation, or one past ASCII whose low bits are "A".
  for (let width = 1; width <= 8; width++) {
    for (const bad of ["!", "\u0141"]) {
      const packed = "B".repeat(width * 3 - 1) + bad;
      assert.throws(() => unpackNumbers({ base: 0, width, packed }), /packed number 2 .*base-64/);
      if (width <= 4) assert.throws(() => unpackIndex(packed, 64 ** width), /index 2 .*base-64/);
    }
  }
  // In a part: timestamps, time taken and TTFB packed; bytes with a fraction stay JSON.
  const tables = rowTables();
  const b = rawBuilder();
  const row = emptyRow();
  for (let i = 0; i < 60; i++) rawAppend(b, tables, rowFromRecord(row, tables, record(i)));
  const json = JSON.parse(new TextDecoder().decode(rawEncode(b, meta)));
  assert.equal(json.version, 3);
  assert.equal(typeof json.numbers.timestamp.packed, "string");
  assert.equal(json.numbers.timestamp.width, 1); // 59 ms apart at most, and missing: 61 codes
  assert.ok(Array.isArray(json.numbers.bytes));
});

test("packed indexes: widths 1 to 3 round-trip at their bounds", () => {
  for (const size of [1, 64, 65, 4096, 4097, 50_000]) {
    const width = indexWidth(size);
    assert.equal(width, size <= 64 ? 1 : size <= 4096 ? 2 : 3);
    const index = Int32Array.from([0, size - 1, Math.floor(size / 2), 0]);
    const out = new Uint8Array(index.length * width);
    assert.equal(packIndex(index, index.length, width, out, 0), out.length);
    assert.deepEqual(unpackIndex(new TextDecoder().decode(out), size), index);
  }
});

test("a value table that starts over mid-part ends the part; every part keeps its values", () => {
  const tables = rowTables();
  const row = emptyRow();
  const pathColumn = ROW_TEXT.indexOf("path");
  const generation = tables[pathColumn].generation;
  const paths: string[] = [];
  const parts: Uint8Array[] = [];
  let b = rawBuilder();
  // More distinct paths than a table holds: it resets while the part is open.
  for (let i = 0; i < TABLE_LIMIT + 500; i++) {
    rowFromRecord(row, tables, record(i));
    const path = `/unique/${i % (TABLE_LIMIT + 100)}`;
    row.ids[row.at + pathColumn] = idOfValue(tables[pathColumn], path);
    row.generation = generations(tables);
    if (!rawAppend(b, tables, row)) {
      parts.push(rawEncode(b, meta));
      b = rawBuilder();
      assert.ok(rawAppend(b, tables, row), "a new part takes the row");
    }
    paths.push(path);
  }
  parts.push(rawEncode(b, meta));
  assert.ok(tables[pathColumn].generation > generation, "the table never reset");
  assert.equal(parts.length, 2);
  const entries = parts.map(read);
  const got = entries.flatMap((e) => Array.from(e.text.path.index, (id) => e.text.path.dict[id]));
  assert.deepEqual(got, paths);
  for (const e of entries) {
    assert.equal(new Set(e.text.path.dict).size, e.text.path.dict.length); // no value twice
  }
});

test("raw parts: numbers are written as JSON writes them, at every digit count", () => {
  const values = [
    0,
    -0,
    7,
    -7,
    1.5,
    -2.25,
    1e21,
    0.1 + 0.2,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    1_709_287_200_123,
    NaN,
  ];
  for (let p = 1; p <= 1e15; p *= 10) values.push(p - 1, p, p + 1, 99_999_999 * p + 1);
  const tables = rowTables();
  const row = rowFromRecord(emptyRow(), tables, record(1));
  const b = rawBuilder();
  for (const v of values) {
    row.bytes = v;
    rawAppend(b, tables, row);
  }
  const text = new TextDecoder().decode(rawEncode(b, meta));
  const written = text.slice(
    text.indexOf('"bytes":[') + 9,
    text.indexOf("]", text.indexOf('"bytes":[')),
  );
  assert.equal(written, values.map((v) => JSON.stringify(v)).join(","));
});
