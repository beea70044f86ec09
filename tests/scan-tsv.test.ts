import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { gunzipSync } from "fflate";
import { PRESETS, STANDARD_FIELDS } from "../src/core/fields.ts";
import { compileLayout, MAX_LINE_BYTES, parseLine } from "../src/core/parse-line.ts";
import { parseObject } from "../src/core/parse-object.ts";
import type { LogRecord } from "../src/core/record.ts";
import { emptyRow, type Row, ROW_TEXT, rowTables } from "../src/core/row.ts";
import { compileFast, scanLines } from "../src/core/scan-tsv.ts";
import { prng, syntheticLineMaker, toStandardLine } from "../src/core/synthetic.ts";
import { TABLE_LIMIT, type ValueTable } from "../src/core/value-table.ts";

/** A row as the record the string parser would have built. */
function recordOf(row: Row, tables: ValueTable[]): LogRecord {
  const text = Object.fromEntries(
    ROW_TEXT.map((c, i) => [c, tables[i].values[row.ids[row.at + i]]]),
  );
  return {
    timestamp: row.timestamp,
    bytes: row.bytes,
    time_taken_ms: Number.isNaN(row.time_taken_ms) ? null : row.time_taken_ms,
    ttfb_ms: Number.isNaN(row.ttfb_ms) ? null : row.ttfb_ms,
    bytes_in: row.bytes_in,
    ...text,
  } as LogRecord;
}

/** Parses `bytes` handed over in chunks of `chunk` bytes: the rows as records, and the stats. */
async function parseInChunks(bytes: Uint8Array, chunk: number, fields = PRESETS.all) {
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at += chunk));
    },
  });
  const tables = rowTables();
  const rows: LogRecord[] = [];
  const stats = await parseObject(
    body,
    { format: "realtime", fields },
    tables,
    (r) => rows.push(recordOf(r, tables)),
  );
  return { rows, stats, tables };
}

/** Runs the fast path over `lines`: per line, the record it built or "other". */
function fastPath(
  lines: string[],
  fields: readonly string[],
  standard = false,
): Array<LogRecord | "other"> {
  const fast = compileFast(compileLayout(fields, { standard }));
  assert.ok(fast);
  const tables = rowTables();
  const out: Array<LogRecord | "other"> = [];
  const bytes = new TextEncoder().encode(lines.map((l) => l + "\n").join(""));
  const end = scanLines(bytes, 0, {
    fast,
    tables,
    row: emptyRow(),
    onRow: (r) => out.push(recordOf(r, tables)),
    onOther: () => out.push("other"),
    sampleIn: Infinity,
    onSample: () => {},
  });
  assert.equal(end, bytes.length);
  return out;
}

/** Every line the fast path takes must give exactly what the string parser gives. */
function assertSameAsStringParser(
  lines: string[],
  fields: readonly string[],
  standard = false,
): number {
  const layout = compileLayout(fields, { standard });
  const fast = fastPath(lines, fields, standard);
  assert.equal(fast.length, lines.length);
  let taken = 0;
  lines.forEach((line, i) => {
    const got = fast[i];
    if (got === "other") return;
    taken++;
    assert.deepEqual(got, parseLine(line.replace(/\r$/, ""), layout), `line ${i}: ${line}`);
  });
  return taken;
}

