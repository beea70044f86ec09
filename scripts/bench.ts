/**
 * `bench`: lines/s and peak memory of ingest + consolidate, per runtime.
 *
 * Generates (once, cached in .bench/) one gzip real-time log object of N lines in the
 * `all` preset (about 500 bytes a line), then runs ingest + consolidate on it into a
 * fresh filesystem store in a child process per runtime, and prints what each measured.
 * Node runs twice: the code bundled by esbuild (as the Lambda artifact is built) and
 * through tsx with the npm scripts' V8 flag (see {@link NPM_SCRIPT_NODE_FLAGS}).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseAgent } from "../src/core/agents.ts";
import { cleanAgent } from "../src/core/clean.ts";
import { PRESETS } from "../src/core/fields.ts";
import { SYNTHETIC_AGENTS } from "../src/core/synthetic.ts";
import { consolidate } from "../src/pipeline/consolidate.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { ingest } from "../src/pipeline/ingest.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { fail, parseFlags, progress } from "./_cli.ts";
import { NODE_MODULE } from "./_esbuild.mjs";
import { NPM_SCRIPT_NODE_FLAGS } from "./_node-flags.ts";

const flags = parseFlags(
  {
    lines: { type: "string" },
    runs: { type: "string" },
    runtimes: { type: "string" },
    dir: { type: "string" },
    worker: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  `
Usage: bench [--lines 1000000] [--runs 1] [--runtimes node,tsx,deno] [--dir .bench] [--json]

Generates one gzip real-time log object of --lines lines (cached under --dir), then runs
ingest + consolidate on it into a fresh filesystem store, once per runtime, each in its
own process, and prints lines/s (end to end, wall clock) and peak RSS. Runtimes: node
(the code bundled by esbuild, as deployed on Lambda), tsx (Node through the tsx loader, as
the npm scripts run, with their V8 flag) and deno. With --runs N, N rounds run, each runtime once a round;
the median lines/s and the highest peak RSS are reported.`,
);

/** Peak resident set size of this process in MB (Linux VmHWM), else the current RSS. */
function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux */ }
  return process.memoryUsage().rss / 1024 / 1024;
}

interface Measure {
  runtime: string;
  lines: number;
  records: number;
  seconds: number;
  lines_per_second: number;
  peak_rss_mb: number;
  input_mb: number;
  /** Microseconds to describe one distinct user agent. */
  agent_parse_us: number;
}

