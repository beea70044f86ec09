/**
 * DESIGN §6 end to end: run the whole pipeline on input that carries client addresses in
 * c-ip, s-ip and x-forwarded-for (IPv4 and IPv6) and in referers and query strings, then
 * scan every byte written to the store. Version strings like Chrome/120.0.0.0 survive.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "fflate";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { exportRecords } from "../src/pipeline/export.ts";
import { duckRows, recordsOf } from "./_duckdb.ts";
import { findAddresses, readTree, tempDir } from "./_helpers.ts";

/** The addresses that occur in the input's address columns, to look for literally. */
function inputAddresses(dir: string): Set<string> {
  const out = new Set<string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = `${d}/${name}`;
      if (statSync(p).isDirectory()) walk(p);
      else {
        let bytes = new Uint8Array(readFileSync(p));
        try {
          bytes = gunzipSync(bytes);
        } catch { /* plain text, or the truncated fixture */ }
        for (const line of new TextDecoder().decode(bytes).split("\n")) {
          const cols = line.split("\t");
          if (cols.length < 23) continue;
          for (const v of [cols[1], cols[2], ...decodeURIComponent(cols[22]).split(/,\s*/)]) {
            if (v && v !== "-") out.add(v);
          }
        }
      }
    }
  };
  walk(dir);
  return out;
}

test("no address is written anywhere, nor exported; Chrome/120.0.0.0 is kept", async () => {
  const q = tempDir("priv-q");
  const s = tempDir("priv-store");
  const o = tempDir("priv-export");
  try {
    cpSync(fileURLToPath(new URL("../fixtures/queue", import.meta.url)), q.dir, {
      recursive: true,
    });
    await generateLogs({
      dir: `${q.dir}/gen`,
      lines: 3000,
      days: 1,
      start: Date.parse("2024-03-01T00:00:00Z"),
      seed: 5,
    });
    const known = [...inputAddresses(q.dir)];
    assert.ok(known.some((k) => k.includes(":")), "the input has IPv6 clients");
    assert.ok(known.some((k) => /^\d+\.\d+\.\d+\.\d+$/.test(k)), "the input has IPv4 clients");
    assert.ok(known.length > 100, `only ${known.length} addresses in the input`);

    const ctx = makeContext({
      source: localSource(q.dir),
      store: fsStore(s.dir),
      now: Date.parse("2024-03-03T00:00:00Z"),
      parse: { format: "realtime", fields: PRESETS.all },
    });
    const r = await runPipeline(ctx);
    assert.ok(r.ingest.records > 3000);

    const files = readTree(s.dir);
    assert.ok(files.length > 50);
    let agentsSeen = false;
    for (const [path, bytes] of files) {
      const text = new TextDecoder().decode(bytes);
      assert.deepEqual(findAddresses(path + "\n" + text, known), [], `address in ${path}`);
      if (text.includes("Chrome/120.0.0.0 Safari/537.36")) agentsSeen = true;
    }
    assert.ok(agentsSeen, "the Chrome/120.0.0.0 user agent is stored intact");
    // The redacted referer of the fixture is still there, without its addresses.
    assert.ok(
      files.some(([, b]) => new TextDecoder().decode(b).includes("https://[ip]/from?ip=[ip]")),
    );

    // The Parquet export, as another engine decodes it: every value, and what the files
    // say of their values (statistics, metadata). Its bytes are snappy-compressed, where
    // any hex and colons can occur by chance: scanning them would test nothing.
    const exported = await exportRecords({ store: ctx.store, log: () => {} }, fsStore(o.dir));
    assert.equal(exported.records, r.ingest.records);
    const sql = new TextDecoder().decode(readFileSync(`${o.dir}/athena.sql`));
    assert.deepEqual(findAddresses(sql, known), [], "address in athena.sql");
    const values = await duckRows(`SELECT to_json(t)::varchar AS v FROM ${recordsOf(o.dir)} t`);
    assert.equal(values.length, r.ingest.records);
    const parquet = `'${o.dir}/records/*/*.parquet'`;
    const described = await duckRows(`
      SELECT to_json(m)::varchar AS v FROM parquet_metadata(${parquet}) m
      UNION ALL SELECT to_json(k)::varchar FROM parquet_kv_metadata(${parquet}) k`);
    assert.ok(described.length > 0);
    const decoded = [...values, ...described].map((x) => x.v).join("\n");
    assert.deepEqual(findAddresses(decoded, known), [], "address in the exported values");
    assert.ok(decoded.includes('"referrer_domain":"'), "the export has referrer domains");

    // The scanner itself finds what it should (a check that cannot fail is no check).
    assert.deepEqual(findAddresses("x 198.51.100.23 y"), ["198.51.100.23"]);
    assert.deepEqual(findAddresses("a 2001:db8::2 b"), ["2001:db8::2"]);
    assert.deepEqual(findAddresses("Chrome/120.0.0.0"), []);
  } finally {
    q.cleanup();
    s.cleanup();
    o.cleanup();
  }
});
