/**
 * `start`: the main job on the embedded default. Generates two days of demo logs (once),
 * runs the whole pipeline into a local filesystem store and prints a summary. No AWS.
 */
import { existsSync } from "node:fs";
import * as v from "valibot";
import { aggregateKey, metaKey } from "../src/core/keys.ts";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { getJson } from "../src/store/store.ts";
import { MetaSchema } from "../src/core/finality.ts";
import { parseFlags, progress } from "./_cli.ts";

const flags = parseFlags(
  { dir: { type: "string" }, help: { type: "boolean", short: "h" } },
  `
Usage: start [--dir .demo]

Generates 100,000 lines of demo real-time logs over two days (2024-03-01 and 02) into
<dir>/logs if none are there, runs ingest → consolidate → aggregate into the filesystem
store <dir>/store, and prints the daily figures. Safe to run again.`,
);
const dir = flags.dir ?? ".demo";
const logs = `${dir}/logs`;
const start = Date.parse("2024-03-01T00:00:00Z");
if (!existsSync(logs)) {
  progress(`generating demo logs in ${logs} ...`);
  await generateLogs({ dir: logs, lines: 100_000, days: 2, start, seed: 7 });
}
const store = fsStore(`${dir}/store`);
const ctx = makeContext({
  source: localSource(logs),
  store,
  parse: { format: "realtime", fields: PRESETS.all },
  now: Date.parse("2024-03-03T01:00:00Z"),
  log: progress,
});
const r = await runPipeline(ctx);
console.log(
  `ingested ${r.ingest.objects_ingested} new objects (${r.ingest.records} records); store: ${dir}/store`,
);
for (const day of ["2024-03-01", "2024-03-02"]) {
  const d = await getJson(store, aggregateKey("daily", day)) as Record<string, unknown> | undefined;
  const meta = v.parse(MetaSchema, await getJson(store, metaKey("daily", day)));
  if (!d) continue;
  const tt = d.time_taken_ms as { p95: number } | null;
  console.log(
    `${day} [${meta.status}]: ${d.requests} requests, ${d.bytes} bytes, cache hit ratio ${d.cache_hit_ratio}, ` +
      `4xx ${d.errors_4xx}, 5xx ${d.errors_5xx}, p95 ${
        tt?.p95 ?? "-"
      } ms, ~${d.unique_paths} unique paths`,
  );
}
console.log(`aggregates: ${dir}/store/sa/cloudfront/aggregate/{30min,hourly,daily,monthly}/`);
