/**
 * The Parquet export (DESIGN §8) read back by another engine (DuckDB): each day's rows add
 * up to its daily data.json; re-exporting replaces a day; a killed export leaves only
 * whole files; the export runs on the S3-protocol server too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { EXPORT_COLUMNS } from "../src/core/export-columns.ts";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { exportRecords } from "../src/pipeline/export.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { openStore } from "../src/store/open.ts";
import type { Store } from "../src/store/store.ts";
import { duckRows, recordsOf } from "./_duckdb.ts";
import { readDoc, readTree, startS3, tempDir } from "./_helpers.ts";
import { runAndKill, runScript } from "./_run-script.ts";

const START = Date.parse("2024-03-01T00:00:00Z");
const NOW = Date.parse("2024-03-05T00:00:00Z");
const DAYS = ["2024-03-01", "2024-03-02"];

/** A store with two days of generated logs (every dimension has data), run through. */
async function pipelineStore(store: Store, lines = 8000, objects = 16) {
  const q = tempDir("exp-q");
  try {
    await generateLogs({ dir: q.dir, lines, days: 2, start: START, objects, seed: 11 });
    await runPipeline(makeContext({
      source: localSource(q.dir),
      store,
      now: NOW,
      parse: { format: "realtime", fields: PRESETS.all },
    }));
  } finally {
    q.cleanup();
  }
}

/** The figures of each exported day that its daily data.json also has, as DuckDB counts them. */
async function dayFigures(dir: string) {
  const rows = await duckRows(`
    SELECT dt, count(*) AS requests, sum(bytes) AS bytes, sum(bytes_in) AS bytes_in,
      count(*) FILTER (WHERE is_page_view) AS page_views,
      count(*) FILTER (WHERE is_entry) AS entries, count(*) FILTER (WHERE is_bot) AS bots,
      sum(bytes) FILTER (WHERE result_type = 'Miss') AS bytes_from_misses
    FROM ${recordsOf(dir)} GROUP BY dt ORDER BY dt`);
  const map = async (sql: string) => {
    const out: Record<string, Record<string, number>> = {};
    for (const r of await duckRows(sql)) {
      (out[r.dt as string] ??= {})[r.k as string] = Number(r.n);
    }
    return out;
  };
  const by = (column: string, where = "true") =>
    map(`SELECT dt, ${column} AS k, count(*) AS n FROM ${recordsOf(dir)} WHERE ${where}
      GROUP BY ALL`);
  return {
    totals: rows.map((r) => ({
      dt: r.dt,
      requests: Number(r.requests),
      bytes: Number(r.bytes),
      bytes_in: Number(r.bytes_in),
      page_views: Number(r.page_views),
      entries: Number(r.entries),
      bots: Number(r.bots),
      bytes_from_misses: Number(r.bytes_from_misses),
    })),
    status: await by("lpad(status::varchar, 3, '0')"),
    channels: await by("channel", "is_entry"),
    countries: await by("coalesce(country, '-')"),
    devices: await by("device"),
    edges: await by("edge_location"),
  };
}

/** What each daily data.json says of the same figures. */
async function storedFigures(store: Store) {
  type Counts = Record<string, number | { requests: number }>;
  type Daily = Record<"requests" | "bytes" | "bytes_in" | "page_views" | "entries", number> & {
    bots: number;
    bytes_from_misses: number;
    status_codes: Record<string, number>;
    edge_locations: Record<string, number>;
    channels: Record<string, number>;
    countries: Counts;
    devices: Counts;
  };
  const docs = await Promise.all(
    DAYS.map(async (d) => (await readDoc(store, "daily", d)) as unknown as Daily),
  );
  const counts = (m: Counts) =>
    Object.fromEntries(
      Object.entries(m).map((
        [k, v],
      ) => [k, typeof v === "number" ? v : (v as { requests: number }).requests]),
    );
  return {
    totals: docs.map((d, i) => ({
      dt: DAYS[i],
      requests: d.requests,
      bytes: d.bytes,
      bytes_in: d.bytes_in,
      page_views: d.page_views,
      entries: d.entries,
      bots: d.bots,
      bytes_from_misses: d.bytes_from_misses,
    })),
    status: Object.fromEntries(docs.map((d, i) => [DAYS[i], d.status_codes])),
    channels: Object.fromEntries(docs.map((d, i) => [DAYS[i], d.channels])),
    countries: Object.fromEntries(docs.map((d, i) => [DAYS[i], counts(d.countries)])),
    devices: Object.fromEntries(docs.map((d, i) => [DAYS[i], counts(d.devices)])),
    edges: Object.fromEntries(docs.map((d, i) => [DAYS[i], d.edge_locations])),
  };
}

