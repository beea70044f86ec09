/**
 * `loadtest`: requests/s and latency of `traffic/summary` over a month of aggregates, final
 * and partial.
 *
 * Builds (once, cached under --dir) synthetic logs of a month and of half a month and runs
 * the pipeline on each into a filesystem store, starts `serve` on 127.0.0.1 as a child process (its own
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

Generates synthetic logs of March 2024 once and runs the pipeline on them into two
filesystem stores under --dir: the whole month, every period final; and the month up to
the 16th at 12:10, run with the clock there (past days final, the day and its newest
windows open), as a dashboard on the current month sees it. Serves each store on
127.0.0.1 with the chosen runtime and loads GET /api/sa/traffic/summary with autocannon
for --duration seconds per query: the month as 31 daily aggregates, as one monthly
aggregate, one day as 48 windows; the partial month as days, and its last 24 hours.
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
const dir = join(flags.dir ?? ".bench", `loadtest-${lines}`);
const root = fileURLToPath(new URL("..", import.meta.url));
const KEY = "loadtest-key-0123456789abcdef";

/** The month ends at midnight; the partial month is cut mid-day, as a dashboard sees it. */
const MONTH = Date.parse("2024-03-01T00:00:00Z");
const CUT = Date.parse("2024-03-16T12:10:00Z");

/** Builds (once) a store of `days` of March 2024, run with the clock at `now`. */
async function buildStore(name: string, days: number, now: number): Promise<string> {
  const at = join(dir, name);
  if (existsSync(join(at, "store"))) return join(at, "store");
  const share = Math.round((lines * days) / 31);
  progress(`generating ${share} lines over ${days} days of March 2024 into ${at} (once) ...`);
  await generateLogs({
    dir: join(at, "logs"),
    lines: share,
    days,
    start: MONTH,
    objects: Math.round(days * 24),
    seed: 11,
  });
  progress("running the pipeline ...");
  await runPipeline(makeContext({
    source: localSource(join(at, "logs")),
    store: fsStore(join(at, "store.tmp")),
    parse: { format: "realtime", fields: PRESETS.all },
    now,
  }));
  const { rename } = await import("node:fs/promises");
  await rename(join(at, "store.tmp"), join(at, "store"));
  return join(at, "store");
}

function serve(store: string): Promise<{ child: ChildProcess; url: string }> {
  const script = join(root, "scripts/serve.ts");
  const args = ["--store", store, "--port", "0", "--json"];
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

/** Each store and the ranges loaded on it. */
const SCENARIOS = [
  {
    store: await buildStore("month", 31, Date.parse("2024-04-02T00:00:00Z")),
    queries: {
      "month as 31 daily aggregates": "period=daily&from=2024-03-01&to=2024-04-01",
      "month as 1 monthly aggregate": "period=monthly&from=2024-03-01&to=2024-04-01",
      "one day as 48 windows": "period=30min&from=2024-03-15&to=2024-03-16",
    },
  },
  {
    // The dashboard on the current month: past days final, today open, its newest windows
    // still taking objects.
    store: await buildStore("partial-month", (CUT - MONTH) / 86_400_000, CUT),
    queries: {
      "partial month as days": "period=daily&from=2024-03-01&to=2024-03-17",
      "partial month's last 24 h":
        "period=hourly&from=2024-03-15T13:00:00Z&to=2024-03-16T13:00:00Z",
    },
  },
];

const results = [];
for (const { store, queries } of SCENARIOS) {
  const { child, url } = await serve(store);
  try {
    for (const [name, query] of Object.entries(queries)) {
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
        finality: body.finality.status,
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
}
if (flags.json) console.log(JSON.stringify({ runtime, connections, duration, results }, null, 2));
else {
  console.log(
    `GET /api/sa/traffic/summary, ${runtime} server, ${connections} connections, ${duration} s each:`,
  );
  for (const r of results) {
    console.log(
      `  ${r.query.padEnd(30)} ${r.finality.padEnd(7)} ${
        String(r.requests_per_second).padStart(6)
      } req/s  ` +
        `p50 ${r.latency_ms.p50} ms  p99 ${r.latency_ms.p99} ms  max ${r.latency_ms.max} ms  ` +
        `(${r.non_2xx} non-2xx, ${r.errors} errors)`,
    );
  }
}
if (results.some((r) => r.non_2xx > 0 || r.errors > 0)) fail("some requests failed");
