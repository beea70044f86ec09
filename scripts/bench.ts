/**
 * `bench`: lines/s and peak memory per runtime, in the two cases users live in.
 *
 * One big object (the default): one gzip real-time log object of N lines in the `all`
 * preset (about 570 bytes a line), ingest + consolidate. Many small objects
 * (`--objects K`): K objects over `--days` days, as Firehose delivers them, the whole
 * pipeline (ingest, consolidate, aggregate). The logs are generated once and cached in
 * .bench/; each run writes a fresh filesystem store, in a child process per runtime. Node
 * runs twice: the code bundled by esbuild (as the Lambda artifact and the command are
 * built) and through tsx with the npm scripts' V8 flag (see {@link NPM_SCRIPT_NODE_FLAGS}).
 * With `--format standard` and GoAccess installed, GoAccess reads the same records
 * (`--log-format=CLOUDFRONT`) in the same round, and the ratio is printed.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseAgent } from "../src/core/agents.ts";
import { cleanAgent } from "../src/core/clean.ts";
import { PRESETS } from "../src/core/fields.ts";
import { SYNTHETIC_AGENTS } from "../src/core/synthetic.ts";
import { aggregate } from "../src/pipeline/aggregate.ts";
import { consolidate } from "../src/pipeline/consolidate.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { ingest } from "../src/pipeline/ingest.ts";
import { processObjects } from "../src/pipeline/process.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { s3Source } from "../src/source/s3.ts";
import { fsStore } from "../src/store/fs.ts";
import { s3Store } from "../src/store/s3.ts";
import type { Store } from "../src/store/store.ts";
import { fail, parseFlags, progress } from "./_cli.ts";
import { NODE_MODULE } from "./_esbuild.mjs";
import { DENO_HEAP_FLAGS, NODE_HEAP_FLAGS, NPM_SCRIPT_NODE_FLAGS } from "./_node-flags.ts";

const flags = parseFlags(
  {
    lines: { type: "string" },
    objects: { type: "string" },
    days: { type: "string" },
    format: { type: "string" },
    events: { type: "boolean" },
    s3: { type: "boolean" },
    "s3-endpoint": { type: "string" },
    "s3-store": { type: "string" },
    runs: { type: "string" },
    runtimes: { type: "string" },
    dir: { type: "string" },
    worker: { type: "string" },
    stores: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  `
Usage: bench [--lines 1000000] [--objects 1] [--days D] [--format realtime|standard]
             [--events [--s3]] [--runs 1] [--runtimes node,tsx,deno] [--dir .bench] [--json]

One object (the default): generates one gzip log object of --lines lines (cached under
--dir) and runs ingest + consolidate on it. --objects K: K objects over --days days
(default 31), as Firehose delivers a month, and the whole pipeline: ingest, consolidate
and aggregate (the aggregate step's milliseconds per period are printed too). Each run writes a fresh filesystem store, once per runtime, each in its own
process, and prints lines/s (end to end, wall clock) and peak RSS. Runtimes: node (the
code bundled by esbuild, as deployed on Lambda), tsx (Node through the tsx loader, with
the npm scripts' V8 flag) and deno. --format standard writes the same records as standard
logs; then, when goaccess is on the PATH, GoAccess reads them too (zcat | goaccess
--log-format=CLOUDFRONT) in every round, and each runtime's speed is given against it.
--events: the objects (default: all in one 30-minute window) are processed one event each,
as Lambda sees them (ingest, consolidate and refresh), in one process per runtime, the
window open by the clock: prints the milliseconds per event (mean, first, last) and the
store requests one event makes. --events --s3: the same against an S3-protocol server
(s3rver, started by the bench on 127.0.0.1, in the bench's own process, beside the
workers'), the objects uploaded to it first, the store in a fresh bucket for every run:
prints each S3 request one event makes, and what the requests of an event and of a
million lines cost at AWS's list prices (S3 Standard, us-east-1). With --runs N, N rounds run, each runtime once a round; the median lines/s and the highest peak RSS are reported.`,
);

/** The clock of --events: the generated window (from 10:00) is still open. */
const LIVE_AT = "2024-03-01T10:30:00Z";

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
  /** With --objects: the periods the aggregate step computed, and its time per period. */
  aggregate?: { periods: number; ms_per_period: number };
  /** With --events: milliseconds per event, and the store requests of one event. */
  events?: {
    mean_ms: number;
    first_ms: number;
    last_ms: number;
    requests: Requests;
    /** With --s3: every S3 request of one event (source and store), by command, and its cost. */
    s3?: { requests: Record<string, number>; usd_per_event: number; usd_per_million_lines: number };
  };
}