/** Every exported file under `dir`, relative, sorted. */
function exportedFiles(dir: string): string[] {
  const out: string[] = [];
  for (const day of readdirSync(join(dir, "records")).sort()) {
    for (const f of readdirSync(join(dir, "records", day)).sort()) out.push(`${day}/${f}`);
  }
  return out;
}

test("export: each day's rows in DuckDB add up to its daily data.json, column by column", async () => {
  const s = tempDir("exp-store");
  const o = tempDir("exp-out");
  try {
    const store = fsStore(s.dir);
    await pipelineStore(store);
    const r = await exportRecords({ store, log: () => {} }, fsStore(o.dir));
    assert.deepEqual(r.failures, []);
    assert.equal(r.days, 2);
    assert.equal(r.windows, 96);
    assert.equal(r.records, 8000);
    const want = await storedFigures(store);
    assert.ok(want.totals.every((t) => t.page_views > 0 && t.entries > 0 && t.bots > 0));
    assert.deepEqual(await dayFigures(o.dir), want);

    // The schema is the column table's, with a UTC timestamp and numbers as numbers.
    const schema = await duckRows(`DESCRIBE SELECT * FROM ${recordsOf(o.dir)}`);
    assert.deepEqual(schema.map((c) => c.column_name), [
      ...EXPORT_COLUMNS.map((c) => c.name),
      "dt",
    ]);
    const type = (name: string) => schema.find((c) => c.column_name === name)!.column_type;
    assert.equal(type("timestamp"), "TIMESTAMP WITH TIME ZONE");
    assert.equal(type("status"), "INTEGER");
    assert.equal(type("bytes"), "BIGINT");
    assert.equal(type("is_entry"), "BOOLEAN");
    // Every record's time lies in its partition's day, and in the file of its window.
    const misplaced = await duckRows(`
      SELECT count(*) AS n FROM read_parquet('${o.dir}/records/*/*.parquet',
        hive_partitioning = true, filename = true)
      WHERE strftime("timestamp" AT TIME ZONE 'UTC', '%Y-%m-%d') <> dt
        OR strftime("timestamp" AT TIME ZONE 'UTC', '%H') || lpad((30 * (minute("timestamp" AT TIME ZONE 'UTC') // 30))::varchar, 2, '0')
          <> regexp_extract(filename, 'part-(\\d{4})-', 1)`);
    assert.equal(Number(misplaced[0].n), 0);

    const sql = new TextDecoder().decode((await fsStore(o.dir).get("athena.sql"))!);
    for (const c of EXPORT_COLUMNS) assert.match(sql, new RegExp(`\`${c.name}\` ${c.type} `));
    assert.match(sql, /'projection\.dt\.range' = '2024-03-01,NOW'/);
    assert.match(sql, /LOCATION 's3:\/\/YOUR-BUCKET\/YOUR-PREFIX\/records\/'/);
  } finally {
    s.cleanup();
    o.cleanup();
  }
});