const TRICKY: Record<string, string[]> = {
  "timestamp": [
    "1709287200",
    "1709287200.5",
    "1709287200.123456",
    "1.7092872e9",
    "1709287200.",
    ".5",
    "-",
    "",
    "4102444800.000",
    "946684799.999",
    "946684800.000",
    "01709287200.1",
    "1709287200.1x",
    "1709287200.1234567891",
    "1709287200.9999999999",
  ],
  "sc-status": ["000", "200", "20", "2000", "20x", "-", "", " 200"],
  "sc-bytes": [
    "-",
    "",
    "0",
    "1.5",
    "1e3",
    "+5",
    "00012",
    "9007199254740993",
    "123456789012345678901",
    "12a",
    "-3",
  ],
  "time-taken": [
    "-",
    "",
    "0.000",
    "0.0005",
    "1.23456789",
    "12.",
    "abc",
    "3",
    "0.30000000000000004441",
  ],
  "time-to-first-byte": ["-", "0.001", "", "x"],
  "cs-uri-stem": [
    "/",
    "-",
    "",
    "/a%20b?x=1",
    "/%E2%82%AC/caf%C3%A9",
    "/é/ünïcode",
    "/x?",
    "?only=query",
    "/ip/203.0.113.9/page",
    "/v6/2001:db8::1/x",
    "/bad%E0%A4%A",
    "/\u0000nul",
  ],
  "cs-user-agent": [
    "-",
    "Mozilla/5.0%2520(Windows)",
    "curl/8.4.0",
    "Chrome/120.0.0.0",
    "bot%20from%20198.51.100.7",
    "",
  ],
  "cs-referer": ["-", "https://203.0.113.5/", "https://[2001:db8::2]/a", "https://example.com/%41"],
  "cs-host": ["-", "www.example.com", "198.51.100.1", "WWW.Example.COM"],
  "x-edge-location": ["-", "LHR62-C5", "", "é"],
  "cs-method": ["GET", "-", "", "PURGE"],
  "sc-content-type": ["text/html;%20charset=utf-8", "-", "application/json"],
  "c-country": ["GB", "-", ""],
};

test("fast path: every generated and mutated line gives the string parser's record", () => {
  const fields = PRESETS.all;
  const make = syntheticLineMaker({ seed: 7 });
  const rand = prng(11);
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const cols = make(Date.UTC(2024, 2, 1, 10) + i * 997).split("\t");
    // Mutate one to three fields with tricky values; leave a third of the lines as they are.
    const mutations = i % 3 === 0 ? 0 : 1 + Math.floor(rand() * 3);
    for (let m = 0; m < mutations; m++) {
      const names = Object.keys(TRICKY);
      const name = names[Math.floor(rand() * names.length)];
      const values = TRICKY[name];
      cols[fields.indexOf(name)] = values[Math.floor(rand() * values.length)];
    }
    let line = cols.join("\t");
    if (i % 50 === 1) line += "\r"; // CRLF
    if (i % 97 === 2) line += "\t"; // a trailing tab: the string parser's business
    if (i % 89 === 3) line = cols.slice(0, 30).join("\t"); // too short
    if (i % 83 === 4) line += "\t-".repeat(300); // more columns than the kernel maps
    if (i % 79 === 5) line = [...cols.slice(0, 20), "x", ...cols.slice(20)].join("\t"); // one too many
    lines.push(line);
  }
  const taken = assertSameAsStringParser(lines, fields);
  // The fast path must actually carry the ordinary lines, not pass everything on.
  assert.ok(taken > lines.length / 3, `only ${taken} of ${lines.length} lines took the fast path`);
});

test("fast path: standard log lines, with tricky dates and times", () => {
  const make = syntheticLineMaker({ seed: 9 });
  const rand = prng(13);
  const dates = [
    "2024-02-28",
    "2024-02-29",
    "2023-02-29",
    "2024-13-01",
    "2024-1-01",
    "1969-12-31",
    "0050-01-01",
    "-",
    "2024-03-31",
    "2024/03/01",
  ];
  const times = [
    "00:00:00",
    "23:59:59",
    "24:00:00",
    "23:59:60",
    "12:00:00.5",
    "1:00:00",
    "12:0a:00",
    "-",
  ];
  const lines = Array.from({ length: 2000 }, (_, i) => {
    const cols = toStandardLine(make(Date.UTC(2024, 2, 1, 10) + i * 9973)).split("\t");
    if (i % 2) cols[0] = dates[Math.floor(rand() * dates.length)];
    if (i % 3 === 1) cols[1] = times[Math.floor(rand() * times.length)];
    if (i % 5 === 2) cols[STANDARD_FIELDS.indexOf("sc-status")] = "x00";
    return cols.join("\t") + (i % 41 === 0 ? "\t" : "");
  });
  const taken = assertSameAsStringParser(lines, STANDARD_FIELDS, true);
  assert.ok(taken > lines.length / 4, `only ${taken} of ${lines.length} lines took the fast path`);
});

