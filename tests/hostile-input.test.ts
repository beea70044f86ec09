/**
 * Promises that must hold for hostile input, not only for well-formed logs (issue 11): a
 * wrong field list of the right width is caught by its values, a bad block of lines does
 * not fail the good ones, poison numbers and impossible dates are malformed lines, and
 * memory and stored sizes stay bounded whatever one object holds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import process from "node:process";
import { Gzip, gzipSync } from "fflate";
import { canonicalOrder, PRESETS, STANDARD_FIELDS } from "../src/core/fields.ts";
import { aggregateKey, consolidatedKey } from "../src/core/keys.ts";
import { prng, STANDARD_HEADER } from "../src/core/synthetic.ts";
import { aggregate } from "../src/pipeline/aggregate.ts";
import { consolidate, MAX_PATH_GROUPS } from "../src/pipeline/consolidate.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { ingest, MAX_OPEN_WINDOWS } from "../src/pipeline/ingest.ts";
import { readLedger } from "../src/pipeline/ledger.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { memoryStore } from "../src/store/memory.ts";
import { getJson, listAll, putJson, type Store } from "../src/store/store.ts";
import { findAddresses, readDoc, tempDir } from "./_helpers.ts";
import { concatBytes as concat } from "../src/core/bytes.ts";

const T0 = Date.parse("2024-03-01T10:00:00Z") / 1000;
const NOW = Date.parse("2024-04-02T00:00:00Z");

/** One real-time line of `fields` (the `all` preset by default), `over` replacing fields. */
function line(over: Record<string, string> = {}, fields: readonly string[] = PRESETS.all) {
  const base: Record<string, string> = {
    "timestamp": `${T0}.000`,
    "c-ip": "203.0.113.7",
    "s-ip": "52.84.1.10",
    "time-to-first-byte": "0.010",
    "sc-status": "200",
    "sc-bytes": "1000",
    "cs-method": "GET",
    "cs-protocol": "https",
    "cs-host": "www.example.com",
    "cs-uri-stem": "/index.html",
    "cs-bytes": "400",
    "x-edge-location": "LHR62-C5",
    "x-edge-request-id": "AbCdEf0123456789AbCdEf0123456789AbCdEf0123456789AbCd==",
    "x-host-header": "d111111abcdef8.cloudfront.net",
    "time-taken": "0.020",
    "cs-protocol-version": "HTTP/2.0",
    "c-ip-version": "IPv4",
    "cs-user-agent": "Mozilla/5.0%20(X11)%20Chrome/120.0.0.0%20Safari/537.36",
    "x-edge-response-result-type": "Hit",
    "ssl-protocol": "TLSv1.3",
    "ssl-cipher": "TLS_AES_128_GCM_SHA256",
    "x-edge-result-type": "Hit",
    "sc-content-type": "text/html",
    "sc-content-len": "1000",
    "c-port": "50000",
    "x-edge-detailed-result-type": "Hit",
    "c-country": "GB",
    "cs-accept-encoding": "gzip",
    "cs-accept": "*/*",
    "cache-behavior-path-pattern": "*",
    "cs-headers-count": "10",
    "asn": "16509",
    "cmcd-encoded-bitrate": "3200",
  };
  return fields.map((f) => over[f] ?? base[f] ?? "-").join("\t");
}

/** A queue directory holding `objects` (key → text or bytes), and a context over it. */
function queue(objects: Record<string, string | Uint8Array>, store: Store = memoryStore()) {
  const q = tempDir("hostile-q");
  for (const [key, body] of Object.entries(objects)) {
    const path = `${q.dir}/${key}`;
    mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    writeFileSync(path, body);
  }
  const ctx = makeContext({
    source: localSource(q.dir),
    store,
    now: NOW,
    parse: { format: "realtime", fields: PRESETS.all },
  });
  return { ctx, store, cleanup: q.cleanup };
}

const KEY = "2024/03/01/10/rt-1-2024-03-01-10-05-00-0a0a0a0a-0000-4000-8000-00000000000a.gz";
const text = (lines: string[]) => lines.join("\n") + "\n";

/** Every byte a store holds, as one text, with its keys. */
async function everything(store: Store): Promise<string> {
  const parts: string[] = [];
  for (const e of await listAll(store, "")) {
    parts.push(e.key, new TextDecoder().decode(await store.get(e.key)));
  }
  return parts.join("\n");
}