test("export: re-exporting replaces a day; a window that fails keeps its earlier files", async () => {
  const s = tempDir("exp-store");
  const o = tempDir("exp-out");
  try {
    const store = fsStore(s.dir);
    await pipelineStore(store, 3000, 192); // a window gets parts of two or three objects
    const out = fsStore(o.dir);
    const ctx = { store, log: () => {} };
    await exportRecords(ctx, out);
    const first = exportedFiles(o.dir);
    // A file no window writes (an older export's) goes when its day is exported again.
    const stale = join(o.dir, "records/dt=2024-03-01/part-9999-000.parquet");
    writeFileSync(stale, "old");
    const again = await exportRecords(ctx, out, { from: Date.parse("2024-03-01") });
    assert.equal(again.removed, 1);
    assert.deepEqual(exportedFiles(o.dir), first);
    const want = await storedFigures(store);
    assert.deepEqual((await dayFigures(o.dir)).totals, want.totals);

    // Small files and row groups: a window splits into several files, each of row groups of
    // parts gathered up to the limit; a later export of fewer files removes the rest.
    const small = await exportRecords(ctx, out, { rows: { file: 10, group: 4 } });
    assert.ok(small.files > small.windows, `${small.files} files of ${small.windows} windows`);
    assert.deepEqual((await dayFigures(o.dir)).totals, want.totals);
    const groups = await duckRows(`
      SELECT max(row_group_num_rows) AS most, count(DISTINCT file_name) AS files
      FROM parquet_metadata('${o.dir}/records/*/*.parquet')`);
    // A part is never split: a group holds whole parts up to the limit, or one larger part.
    const largest = Math.max(
      ...readTree(join(s.dir, "sa/cloudfront/raw")).map(([, b]) =>
        JSON.parse(new TextDecoder().decode(b)).count
      ),
    );
    assert.ok(Number(groups[0].most) <= Math.max(4, largest), `row groups of ${groups[0].most}`);
    assert.equal(Number(groups[0].files), small.files);
    const back = await exportRecords(ctx, out);
    assert.equal(back.removed, small.files - first.length);
    assert.deepEqual(exportedFiles(o.dir), first);

    // A window whose raw part is gone fails; its files stay, the others are rewritten.
    const raw = join(s.dir, "sa/cloudfront/raw/2024-03-02/10-00");
    unlinkSync(join(raw, readdirSync(raw)[0]));
    const broken = await exportRecords(ctx, out, { from: Date.parse("2024-03-02") });
    assert.equal(broken.failures.length, 1);
    assert.equal(broken.failures[0].window, "2024-03-02T10:00:00.000Z");
    assert.match(broken.failures[0].error, /raw parts/);
    assert.deepEqual(exportedFiles(o.dir), first);
    assert.deepEqual((await dayFigures(o.dir)).totals, want.totals);

    // A part more (or fewer) than the source's ledger says fails its window too: the
    // export would not add up to what the summary was made of.
    const other = join(s.dir, "sa/cloudfront/raw/2024-03-01/10-00");
    const part = readdirSync(other)[0];
    copyFileSync(join(other, part), join(other, part.replace(/-0000\.json$/, "-0001.json")));
    const extra = await exportRecords(ctx, out, { from: Date.parse("2024-03-01") });
    assert.deepEqual(extra.failures.map((f) => f.window), [
      "2024-03-01T10:00:00.000Z",
      "2024-03-02T10:00:00.000Z",
    ]);
    assert.match(extra.failures[0].error, /found 2, ledger says 1/);
    assert.deepEqual(exportedFiles(o.dir), first);
    // One source's part copied over another's: the names and counts fit, the content not.
    unlinkSync(join(other, part.replace(/-0000\.json$/, "-0001.json")));
    const [a, b] = readdirSync(other);
    copyFileSync(join(other, b), join(other, a));
    const swapped = await exportRecords(ctx, out, { from: Date.parse("2024-03-01") });
    assert.equal(swapped.failures[0].window, "2024-03-01T10:00:00.000Z");
    assert.match(swapped.failures[0].error, /holds part 0 of [0-9a-f]+ for /);
  } finally {
    s.cleanup();
    o.cleanup();
  }
});

test("export: a killed export leaves only whole files, and the next run completes it", async () => {
  const s = tempDir("exp-store");
  const o = tempDir("exp-out");
  try {
    const store = fsStore(s.dir);
    await pipelineStore(store, 3000);
    const args = ["--store", s.dir, "--out", o.dir];
    const killed = await runAndKill("export", args, /export: 1\/96 windows/);
    assert.ok(killed, "the export was killed before it finished");
    const files = exportedFiles(o.dir).filter((f) => f.endsWith(".parquet"));
    assert.ok(files.length > 0 && files.length < 96, `${files.length} files after the kill`);
    // Every file there is whole: DuckDB reads each one.
    await duckRows(`SELECT count(*) FROM ${recordsOf(o.dir)}`);
    const done = await runScript("export", [...args, "--json"]);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(JSON.parse(done.stdout).records, 3000);
    assert.deepEqual((await dayFigures(o.dir)).totals, (await storedFigures(store)).totals);
  } finally {
    s.cleanup();
    o.cleanup();
  }
});

test("export: from an S3 store to S3, with the Athena table at its location", async () => {
  const s3 = await startS3(["exp-store", "exp-out"]);
  const o = tempDir("exp-down");
  try {
    const store = openStore("s3://exp-store/data", s3.endpoint);
    await pipelineStore(store, 2000, 2);
    const r = await runScript("export", [
      "--store",
      "s3://exp-store/data",
      "--out",
      "s3://exp-out/lake/",
      "--s3-endpoint",
      s3.endpoint,
      "--to",
      "2024-03-01",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).days, 1);
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: "exp-out", Prefix: "lake/" }),
    );
    const keys = (listed.Contents ?? []).map((c) => c.Key!);
    assert.ok(keys.includes("lake/athena.sql"));
    assert.ok(
      keys.every((k) => k === "lake/athena.sql" || k.startsWith("lake/records/dt=2024-03-01/")),
    );
    for (const key of keys) {
      const got = await s3.client.send(new GetObjectCommand({ Bucket: "exp-out", Key: key }));
      const file = join(o.dir, key.slice("lake/".length));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, await got.Body!.transformToByteArray());
    }
    const sql = new TextDecoder().decode((await fsStore(o.dir).get("athena.sql"))!);
    assert.match(sql, /LOCATION 's3:\/\/exp-out\/lake\/records\/'/);
    assert.match(
      sql,
      /'storage\.location\.template' = 's3:\/\/exp-out\/lake\/records\/dt=\$\{dt\}\/'/,
    );
    const day = (await dayFigures(o.dir)).totals;
    assert.deepEqual(day, (await storedFigures(store)).totals.slice(0, 1));
  } finally {
    await s3.stop();
    o.cleanup();
  }
});
