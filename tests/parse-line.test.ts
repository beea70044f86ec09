import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PRESETS, STANDARD_FIELDS } from "../src/core/fields.ts";
import { compileLayout, parseJsonLine, parseLine } from "../src/core/parse-line.ts";
import { decodeAgent, decodeValue } from "../src/core/decode.ts";
import { detectFields } from "../src/core/detect.ts";

const sample = (name: string) =>
  readFileSync(new URL(`../fixtures/samples/${name}`, import.meta.url), "utf8");
const dataLines = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

test("decoding: '-' is missing, values decode once, agents decode twice when double-encoded", () => {
  assert.equal(decodeValue("-"), "");
  assert.equal(decodeValue("/a%20b"), "/a b");
  assert.equal(decodeValue("%E0%A4%A"), "%E0%A4%A"); // bad escape kept as logged
  assert.equal(decodeAgent("Mozilla/5.0%2520(Windows)"), "Mozilla/5.0 (Windows)");
  assert.equal(decodeAgent("Mozilla/5.0%20(Windows)"), "Mozilla/5.0 (Windows)");
});

test("a real standard log line (AWS docs, 2023) parses to the right record", () => {
  const layout = compileLayout(STANDARD_FIELDS, { standard: true });
  const lines = dataLines(sample("awsdocs-2023-03-web.log"));
  const r = parseLine(lines[0], layout);
  assert.ok(typeof r !== "string", String(r));
  assert.equal(r.timestamp, Date.UTC(2019, 11, 4, 21, 2, 31));
  assert.equal(r.status, "200");
  assert.equal(r.bytes, 392);
  assert.equal(r.method, "GET");
  assert.equal(r.path, "/index.html");
  assert.equal(r.edge_location, "LAX1");
  assert.equal(r.result_type, "Hit");
  assert.equal(r.time_taken_ms, 1);
  assert.equal(r.host, "d111111abcdef8.cloudfront.net"); // x-host-header: the viewer's Host in standard logs
  assert.match(
    r.user_agent,
    /^Mozilla\/5\.0 \(Windows NT 10\.0; .*Chrome\/78\.0\.3904\.108 Safari\/537\.36$/,
  );
  // Line 3 has a trailing TAB (34 columns): tolerated in standard logs.
  assert.ok(typeof parseLine(lines[2], layout) !== "string");
  const err = parseLine(lines[3], layout);
  assert.ok(typeof err !== "string");
  assert.equal(err.status, "502");
  assert.equal(err.referer, "http://www.example.com/");
});

test("double-encoded agents of 2019 logs come out readable", () => {
  const layout = compileLayout(STANDARD_FIELDS, { standard: true });
  const r = parseLine(dataLines(sample("awsdocs-2019-12-web-double-encoded.log"))[0], layout);
  assert.ok(typeof r !== "string");
  assert.ok(!r.user_agent.includes("%"), r.user_agent);
  assert.match(r.user_agent, /Chrome\/78\.0\.3904\.108/);
});

test("a real real-time line: the query in cs-uri-stem is dropped, cs-host is the site", () => {
  const layout = compileLayout(PRESETS["all-2020"]);
  const r = parseLine(dataLines(sample("claygregory-kinesis-1-0.log"))[0], layout);
  assert.ok(typeof r !== "string", String(r));
  assert.equal(r.timestamp, 1607374321541);
  assert.equal(r.path, "/i");
  assert.equal(r.host, "test.cloudfront.net");
  assert.equal(r.edge_location, "EWR52-C4");
  assert.ok(!JSON.stringify(r).includes("stm=1607374321563"), "the query string is not kept");
});

test("malformed lines say why: columns, status, timestamp", () => {
  const layout = compileLayout(["timestamp", "sc-status", "cs-uri-stem"]);
  assert.equal(parseLine("1709287200.000\t200", layout), "columns");
  assert.equal(parseLine("1709287200.000\tOK\t/x", layout), "status");
  assert.equal(parseLine("2024-03-01\t200\t/x", layout), "timestamp");
  assert.equal(parseLine("17092872\t200\t/x", layout), "timestamp");
  const ok = parseLine("1709287200.000\t000\t/x", layout);
  assert.ok(typeof ok !== "string" && ok.status === "000");
  // A trailing TAB is tolerated on real-time lines; a non-empty extra column is not.
  assert.ok(typeof parseLine("1709287200.000\t200\t/x\t", layout) !== "string");
  assert.equal(parseLine("1709287200.000\t200\t/x\tmore", layout), "columns");
});

test("standard logging v2 JSON lines", () => {
  const r = parseJsonLine(JSON.stringify({
    timestamp: "1709287200.5",
    "c-ip": "203.0.113.1",
    "sc-status": 404,
    "cs-method": "GET",
    "cs-uri-stem": "/a%20b",
    "x-edge-location": "LHR62-C5",
    "sc-bytes": 10,
  }));
  assert.ok(typeof r !== "string");
  assert.equal(r.status, "404");
  assert.equal(r.path, "/a b");
  assert.equal(r.timestamp, 1709287200500);
  assert.equal(parseJsonLine("{not json"), "columns");
});

test("detect names the preset that fits, or says none does", () => {
  const line = (n: number) =>
    ["1709287200.000", ...Array.from({ length: n - 1 }, () => "200")].join("\t");
  // The 27 columns of the `pack` preset fit `pack`.
  const pack = readFileSync(
    new URL("../fixtures/wrong-fields/", import.meta.url).pathname +
      "rt-1-2024-03-01-10-05-00-0a0a0a0a-0000-4000-8000-000000000009",
    "utf8",
  );
  assert.deepEqual(detectFields(pack).presets, ["pack"]);
  // 27 columns of the right width but values that fit no field of `pack` (a 200 as method).
  assert.deepEqual(detectFields(line(27)).presets, []);
  assert.match(detectFields(line(13)).advice, /no preset has 13 fields/);
  assert.equal(detectFields(sample("awsdocs-2023-03-web.log")).format, "standard");
  assert.equal(detectFields('{"timestamp":1}').format, "json");
  // A JSON object that names no log field is no standard-logging-v2 line.
  assert.equal(detectFields('{"name": "cloudfront-lets"}').format, "unknown");
  assert.equal(detectFields('{\n  "name": 1\n}').format, "unknown");
  // The width most lines have decides, and a few malformed lines do not hide the preset.
  const packLines = readFileSync(
    new URL("../fixtures/wrong-fields/", import.meta.url).pathname +
      "rt-1-2024-03-01-10-05-00-0a0a0a0a-0000-4000-8000-000000000009",
    "utf8",
  ).split("\n").filter(Boolean);
  const bad = packLines[0].replace(/\t200\t/, "\t2x0\t");
  const mixed = ["junk", "1709287200.000\tshort", bad, ...Array(4).fill(packLines).flat()];
  assert.deepEqual(detectFields(mixed.join("\n")).presets, ["pack"]);
  // Text or bytes that begin with no timestamp, date, { or header are no CloudFront log.
  for (
    const junk of ["hello world\nnot a log", "\u0000\u00ff\u0013garbage", "GET / HTTP/1.1\t200"]
  ) {
    const d = detectFields(junk);
    assert.equal(d.format, "unknown", junk);
    assert.match(d.advice, /does not look like a CloudFront log/);
  }
});