test("a field list of the right width but other fields fails the object, writing no address", async () => {
  // cs-cookie not selected, cmcd-encoded-bitrate selected: 46 columns, as `all` has.
  const actual = canonicalOrder([
    ...PRESETS.all.filter((f) => f !== "cs-cookie"),
    "cmcd-encoded-bitrate",
  ]);
  assert.equal(actual.length, PRESETS.all.length);
  const lines = Array.from({ length: 300 }, (_, i) =>
    line({
      timestamp: `${T0 + i}.000`,
      "x-forwarded-for": i % 3 ? `2001:db8:${i.toString(16)}::${(i * 7).toString(16)}` : "-",
    }, actual));
  const { ctx, store, cleanup } = queue({ [KEY]: gzipSync(new TextEncoder().encode(text(lines))) });
  try {
    const r = await ingest(ctx);
    assert.equal(r.objects_failed, 1, JSON.stringify(r));
    assert.match(r.failures[0].error, /does not fit/);
    assert.match(r.failures[0].error, /no preset has 46 fields that fit/);
    assert.deepEqual(findAddresses(r.failures[0].error), []);
    assert.equal(await everything(store), "", "nothing is written for a failed object");
    // Read with the fields it has, every line is a record.
    ctx.parse = { format: "realtime", fields: actual };
    const right = await ingest(ctx);
    assert.equal(right.records, 300);
    assert.equal(right.malformed, 0);
    assert.deepEqual(findAddresses(await everything(store)), []);
  } finally {
    cleanup();
  }
});

test("a shift among columns that are not kept is caught by the shapes of their values", async () => {
  // cs-headers-count not selected, cmcd-encoded-bitrate selected: every kept column fits.
  const actual = canonicalOrder([
    ...PRESETS.all.filter((f) => f !== "cs-headers-count"),
    "cmcd-encoded-bitrate",
  ]);
  const over = {
    "primary-distribution-id": "E2EXAMPLE",
    "primary-distribution-dns-name": "d111111abcdef8.cloudfront.net",
  };
  const lines = Array.from({ length: 20 }, () => line(over, actual));
  const { ctx, store, cleanup } = queue({ [KEY]: text(lines) });
  try {
    const r = await ingest(ctx);
    assert.equal(r.objects_failed, 1);
    assert.match(
      r.failures[0].error,
      /does not fit the values: in 20 of 20 sampled lines, column 41 does not hold cs-headers-count/,
    );
    assert.equal(await everything(store), "");
  } finally {
    cleanup();
  }
});

test("a block of bad lines at the top is counted as malformed; the records after it count", async () => {
  const bad = Array.from({ length: 50 }, () => "garbage\twith\tthree columns");
  const good = Array.from({ length: 100 }, (_, i) => line({ timestamp: `${T0 + i}.000` }));
  const { ctx, cleanup } = queue({ [KEY]: text([...bad, ...good]) });
  try {
    const r = await ingest(ctx);
    assert.equal(r.objects_failed, 0, JSON.stringify(r.failures));
    assert.equal(r.records, 100);
    assert.equal(r.malformed, 50);
    assert.deepEqual(r.malformed_by_reason, { columns: 50 });
  } finally {
    cleanup();
  }
});

test("poison numbers are malformed lines; sums stay exact and aggregate keeps working", async () => {
  const lines = [
    line({ "sc-bytes": "1.8e308" }),
    line({ "sc-bytes": "179769313486231570000000000000000000000000000000000000000000" }),
    line({ "sc-bytes": "1.5" }),
    line({ "time-taken": "99999999" }),
    line({ "time-to-first-byte": "Infinity" }),
    line({ "sc-bytes": "123" }),
    line({ "sc-bytes": "-" }),
  ];
  const { ctx, store, cleanup } = queue({ [KEY]: text(lines) });
  try {
    const r = await runPipeline(ctx);
    assert.equal(r.ingest.records, 2);
    assert.equal(r.ingest.malformed, 5);
    assert.deepEqual(r.ingest.malformed_by_reason, { number: 5 });
    const day = await readDoc(store, "daily", "2024-03-01");
    assert.equal(day.bytes, 123);
    assert.equal(day.requests, 2);
  } finally {
    cleanup();
  }
});

