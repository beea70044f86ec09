/**
 * `start`: the main job on the embedded default. Generates two days of demo logs (once),
 * runs the whole pipeline into a local filesystem store, prints a summary, then serves the
 * API and the dashboard over it with a local key. No AWS.
 */
import { existsSync } from "node:fs";
import process from "node:process";
import { createApp } from "../src/api/app.ts";
import { apiKeysFrom } from "../src/runtime/config.ts";
import { listen } from "../src/runtime/listen.ts";
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
import { configured, fail, parseFlags, progress } from "./_cli.ts";

const flags = parseFlags(
  {
    dir: { type: "string" },
    port: { type: "string" },
    "no-serve": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  `
Usage: start [--dir .demo] [--port 8787] [--no-serve]

Generates 100,000 lines of demo real-time logs over two days (2024-03-01 and 02) into
<dir>/logs if none are there, runs ingest → consolidate → aggregate into the filesystem
store <dir>/store, and prints the daily figures. Safe to run again.

Then serves the API and the dashboard on http://127.0.0.1:<port>/ until interrupted,
with the key in CLOUDFRONT_LETS_API_KEY or, when none is set, a key made for this run
(printed). --no-serve stops after the figures.`,
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
  const top = (name: string) =>
    (d[name] as Array<{ name?: string; path?: string }> | null)?.[0] ?? {};
  console.log(
    `  ${d.page_views} page views, ${d.entries} entries, ${d.bots} bot requests; ` +
      `top page ${top("top_pages").path ?? "-"}, referrer ${
        top("referrer_domains").name ?? "-"
      }, ` +
      `browser ${top("browsers").name ?? "-"}`,
  );
}
console.log(`aggregates: ${dir}/store/sa/cloudfront/aggregate/{30min,hourly,daily,monthly}/`);

if (!flags["no-serve"]) {
  const port = Number(flags.port ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number`, 2);
  let keys = configured(() => apiKeysFrom(process.env)).map((k) => k.key);
  if (keys.length === 0) {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    keys = [btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")];
  }
  const app = createApp({ store, source: localSource(logs), apiKeys: keys, log: progress });
  let server;
  try {
    server = await listen(app, "127.0.0.1", port);
  } catch (e) {
    fail(`cannot listen on 127.0.0.1:${port} (${(e as Error).message}); try --port 0`);
  }
  console.log(`\ndashboard: ${server.url}/`);
  console.log(`API key:   ${keys[0]}`);
  console.log(`try:       curl -H 'x-api-key: ${keys[0]}' '${server.url}/api/sa/traffic/summary'`);
  console.log("serving until interrupted (Ctrl-C)");
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => server.close().finally(() => process.exit(0)));
  }
}