test("fast path: other field sets, including exact order with the host twice", () => {
  const make = syntheticLineMaker({ seed: 3 });
  const all = PRESETS.all;
  const lastKept = ["timestamp", "sc-status", "cs-user-agent"];
  for (const fields of [PRESETS.pack, PRESETS["all-2020"], ["sc-status", "timestamp"], lastKept]) {
    // Every third line ends in CRLF: a kept last field must not take the CR.
    const lines = Array.from({ length: 300 }, (_, i) => {
      const cols = make(Date.UTC(2024, 2, 1, 10) + i * 1000).split("\t");
      return fields.map((f) => cols[all.indexOf(f)]).join("\t") + (i % 3 ? "" : "\r");
    });
    const taken = assertSameAsStringParser(lines, fields);
    assert.equal(taken, lines.length, fields.join(","));
  }
});

test("fast path: real-time lines of the committed queue fixtures", () => {
  const root = new URL("../fixtures/queue/", import.meta.url);
  const files: string[] = [];
  const walk = (dir: URL) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(new URL(`${e.name}/`, dir));
      else files.push(new URL(e.name, dir).pathname);
    }
  };
  walk(root);
  let lines: string[] = [];
  for (const f of files) {
    const bytes = readFileSync(f);
    let raw: Uint8Array;
    try {
      raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
    } catch {
      continue; // the truncated one
    }
    lines = lines.concat(new TextDecoder().decode(raw).split("\n").filter((l) => l !== ""));
  }
  assert.ok(lines.length > 10);
  const taken = assertSameAsStringParser(lines, PRESETS.all);
  assert.ok(taken > 0);
});

test("parseObject: a line split across chunks at every offset reads the same", async () => {
  const make = syntheticLineMaker({ seed: 5 });
  const withPath = (line: string, path: string) =>
    line.split("\t").map((v, i) => (PRESETS.all[i] === "cs-uri-stem" ? path : v)).join("\t");
  const text = "\ufeff" +
    Array.from({ length: 6 }, (_, i) => make(Date.UTC(2024, 2, 1, 10) + i))
      .map((l, i) => (i === 2 ? withPath(l, "/bé€/😀") : l)).join("\n") +
    "\r\n# a comment\n\n" + make(Date.UTC(2024, 2, 1, 11)); // no final LF
  const bytes = new TextEncoder().encode(text);
  const read = async (chunk: number) => {
    const { rows, stats } = await parseInChunks(bytes, chunk);
    return { rows, stats };
  };
  const whole = await read(bytes.length);
  assert.equal(whole.rows.length, 7);
  assert.equal(whole.rows[2].path, "/bé€/😀"); // multi-byte characters cut by small chunks
  assert.equal(whole.stats.lines, 9);
  assert.equal(whole.stats.skipped, 2);
  for (const chunk of [1, 2, 3, 7, 64, 500]) {
    assert.deepEqual(await read(chunk), whole, `chunks of ${chunk}`);
  }
});

test("parseObject: more distinct values than the kernel's index and a value table hold", async () => {
  // 100,050 distinct paths, then the last ones again: the path table starts over past
  // TABLE_LIMIT while the kernel's index still holds those paths' old ids; before that,
  // the index fills up (65,536 values) and empties itself. Every fifth line (a trailing
  // tab) goes to the string parser: the one that makes the table start over (line
  // 100,000) is a string parser's line once, a fast one once.
  const fields = ["timestamp", "sc-status", "cs-uri-stem", "cs-user-agent"];
  const layout = compileLayout(fields);
  for (const slow of [0, 1]) {
    const lines = Array.from({ length: TABLE_LIMIT + 20_000 }, (_, i) => {
      const path = `/u/${i < TABLE_LIMIT + 50 ? i : i - 100}?q=${i}`;
      const line = `1709287200.${i % 1000}\t200\t${path}\tagent-${i % 1000}`;
      return i % 5 === slow ? line + "\t" : line;
    });
    const bytes = new TextEncoder().encode(lines.join("\n") + "\n");
    const { rows, tables } = await parseInChunks(bytes, 1 << 20, fields);
    assert.equal(rows.length, lines.length);
    assert.ok(tables[ROW_TEXT.indexOf("path")].generation > 0, "the path table never started over");
    rows.forEach((row, i) => assert.deepEqual(row, parseLine(lines[i], layout), `line ${i}`));
  }
});