test("a stored input that fails validation fails its periods only, and is reported", async () => {
  const lines = [line(), line({ timestamp: `${T0 + 86_400}.000` })]; // 1 and 2 March
  const { ctx, store, cleanup } = queue({ [KEY]: text(lines) });
  try {
    await ingest(ctx);
    await consolidate(ctx);
    // The window of 1 March is corrupt (as an overflowed sum was once written: null).
    const bad = consolidatedKey(Date.parse("2024-03-01T10:00:00Z"));
    const doc = (await getJson(store, bad)) as { state: { bytes: unknown } };
    doc.state.bytes = null;
    await putJson(store, bad, doc);
    const a = await aggregate(ctx);
    const failed = a.failures.map((f) => `${f.period} ${f.key}`);
    assert.ok(failed.includes("30min 2024-03-01-1000"), JSON.stringify(a.failures));
    assert.ok(failed.includes("daily 2024-03-01"));
    assert.match(a.failures[0].error, /is not valid at state\.bytes/);
    // The other day is computed and final all the same.
    assert.equal((await readDoc(store, "daily", "2024-03-02")).requests, 1);
    assert.equal(await store.get(aggregateKey("daily", "2024-03-01")), undefined);
    // Rebuilt from raw, the corrupt window heals.
    await consolidate(ctx, { rebuild: true });
    const again = await aggregate(ctx);
    assert.deepEqual(again.failures, []);
    assert.equal((await readDoc(store, "monthly", "2024-03")).requests, 2);
  } finally {
    cleanup();
  }
});

test("impossible and out-of-range dates are malformed; ingest and consolidation reconcile", async () => {
  const cols = (date: string, time = "10:00:00") =>
    STANDARD_FIELDS.map((f) =>
      f === "date"
        ? date
        : f === "time"
        ? time
        : f === "sc-status"
        ? "200"
        : f === "sc-bytes"
        ? "10"
        : f === "x-edge-location"
        ? "LHR62-C5"
        : f === "cs-uri-stem"
        ? "/"
        : "-"
    ).join("\t");
  const body = STANDARD_HEADER +
    text([
      cols("2024-03-01"),
      cols("2024-02-29"), // a leap day: real
      cols("0001-01-01"),
      cols("2024-02-30"),
      cols("2023-02-29"),
      cols("2024-13-01"),
      cols("2024-03-01", "24:00:00"),
      cols("2024-03-01", "10:61:00"),
      cols("2100-01-01"),
    ]);
  const { ctx, cleanup } = queue({ "E2EXAMPLE.2024-03-01-10.abcdef12.gz": body });
  try {
    const r = await runPipeline(ctx);
    assert.equal(r.ingest.records, 2);
    assert.equal(r.ingest.malformed, 7);
    assert.deepEqual(r.ingest.malformed_by_reason, { timestamp: 7 });
    assert.equal(r.consolidate.records, r.ingest.records, "every ingested record is consolidated");
  } finally {
    cleanup();
  }
});

