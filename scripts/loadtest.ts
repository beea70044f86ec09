/**
 * `loadtest`: requests/s and latency of `traffic/summary` over a month of aggregates.
 *
 * Builds (once, cached under --dir) a month of synthetic logs and runs the pipeline on it
 * into a filesystem store, starts `serve` on 127.0.0.1 as a child process (its own
 * runtime, its own core), then loads it with autocannon for a bounded time per query.
 * Traffic goes to 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { fail, parseFlags, progress } from "./_cli.ts";

const flags = parseFlags(
  {
    lines: { type: "string" },
    connections: { type: "string" },
    duration: { type: "string" },
    runtime: { type: "string" },
    dir: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  `
Usage: loadtest [--lines 620000] [--connections 10] [--duration 10] [--runtime node|deno]
                [--dir .bench] [--json]

Generates a month (March 2024) of synthetic logs once, runs the pipeline on them into a
filesystem store under --dir, serves the store on 127.0.0.1 with the chosen runtime, and
loads GET /api/sa/traffic/summary with autocannon for --duration seconds per query (the
month as 31 daily aggregates, as one monthly aggregate, and one day as 48 windows).
Prints requests/s and latency percentiles per query.`,
);

const int = (value: string | undefined, fallback: number, flag: string) => {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n <= 0) fail(`--${flag} must be a positive integer`, 2);
  return n;
};
const lines = int(flags.lines, 620_000, "lines");
const connections = int(flags.connections, 10, "connections");
const duration = int(flags.duration, 10, "duration");
const runtime = flags.runtime ?? "node";
if (runtime !== "node" && runtime !== "deno") fail(`--runtime must be node or deno`, 2);
const dir = join(flags.dir ?? ".bench", `month-${lines}`);
const root = fileURLToPath(new URL("..", import.meta.url));
const KEY = "loadtest-key-0123456789abcdef";

if (!existsSync(join(dir, "store"))) {
  progress(`generating ${lines} lines over March 2024 into ${dir} (once) ...`);
  await generateLogs({
    dir: join(dir, "logs"),
    lines,
    days: 31,
    start: Date.parse("2024-03-01T00:00:00Z"),
    objects: 31 * 24,
    seed: 11,
  });
  progress("running the pipeline ...");
  await runPipeline(makeContext({
    source: localSource(join(dir, "logs")),
    store: fsStore(join(dir, "store.tmp")),
    parse: { format: "realtime", fields: PRESETS.all },
    now: Date.parse("2024-04-02T00:00:00Z"),
  }));
  const { rename } = await import("node:fs/promises");
  await rename(join(dir, "store.tmp"), join(dir, "store"));
}

function serve(): Promise<{ child: ChildProcess; url: string }> {
  const script = join(root, "scripts/serve.ts");
  const args = ["--store", join(dir, "store"), "--port", "0", "--json"];
  const [cmd, argv] = runtime === "deno"
    ? [join(root, "node_modules/.bin/deno"), ["run", "-A", "--no-check", script, ...args]]
    : [process.execPath.includes("deno") ? "node" : process.execPath, [
      "--import",
      "tsx",
      script,
      ...args,
    ]];
  const child = spawn(cmd, argv, {
    cwd: root,
    env: { ...process.env, CLOUDFRONT_LETS_API_KEY: KEY },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.on("close", (code) => reject(new Error(`serve exited ${code}`)));
  });
}

const QUERIES = {
  "month as 31 daily aggregates": "period=daily&from=2024-03-01&to=2024-04-01",
  "month as 1 monthly aggregate": "period=monthly&from=2024-03-01&to=2024-04-01",
  "one day as 48 windows": "period=30min&from=2024-03-15&to=2024-03-16",
};

const { child, url } = await serve();
const results = [];
try {
  for (const [name, query] of Object.entries(QUERIES)) {
    const target = `${url}/api/sa/traffic/summary?${query}`;
    const check = await fetch(target, { headers: { "x-api-key": KEY } });
    const body = await check.json();
    if (check.status !== 200) fail(`${name}: HTTP ${check.status} ${JSON.stringify(body)}`);
    progress(`${name}: ${body.summary.requests} requests, ${body.finality.status}; loading ...`);
    const r = await autocannon({
      url: target,
      headers: { "x-api-key": KEY },
      connections,
      duration,
    });
    results.push({
      query: name,
      requests_per_second: Math.round(r.requests.average),
      latency_ms: {
        p50: r.latency.p50,
        p90: r.latency.p90,
        p99: r.latency.p99,
        max: r.latency.max,
      },
      requests: r.requests.total,
      non_2xx: r.non2xx,
      errors: r.errors + r.timeouts,
    });
  }
} finally {
  child.kill("SIGTERM");
}
if (flags.json) console.log(JSON.stringify({ runtime, connections, duration, results }, null, 2));
else {
  console.log(
    `GET /api/sa/traffic/summary, ${runtime} server, ${connections} connections, ${duration} s each:`,
  );
  for (const r of results) {
    console.log(
      `  ${r.query.padEnd(30)} ${String(r.requests_per_second).padStart(6)} req/s  ` +
        `p50 ${r.latency_ms.p50} ms  p99 ${r.latency_ms.p99} ms  max ${r.latency_ms.max} ms  ` +
        `(${r.non_2xx} non-2xx, ${r.errors} errors)`,
    );
  }
}
if (results.some((r) => r.non_2xx > 0 || r.errors > 0)) fail("some requests failed");