/** Store requests, by kind. */
type Requests = { get: number; put: number; list: number; delete: number };

/**
 * S3 request prices in USD per 1,000 requests (S3 Standard, us-east-1, list prices of
 * 2026): PUT, COPY, POST and LIST are one tier; GET and HEAD the other; DELETE is free.
 */
const S3_PRICE_PER_1000: Record<string, number> = {
  PutObject: 0.005,
  CopyObject: 0.005,
  ListObjectsV2: 0.005,
  GetObject: 0.0004,
  HeadObject: 0.0004,
  DeleteObject: 0,
};

/** What a count of S3 requests (by command) costs at {@link S3_PRICE_PER_1000}, in USD. */
function s3Cost(requests: Record<string, number>): number {
  let usd = 0;
  for (const [command, n] of Object.entries(requests)) {
    const price = S3_PRICE_PER_1000[command];
    if (price === undefined) throw new Error(`no price for ${command}`);
    usd += (n * price) / 1000;
  }
  return usd;
}

/** Bucket of the uploaded log objects on the bench's S3-protocol server. */
const S3_LOGS = "cfl-bench-logs";
const S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** A client of the bench's S3-protocol server that counts its requests by command into `n`. */
function countingS3Client(endpoint: string, n: Record<string, number>) {
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  });
  client.middlewareStack.add(
    (next, context) => (args) => {
      const command = context.commandName!.replace(/Command$/, "");
      n[command] = (n[command] ?? 0) + 1;
      return next(args);
    },
    { step: "initialize", name: "countRequests" },
  );
  return client;
}

/** `store`, counting the requests made of it into `n` (per event: divide). */
function counted(store: Store, n: Requests): Store {
  return {
    name: store.name,
    get: (k) => (n.get++, store.get(k)),
    put: (k, b, o) => (n.put++, store.put(k, b, o)),
    delete: (k) => (n.delete++, store.delete(k)),
    list: (p) => (n.list++, store.list(p)),
    browse: (d) => (n.list++, store.browse(d)),
  };
}