test("parseObject: a line past the line limit is one malformed line; the lines around it count", async () => {
  const make = syntheticLineMaker({ seed: 3 });
  const lines = [0, 1, 2, 3].map((i) => make(Date.UTC(2024, 2, 1, 10) + i).split("\t"));
  // Just under the limit (the string parser's, past what the kernel scans at once), and over.
  const agent = PRESETS.all.indexOf("cs-user-agent");
  const under = MAX_LINE_BYTES - lines[1].join("\t").length + lines[1][agent].length - 1;
  lines[1][agent] = "Agent/" + "x".repeat(under - 6);
  lines[2][agent] = "Agent/" + "x".repeat(MAX_LINE_BYTES);
  const bytes = new TextEncoder().encode(lines.map((l) => l.join("\t") + "\n").join(""));
  for (const chunk of [bytes.length, 65536, 1 << 20]) {
    const { rows, stats } = await parseInChunks(bytes, chunk);
    assert.equal(stats.records, 3, `chunks of ${chunk}`);
    assert.equal(stats.malformed, 1);
    assert.deepEqual(stats.malformed_by_reason, { length: 1 });
    assert.deepEqual(stats.malformed_lines, [3]);
    assert.equal(rows[1].user_agent.length, 500, "stored agents are bounded");
    assert.ok(rows[1].user_agent.endsWith("…"));
    assert.deepEqual(rows[2], parseLine(lines[3].join("\t"), compileLayout(PRESETS.all)));
  }
});

test("fast path: a column the layout lacks reads as missing, whatever the kernel held before", () => {
  const tables = rowTables(); // one kernel for both layouts, as when a `#Fields:` line changes it
  const make = syntheticLineMaker({ seed: 5 });
  const full = PRESETS.all;
  const lacking = ["c-country", "cs-referer", "cs-user-agent", "sc-content-type"];
  const fewer = full.filter((f) => !lacking.includes(f));
  const scan = (fields: readonly string[], lines: string[]) => {
    const got: LogRecord[] = [];
    scanLines(new TextEncoder().encode(lines.map((l) => l + "\n").join("")), 0, {
      fast: compileFast(compileLayout(fields, { standard: false })),
      tables,
      row: emptyRow(),
      onRow: (r) => got.push(recordOf(r, tables)),
      onOther: () => assert.fail("a line left the fast path"),
      sampleIn: Infinity,
      onSample: () => {},
    });
    return got;
  };
  const lines = Array.from({ length: 50 }, (_, i) => make(Date.UTC(2024, 2, 1, 10) + i * 1000));
  assert.equal(scan(full, lines).length, lines.length);
  const cut = lines.map((l) =>
    l.split("\t").filter((_, i) => !lacking.includes(full[i])).join("\t")
  );
  const layout = compileLayout(fewer, { standard: false });
  const got = scan(fewer, cut);
  assert.deepEqual(got, cut.map((l) => parseLine(l, layout)));
  assert.ok(got.every((r) => r.country === "" && r.user_agent === ""), "absent columns are empty");
});

test("fast path: a megabyte of lines whose values repeat, in full batches, all taken", () => {
  // Values seen before never stop the kernel: batches fill up, and every record of a batch
  // is written before the first is read (this caught records spilling over the text).
  const make = syntheticLineMaker({ seed: 3 });
  const few = Array.from({ length: 4 }, (_, i) => make(Date.UTC(2024, 2, 1, 10) + i * 1000));
  const lines = Array.from({ length: 5000 }, (_, i) => few[i % few.length]);
  const fast = fastPath(lines, PRESETS.all);
  const layout = compileLayout(PRESETS.all, { standard: false });
  fast.forEach((got, i) => assert.deepEqual(got, parseLine(lines[i], layout), `line ${i}`));
});

test("parseObject: a body that fails to parse is cancelled, not left open", async () => {
  // Lines of the wrong width only: the field list is declared wrong after the first 50.
  const line = new TextEncoder().encode("a\tb\tc\n".repeat(200));
  let cancelled: unknown;
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      pulls++;
      c.enqueue(line); // endless: only a cancel ends it
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  await assert.rejects(
    parseObject(body, { format: "realtime", fields: PRESETS.all }, rowTables(), () => {}),
    /does not fit/,
  );
  assert.ok(cancelled instanceof Error && /does not fit/.test(cancelled.message), "not cancelled");
  assert.ok(pulls < 10, `read on after the failure (${pulls} pulls)`);
});