if (flags.worker) {
  // Child: measure one run.
  const store = mkdtempSync(join(tmpdir(), "cfl-bench-store-"));
  const ctx = makeContext({
    source: localSource(flags.worker),
    store: fsStore(store),
    parse: { format: "realtime", fields: PRESETS.all },
  });
  const t0 = performance.now();
  const i = await ingest(ctx);
  await consolidate(ctx);
  const seconds = (performance.now() - t0) / 1000;
  rmSync(store, { recursive: true, force: true });
  // What one distinct agent costs to describe (ua-parser-js and isbot, uncached): the
  // price a window pays once per agent it has not seen, before the cache answers.
  const agents = SYNTHETIC_AGENTS.map((a) => cleanAgent(a));
  const a0 = performance.now();
  let parsed = 0;
  while (performance.now() - a0 < 500) {
    for (const a of agents) parseAgent(a);
    parsed += agents.length;
  }
  const agentMicros = ((performance.now() - a0) * 1000) / parsed;
  const lines = i.records + i.malformed;
  const m: Measure = {
    runtime: process.versions.deno
      ? `deno ${process.versions.deno}`
      : `node ${process.version}${import.meta.url.endsWith(".ts") ? " (tsx)" : ""}`,
    lines,
    records: i.records,
    seconds: Math.round(seconds * 1000) / 1000,
    lines_per_second: Math.round(lines / seconds),
    peak_rss_mb: Math.round(peakRssMb()),
    input_mb: 0,
    agent_parse_us: Math.round(agentMicros * 10) / 10,
  };
  console.log(JSON.stringify(m));
} else {
  const lines = Number(flags.lines ?? 1_000_000);
  if (!Number.isInteger(lines) || lines <= 0) fail("--lines must be a positive integer", 2);
  const dir = join(flags.dir ?? ".bench", `logs-${lines}`);
  if (!existsSync(dir)) {
    progress(`generating ${lines} lines into ${dir} (once) ...`);
    await generateLogs({
      dir,
      lines,
      days: 1 / 48 * 0.9, // one object inside one 30-minute window, as one Firehose file
      start: Date.parse("2024-03-01T10:00:00Z"),
      objects: 1,
      seed: 42,
      onProgress: (n, total) => n === total && progress(`generated ${n} lines`),
    });
  }
  const files: string[] = [];
  for await (const o of localSource(dir).list()) files.push(join(dir, o.key));
  const inputMb = files.reduce((n, f) => n + statSync(f).size, 0) / 1024 / 1024;
  const root = fileURLToPath(new URL("..", import.meta.url));
  const node = process.execPath.includes("deno") ? "node" : process.execPath;
  const bundle = join(flags.dir ?? ".bench", "bench-worker.mjs");
  const { build } = await import("esbuild");
  await build({
    ...NODE_MODULE,
    entryPoints: [`${root}scripts/bench.ts`],
    outfile: bundle,
    external: ["esbuild"],
  });
  const commands: Record<string, [string, string[]]> = {
    node: [node, [bundle]],
    // As the npm scripts run it (package.json): the V8 flag is theirs too.
    tsx: [node, [...NPM_SCRIPT_NODE_FLAGS, "--import", "tsx", `${root}scripts/bench.ts`]],
    deno: [join(root, "node_modules/.bin/deno"), [
      "run",
      "-A",
      "--no-check",
      `${root}scripts/bench.ts`,
    ]],
  };
  const runs = Number(flags.runs ?? 1);
  if (!Number.isInteger(runs) || runs <= 0) fail("--runs must be a positive integer", 2);
  const runOnce = (rt: string, c: [string, string[]]) =>
    new Promise<Measure>((resolve, reject) => {
      const child = spawn(c[0], [...c[1], "--worker", dir], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("error", reject);
      child.on("close", (code) => {
        if (code === 0) resolve(JSON.parse(out.trim().split("\n").at(-1)!));
        else reject(new Error(`${rt} worker exited ${code}`));
      });
    });
  const runtimes = (flags.runtimes ?? "node,tsx,deno").split(",");
  for (const rt of runtimes) {
    if (!commands[rt]) fail(`unknown runtime "${rt}" (node, tsx, deno)`, 2);
  }
  // Round by round, each runtime once a round: a machine whose speed drifts (a shared VM
  // does, by ±20% here) then slows or speeds every runtime alike.
  const each = new Map<string, Measure[]>(runtimes.map((rt) => [rt, []]));
  for (let r = 1; r <= runs; r++) {
    for (const rt of runtimes) {
      progress(`running ${rt} (${r}/${runs}) ...`);
      each.get(rt)!.push(await runOnce(rt, commands[rt]));
    }
  }
  const results: Measure[] = runtimes.map((rt) => {
    const m = each.get(rt)!.sort((a, b) => a.lines_per_second - b.lines_per_second);
    return {
      ...m[Math.floor((m.length - 1) / 2)],
      peak_rss_mb: Math.max(...m.map((x) => x.peak_rss_mb)),
      input_mb: Math.round(inputMb * 10) / 10,
    };
  });
  if (flags.json) console.log(JSON.stringify(results, null, 2));
  else {
    console.log(
      `ingest + consolidate, ${lines} lines, ${inputMb.toFixed(1)} MB gzip, one object, ` +
        `median of ${runs} run(s):`,
    );
    for (const r of results) {
      console.log(
        `  ${r.runtime.padEnd(20)} ${String(r.lines_per_second).padStart(9)} lines/s  ` +
          `${r.seconds.toFixed(2)} s  peak RSS ${r.peak_rss_mb} MB  ` +
          `${r.agent_parse_us} µs per distinct agent`,
      );
    }
  }
}