/** The resident set size in MB. */
function rssMb(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

test("a line of 64 MB is one malformed line, read in bounded memory", async () => {
  // Built as a stream of gzip, so that the test itself never holds the line.
  const chunks: Uint8Array[] = [];
  const gz = new Gzip({ level: 1 }, (c) => chunks.push(c));
  const enc = new TextEncoder();
  gz.push(enc.encode(line({ timestamp: `${T0}.000` }) + "\n"));
  gz.push(enc.encode(line({ timestamp: `${T0 + 1}.000`, "cs-user-agent": "" })));
  const block = new Uint8Array(1 << 20).fill(97);
  for (let i = 0; i < 64; i++) gz.push(block);
  gz.push(enc.encode("\n" + line({ timestamp: `${T0 + 2}.000` }) + "\n"), true);
  const { ctx, cleanup } = queue({ [KEY]: concat(chunks) });
  try {
    const before = rssMb();
    const r = await ingest(ctx);
    assert.equal(r.records, 2);
    assert.deepEqual(r.malformed_by_reason, { length: 1 });
    assert.ok(rssMb() - before < 100, `RSS grew by ${Math.round(rssMb() - before)} MB`);
  } finally {
    cleanup();
  }
});

test("an object spread over thousands of windows keeps few open", async () => {
  const windows = 2000;
  const lines = Array.from(
    { length: windows },
    (_, i) => line({ timestamp: `${T0 + i * 1800}.000`, "cs-uri-stem": `/w${i % 7}` }),
  );
  const store = memoryStore();
  const { ctx, cleanup } = queue({ [KEY]: gzipSync(new TextEncoder().encode(text(lines))) }, store);
  try {
    const before = rssMb();
    const r = await ingest(ctx);
    assert.equal(r.records, windows);
    // A builder per window (as before) took about 150 KB each: 300 MB here.
    assert.ok(rssMb() - before < 120, `RSS grew by ${Math.round(rssMb() - before)} MB`);
    const ledger = (await listAll(store, "sa/cloudfront/ledger/"))[0].key;
    const entry = await readLedger(store, ledger.slice(ledger.lastIndexOf("/") + 1, -5));
    assert.equal(Object.keys(entry!.windows).length, windows);
    assert.equal((await listAll(store, "sa/cloudfront/raw/")).length, windows);
    assert.ok(MAX_OPEN_WINDOWS < windows);
  } finally {
    cleanup();
  }
});

test("long paths are stored bounded and marked; a month of them stays under 1 MB", async () => {
  const lines = Array.from({ length: 1500 }, (_, i) =>
    line({
      timestamp: `${T0 + i}.000`,
      "cs-uri-stem": `/p${i}/` + "x".repeat(20_000),
      "cs-referer": "https://example.org/" + "y".repeat(5000),
    }));
  const { ctx, store, cleanup } = queue({ [KEY]: text(lines) }, fsStore(tempDir("hostile-s").dir));
  try {
    const r = await runPipeline(ctx);
    assert.equal(r.ingest.records, 1500);
    const month = await store.get(aggregateKey("monthly", "2024-03"));
    assert.ok(month!.length < 1_000_000, `monthly data.json is ${month!.length} bytes`);
    const doc = await readDoc(store, "monthly", "2024-03");
    assert.ok(doc.top_paths.length > 0);
    for (const p of doc.top_paths) {
      assert.equal(p.path.length, 500);
      assert.ok(p.path.endsWith("…"), "a cut path is marked");
    }
    const summary = await store.get(consolidatedKey(Date.parse("2024-03-01T10:00:00Z")));
    assert.ok(summary!.length < 3_000_000, `the window's summary is ${summary!.length} bytes`);
    assert.ok(MAX_PATH_GROUPS >= 1500);
  } finally {
    cleanup();
  }
});

/** `text` with its percent-escapes decoded, three rounds deep: what an encoded address hides. */
function decodedDeep(text: string): string {
  let out = text;
  for (let i = 0; i < 3; i++) {
    out = out.replace(/%([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
  return out;
}

test("privacy: a random address, in any shape, in a random kept field of a random line is never written", async () => {
  const rand = prng(20261201);
  const int = (n: number) => Math.floor(rand() * n);
  const v4 = () => [int(223) + 1, int(256), int(256), int(254) + 1].join(".");
  const v6 = () => {
    const groups = Array.from({ length: 8 }, () => int(0x10000).toString(16));
    const cut = int(3) === 0 ? -1 : 2 + int(4);
    return cut < 0 ? groups.join(":") : `${groups.slice(0, cut).join(":")}::${groups[7]}`;
  };
  const shapes: Array<(a4: string, a6: string) => [string, string]> = [
    (a) => [a, a],
    (a) => [a.split(".").map((g) => g.padStart(3, "0")).join("."), a],
    (a) => [`${a}:8080`, a],
    (_, b) => [`[${b}]:443`, b],
    (_, b) => [`${b}x`, b],
    (_, b) => [`${b}:`, b],
    (a) => [`${a}.log`, a],
    (a) => [`user${a}`, a],
    (a) => [a.replaceAll(".", "%2E"), a],
    (a) => [a.replaceAll(".", "%252E"), a],
    (_, b) => [b.replaceAll(":", "%3A"), b],
    (a) => [`::ffff:${a}`, a],
  ];
  const fields: Array<[string, (x: string) => string]> = [
    ["cs-uri-stem", (x) => `/logs/${x}`],
    ["cs-uri-stem", (x) => `/${x}?q=1`],
    ["cs-referer", (x) => `https://${x}/from`],
    ["cs-user-agent", (x) => `Mozilla/5.0%20(${x})%20Chrome/120.0.0.0`],
    ["cs-user-agent", (x) => `MyIP/${x}`],
    ["cs-host", (x) => x],
    ["sc-content-type", (x) => `text/html;%20origin=${x}`],
    ["x-edge-location", (x) => x],
    ["cs-method", (x) => x],
    ["cs-protocol", (x) => x],
    ["cs-protocol-version", (x) => `HTTP/${x}`],
    ["c-country", (x) => x],
    ["x-edge-result-type", (x) => x],
    ["x-edge-response-result-type", (x) => x],
    ["cs-uri-query", (x) => `utm_source=${x}&utm_medium=email`],
    ["cs-uri-query", (x) => `a=1&utm_campaign=spring+${x}`],
    ["cs-uri-query", (x) => `ip=${x}&utm_medium=cpc`],
    ["asn", (x) => x],
    ["ssl-protocol", (x) => `TLSv${x}`],
    ["c-ip-version", (x) => x],
    ["x-edge-detailed-result-type", (x) => x],
  ];
  const known: string[] = [];
  const lines = Array.from({ length: 400 }, (_, i) => {
    const over: Record<string, string> = { timestamp: `${T0 + i}.000` };
    if (i % 2 === 0) {
      const [value, address] = shapes[int(shapes.length)](v4(), v6());
      const [field, place] = fields[int(fields.length)];
      over[field] = place(value);
      known.push(address);
    }
    return line(over);
  });
  const { ctx, store, cleanup } = queue({ [KEY]: text(lines) });
  try {
    const r = await runPipeline(ctx);
    assert.ok(r.ingest.records > 200 && r.ingest.malformed > 10, JSON.stringify(r.ingest));
    const all = await everything(store);
    assert.ok(all.length > 10_000);
    for (const form of [all, decodedDeep(all)]) {
      assert.deepEqual(findAddresses(form, known), []);
    }
    assert.ok(all.includes("Chrome/120.0.0.0"), "version tokens are kept");
    // While the window is open its exact counts (counts.json, nothing cut) are stored too.
    const live = memoryStore();
    await runPipeline({ ...ctx, store: live, now: Date.parse("2024-03-01T10:10:00Z") });
    assert.ok([...live.entries.keys()].some((k) => k.endsWith("/counts.json")));
    const open = await everything(live);
    for (const form of [open, decodedDeep(open)]) {
      assert.deepEqual(findAddresses(form, known), []);
    }
    // The scanner finds what it must (a check that cannot fail is no check).
    assert.deepEqual(findAddresses("/user010.000.113.005.log"), ["010.000.113.005"]);
    assert.deepEqual(findAddresses("MyIP/192.168.3.2"), ["192.168.3.2"]);
    assert.deepEqual(findAddresses("Chrome/120.0.0.0"), []);
  } finally {
    cleanup();
  }
});

test("a rebuild of unchanged windows reopens nothing; corrupt metas and watermarks heal", async () => {
  const { ctx, store, cleanup } = queue({
    [KEY]: text([line(), line({ timestamp: `${T0 + 3600}.000` })]),
  });
  try {
    await runPipeline(ctx);
    const again = await consolidate(ctx, { rebuild: true });
    assert.equal(again.windows, 2);
    assert.deepEqual(again.reopened, [], "the same sources reopen no final window");
    // Metas, a data.json and the watermark that fail validation: the steps go on, and
    // rewrite them (a period whose meta is unreadable is no longer known to be final).
    const put = (k: string, t: string) =>
      store.put(`sa/cloudfront/aggregate/${k}`, new TextEncoder().encode(t));
    await put("hourly/2024-03-01-10/__meta.json", '{"x":1}');
    await put("daily/2024-03-01/__meta.json", "[]");
    await put("daily/2024-03-01/data.json", "not json");
    await put("_watermark.json", "[]");
    const c = await consolidate(ctx, { rebuild: true });
    assert.deepEqual(c.failures, []);
    const a = await aggregate(ctx);
    assert.deepEqual(a.failures, [], JSON.stringify(a.failures));
    assert.equal((await readDoc(store, "monthly", "2024-03")).requests, 2);
    assert.equal((await readDoc(store, "daily", "2024-03-01")).requests, 2);
  } finally {
    cleanup();
  }
});

test("values a viewer chooses (method, Host) never get an object refused", async () => {
  const lines = Array.from({ length: 100 }, (_, i) =>
    line(
      i % 5 < 3
        ? {
          timestamp: `${T0 + i}.000`,
          "cs-method": "M-SEARCH",
          "x-host-header": "evil@host.example",
        }
        : { timestamp: `${T0 + i}.000` },
    ));
  const { ctx, store, cleanup } = queue({ [KEY]: text(lines) });
  try {
    const r = await runPipeline(ctx);
    assert.equal(r.ingest.objects_failed, 0, JSON.stringify(r.ingest.failures));
    assert.equal(r.ingest.records, 100);
    const day = await readDoc(store, "daily", "2024-03-01");
    assert.deepEqual(day.methods, { GET: 40, OTHER: 60 });
  } finally {
    cleanup();
  }
});

test("hostile values in any script keep a month under 1 MB; a 2099 time stays out of 2100", async () => {
  const cjk = (i: number, n: number) =>
    Array.from({ length: n }, (_, k) => String.fromCharCode(0x4e00 + ((i * 31 + k) % 20000)))
      .join("");
  const enc = (s: string) => encodeURIComponent(s);
  const lines = Array.from({ length: 3000 }, (_, i) =>
    line({
      timestamp: `${T0 + i * 600}.000`,
      "cs-uri-stem": "/" + enc(cjk(i, 600)),
      "cs-referer": `https://site${i}.example/` + enc(cjk(i + 1, 300)),
      "sc-content-type": `text/${enc(cjk(i, 40))}`,
      "x-edge-result-type": "R" + "x".repeat(40) + String.fromCharCode(65 + (i % 26)),
      "x-edge-location": `ABC${i % 1000}-X${i % 7}`,
      "cs-user-agent": `Bot${i}/1.0`,
      "sc-status": i % 2 ? "404" : "200",
    }));
  lines.push(line({ timestamp: "4102444799.9999" }));
  const { ctx, store, cleanup } = queue({ [KEY]: text(lines) });
  try {
    const r = await runPipeline(ctx);
    assert.equal(r.ingest.records, 3000);
    assert.deepEqual(r.ingest.malformed_by_reason, { timestamp: 1 });
    assert.equal(await store.get(aggregateKey("monthly", "2100-01")), undefined);
    const month = await store.get(aggregateKey("monthly", "2024-03"));
    assert.ok(month!.length < 1_000_000, `monthly data.json is ${month!.length} bytes`);
  } finally {
    cleanup();
  }
});

test("a viewer's long method is stored as OTHER and never gets an object refused", async () => {
  const lines = Array.from(
    { length: 200 },
    (_, i) => line({ timestamp: `${T0 + i}.000`, "cs-method": i % 5 < 3 ? "M".repeat(40) : "GET" }),
  );
  const { ctx, store, cleanup } = queue({ [KEY]: text(lines) });
  try {
    const r = await runPipeline(ctx);
    assert.equal(r.ingest.objects_failed, 0, JSON.stringify(r.ingest.failures));
    assert.deepEqual((await readDoc(store, "daily", "2024-03-01")).methods, {
      GET: 80,
      OTHER: 120,
    });
  } finally {
    cleanup();
  }
});

test("requests of an object whose field list lacks a dimension's field are not counted in it", async () => {
  const std = STANDARD_FIELDS.map((f) =>
    f === "date"
      ? "2024-03-01"
      : f === "time"
      ? "10:10:00"
      : f === "sc-status"
      ? "200"
      : f === "x-edge-location"
      ? "LHR62-C5"
      : f === "cs-uri-stem"
      ? "/"
      : f === "sc-bytes"
      ? "5"
      : "-"
  ).join("\t");
  const { ctx, store, cleanup } = queue({
    [KEY]: text(Array.from({ length: 10 }, () => line())),
    "E2EXAMPLE.2024-03-01-10.abcdef12.gz": STANDARD_HEADER + text([std, std, std]),
  });
  try {
    const r = await runPipeline(ctx);
    assert.equal(r.ingest.records, 13);
    const day = await readDoc(store, "daily", "2024-03-01") as unknown as Record<string, unknown>;
    assert.deepEqual(day.countries, { GB: { requests: 10, bytes: 10_000, page_views: 10 } });
  } finally {
    cleanup();
  }
});