if (flags.worker) {
  // Child: measure one run.
  const store = mkdtempSync(join(flags.stores ?? tmpdir(), "cfl-bench-store-"));
  const s3Requests: Record<string, number> = {};
  const s3 = flags["s3-endpoint"] ? countingS3Client(flags["s3-endpoint"], s3Requests) : undefined;
  const ctx = makeContext({
    source: s3 ? s3Source(s3, { bucket: S3_LOGS, prefix: "" }) : localSource(flags.worker),
    store: s3 ? s3Store(s3, { bucket: flags["s3-store"]!, prefix: "" }) : fsStore(store),
    parse: flags.format === "standard"
      ? { format: "standard", fields: [] }
      : { format: "realtime", fields: PRESETS.all },
  });
  const t0 = performance.now();
  let i = { records: 0, malformed: 0 };
  let events: Measure["events"];
  let aggregated: Measure["aggregate"];
  if (flags.events) {
    // One event per object, in key order, while their window is open.
    const keys: string[] = [];
    for await (const o of ctx.source.list()) keys.push(o.key);
    keys.sort();
    // The listing of the objects above is the bench's, not an event's.
    const listed = { ...s3Requests };
    const n: Requests = { get: 0, put: 0, list: 0, delete: 0 };
    const live = { ...ctx, store: counted(ctx.store, n), now: Date.parse(LIVE_AT) };
    const ms: number[] = [];
    for (const key of keys) {
      const e0 = performance.now();
      const r = await processObjects(live, [key]);
      ms.push(performance.now() - e0);
      i = { records: i.records + r.records, malformed: i.malformed + r.malformed };
    }
    const per = (x: number) => Math.round((x / keys.length) * 10) / 10;
    const round = (x: number) => Math.round(x * 10) / 10;
    const perEvent = Object.fromEntries(
      Object.entries(s3Requests).sort().map(([c, x]) => [c, per(x - (listed[c] ?? 0))]),
    );
    const lines = i.records + i.malformed;
    events = {
      mean_ms: round(ms.reduce((a, b) => a + b, 0) / ms.length),
      first_ms: round(ms[0]),
      last_ms: round(ms[ms.length - 1]),
      requests: { get: per(n.get), put: per(n.put), list: per(n.list), delete: per(n.delete) },
      ...(s3
        ? {
          s3: {
            requests: perEvent,
            usd_per_event: s3Cost(perEvent),
            usd_per_million_lines: (s3Cost(perEvent) * keys.length * 1e6) / lines,
          },
        }
        : {}),
    };
  } else {
    i = await ingest(ctx);
    await consolidate(ctx);
    if (Number(flags.objects ?? 1) > 1) {
      const a0 = performance.now();
      const r = await aggregate(ctx);
      const periods = Object.values(r.computed).reduce((a, b) => a + b, 0);
      const ms = performance.now() - a0;
      aggregated = { periods, ms_per_period: Math.round((ms / periods) * 100) / 100 };
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (!flags.stores) rmSync(store, { recursive: true, force: true });
  s3?.destroy();
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
    ...(aggregated ? { aggregate: aggregated } : {}),
    ...(events ? { events } : {}),
  };
  console.log(JSON.stringify(m));
} else {
  const lines = Number(flags.lines ?? 1_000_000);
  if (!Number.isInteger(lines) || lines <= 0) fail("--lines must be a positive integer", 2);
  const objects = Number(flags.objects ?? 1);
  if (!Number.isInteger(objects) || objects <= 0 || objects > lines) {
    fail("--objects must be a positive integer, at most --lines", 2);
  }
  const format = flags.format ?? "realtime";
  if (format !== "realtime" && format !== "standard") {
    fail(`--format must be realtime or standard, not "${format}"`, 2);
  }
  // One object inside one 30-minute window, as one Firehose file; many over a month; the
  // events of a window inside it.
  const days = Number(flags.days ?? (objects === 1 || flags.events ? 1 / 48 * 0.9 : 31));
  if (!(days > 0 && days <= 366)) fail("--days must be a number of days in (0, 366]", 2);
  const whole = objects > 1 && !flags.events;
  const name = objects > 1 || format !== "realtime" || flags.days !== undefined
    ? `logs-${lines}-${objects}-${days}-${format}`
    : `logs-${lines}`;
  const dir = join(flags.dir ?? ".bench", name);
  if (!existsSync(dir)) {
    progress(`generating ${lines} lines in ${objects} object(s) into ${dir} (once) ...`);
    await generateLogs({
      dir,
      lines,
      days,
      start: Date.parse(whole ? "2024-03-01T00:00:00Z" : "2024-03-01T10:00:00Z"),
      objects,
      seed: 42,
      format,
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
    external: ["esbuild", "s3rver"],
  });
  if (flags.s3 && !flags.events) fail("--s3 goes with --events", 2);
  const s3 = flags.s3 ? await startS3(files.map((f) => f.slice(dir.length + 1)), dir) : undefined;
  let stores = 0;
  // The runs' stores are removed after the last run, not after each: on a file system that
  // checks recently freed inodes when it allocates one (ext4 without a journal, as this
  // project's VM has), a run that follows the removal of another's 20,000 files pays for it.
  const storesDir = mkdtempSync(join(tmpdir(), "cfl-bench-stores-"));
  const commands: Record<string, [string, string[]]> = {
    // As Lambda runs it: the bundle, with the heap flags of template.yaml's NODE_OPTIONS.
    node: [node, [...NODE_HEAP_FLAGS, bundle]],
    // As the npm scripts run it (package.json): the V8 flag is theirs too.
    tsx: [node, [...NPM_SCRIPT_NODE_FLAGS, "--import", "tsx", `${root}scripts/bench.ts`]],
    deno: [join(root, "node_modules/.bin/deno"), [
      "run",
      "-A",
      "--no-check",
      ...DENO_HEAP_FLAGS,
      `${root}scripts/bench.ts`,
    ]],
  };
  const runs = Number(flags.runs ?? 1);
  if (!Number.isInteger(runs) || runs <= 0) fail("--runs must be a positive integer", 2);
  const runOnce = async (rt: string, c: [string, string[]]) => {
    const args = ["--worker", dir, "--format", format, "--objects", String(objects)];
    args.push("--stores", storesDir);
    if (flags.events) args.push("--events");
    if (s3) args.push("--s3-endpoint", s3.endpoint, "--s3-store", await s3.bucket(++stores));
    return await new Promise<Measure>((resolve, reject) => {
      const child = spawn(c[0], [...c[1], ...args], {
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
  };
  const runtimes = (flags.runtimes ?? "node,tsx,deno").split(",");
  for (const rt of runtimes) {
    if (!commands[rt]) fail(`unknown runtime "${rt}" (node, tsx, deno)`, 2);
  }
  // Round by round, each runtime once a round: a machine whose speed drifts (a shared VM
  // does, by ±20% here) then slows or speeds every runtime alike.
  const each = new Map<string, Measure[]>(runtimes.map((rt) => [rt, []]));
  const goaccess = format === "standard" && goaccessVersion();
  const peer: Array<ReturnType<typeof runGoaccess>> = [];
  try {
    for (let r = 1; r <= runs; r++) {
      for (const rt of runtimes) {
        progress(`running ${rt} (${r}/${runs}) ...`);
        each.get(rt)!.push(await runOnce(rt, commands[rt]));
      }
      if (goaccess) {
        progress(`running ${goaccess} (${r}/${runs}) ...`);
        peer.push(runGoaccess(dir));
      }
    }
  } finally {
    rmSync(storesDir, { recursive: true, force: true });
  }
  await s3?.stop();
  const results: Measure[] = runtimes.map((rt) => {
    const m = each.get(rt)!.sort((a, b) => a.lines_per_second - b.lines_per_second);
    return {
      ...m[Math.floor((m.length - 1) / 2)],
      peak_rss_mb: Math.max(...m.map((x) => x.peak_rss_mb)),
      input_mb: Math.round(inputMb * 10) / 10,
    };
  });
  const median = peer.sort((a, b) => a.seconds - b.seconds)[(peer.length - 1) >> 1];
  const peerSeconds = median?.seconds;
  if (flags.json) {
    console.log(
      JSON.stringify(
        { results, goaccess: goaccess || null, goaccess_seconds: peerSeconds ?? null },
        null,
        2,
      ),
    );
  } else {
    const what = flags.events
      ? "one event per object (ingest, consolidate, refresh)"
      : whole
      ? "ingest + consolidate + aggregate"
      : "ingest + consolidate";
    console.log(
      `${what}, ${lines} lines, ${inputMb.toFixed(1)} MB gzip, ${objects} object(s), ` +
        `${format} logs, median of ${runs} run(s):`,
    );
    for (const r of results) {
      const against = peerSeconds === undefined
        ? ""
        : `  ${(peerSeconds / r.seconds).toFixed(2)}× GoAccess's speed`;
      console.log(
        `  ${r.runtime.padEnd(20)} ${String(r.lines_per_second).padStart(9)} lines/s  ` +
          `${r.seconds.toFixed(2)} s  peak RSS ${r.peak_rss_mb} MB  ` +
          `${r.agent_parse_us} µs per distinct agent${against}`,
      );
      if (r.aggregate) {
        console.log(
          `  ${"".padEnd(20)} aggregate: ${r.aggregate.periods} periods, ` +
            `${r.aggregate.ms_per_period} ms a period`,
        );
      }
      const e = r.events;
      if (e?.s3) {
        const usd = (x: number) => `$${x.toPrecision(3)}`;
        console.log(
          `  ${
            "".padEnd(20)
          } per event: ${e.mean_ms} ms (first ${e.first_ms}, last ${e.last_ms}); ` +
            Object.entries(e.s3.requests).map(([c, n]) => `${n} ${c}`).join(", "),
        );
        console.log(
          `  ${"".padEnd(20)} S3 requests cost ${usd(e.s3.usd_per_event)} per event, ` +
            `${usd(e.s3.usd_per_million_lines)} per million lines`,
        );
      } else if (e) {
        console.log(
          `  ${
            "".padEnd(20)
          } per event: ${e.mean_ms} ms (first ${e.first_ms}, last ${e.last_ms}); ` +
            `${e.requests.get} GET, ${e.requests.put} PUT, ${e.requests.list} LIST, ` +
            `${e.requests.delete} DELETE`,
        );
      }
    }
    if (median !== undefined) {
      console.log(
        `  ${String(goaccess).padEnd(20)} ${
          String(Math.round(lines / median.seconds)).padStart(9)
        } ` +
          `lines/s  ${median.seconds.toFixed(2)} s  (zcat | goaccess --log-format=CLOUDFRONT -o ` +
          `x.json; it counted ${median.valid} of ${median.total} requests valid)`,
      );
    } else if (format === "standard") {
      console.log("  (GoAccess is not installed: apt-get install goaccess to compare with it)");
    }
  }
}

/**
 * Starts an S3-protocol server (s3rver, a devDependency) on 127.0.0.1 in this process,
 * with the log objects `keys` of `dir` uploaded to {@link S3_LOGS}; `bucket(n)` makes the
 * empty store bucket of run n.
 */
async function startS3(keys: string[], dir: string) {
  const { default: S3rver } = await import("s3rver");
  const data = mkdtempSync(join(tmpdir(), "cfl-bench-s3-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: data,
    configureBuckets: [{ name: S3_LOGS }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = countingS3Client(endpoint, {});
  progress(`uploading ${keys.length} object(s) to ${endpoint} ...`);
  for (const key of keys) {
    await client.send(
      new PutObjectCommand({ Bucket: S3_LOGS, Key: key, Body: readFileSync(join(dir, key)) }),
    );
  }
  return {
    endpoint,
    async bucket(n: number) {
      const name = `cfl-bench-store-${n}`;
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async stop() {
      client.destroy();
      await server.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** `GoAccess 1.7` when goaccess is on the PATH, else false. */
function goaccessVersion(): string | false {
  const r = spawnSync("goaccess", ["--version"], { encoding: "utf8" });
  if (r.status !== 0) return false;
  const m = /GoAccess - (\d+(?:\.\d+)*)/.exec(r.stdout);
  return `GoAccess ${m ? m[1] : ""}`.trim();
}

/**
 * Seconds GoAccess takes to read every object of `dir` (gunzipped by zcat, as it reads a
 * stream) into a JSON report, and the requests it counted as valid and in all.
 */
function runGoaccess(dir: string): { seconds: number; valid: number; total: number } {
  const out = join(mkdtempSync(join(tmpdir(), "cfl-goaccess-")), "report.json");
  const t0 = performance.now();
  const r = spawnSync("sh", [
    "-c",
    `find -L "$1" -type f -name '*.gz' | sort | xargs zcat | ` +
    `goaccess - --log-format=CLOUDFRONT --no-global-config -o "$2"`,
    "sh",
    dir,
    out,
  ], { encoding: "utf8" });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) fail(`goaccess failed: ${r.stderr.trim()}`);
  const report = JSON.parse(readFileSync(out, "utf8"));
  rmSync(dirname(out), { recursive: true, force: true });
  const valid = report.general?.valid_requests ?? 0;
  if (valid === 0) fail(`goaccess read no valid request from ${dir}`);
  return { seconds, valid, total: report.general?.total_requests ?? 0 };
}
