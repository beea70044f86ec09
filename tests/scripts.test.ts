/** Every script: --help, one-line errors with non-zero exits, --json results. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { DENO_HEAP_FLAGS, NODE_HEAP_FLAGS, NPM_SCRIPT_NODE_FLAGS } from "../scripts/_node-flags.ts";
import { STEPS } from "../scripts/_steps.ts";
import { runScript } from "./_run-script.ts";
import { tempDir } from "./_helpers.ts";

const SCRIPTS = [
  "check",
  "bundle",
  "handle-event",
  "loadtest",
  "ingest",
  "consolidate",
  "aggregate",
  "archive",
  "pipeline",
  "generate",
  "detect",
  "bench",
  "start",
  "serve",
  "build-dashboard",
  "build-referrers",
  "build-wasm",
];
const QUEUE = fileURLToPath(new URL("../fixtures/queue", import.meta.url));

test("npm scripts run the steps through the command, with the V8 flag bench measures", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const flags = NPM_SCRIPT_NODE_FLAGS.join(" ");
  // `check` is deno's type check in npm: the alerts step is `check-alerts` there.
  const npmName = (step: string) => (step === "check" ? "check-alerts" : step);
  for (const step of Object.keys(STEPS)) {
    const want = `node ${flags} bin/cloudfront-lets.mjs ${step}`;
    assert.equal(pkg.scripts[npmName(step)], want, `npm run ${npmName(step)}`);
  }
  assert.equal(pkg.bin["cloudfront-lets"], "bin/cloudfront-lets.mjs");
  for (const name of ["bench", "loadtest"]) {
    assert.ok(pkg.scripts[name].startsWith(`tsx ${flags} scripts/`), `npm run ${name}`);
  }
  // Deno's tasks of the steps carry its heap flags; Lambda's Node runs with Node's.
  const deno = JSON.parse(readFileSync(new URL("../deno.json", import.meta.url), "utf8"));
  for (const step of Object.keys(STEPS)) {
    const task = deno.tasks[npmName(step)];
    for (const f of DENO_HEAP_FLAGS) assert.ok(task.includes(` ${f} `), `deno task ${step}: ${f}`);
  }
  const template = readFileSync(new URL("../template.yaml", import.meta.url), "utf8");
  const options = /NODE_OPTIONS: (.*)/.exec(template)![1].split(" ");
  for (const f of NODE_HEAP_FLAGS) assert.ok(options.includes(f), `NODE_OPTIONS has ${f}`);
});

test("the command names its steps, refuses an unknown one, and scripts still run through tsx", async () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const command = (args: string[], runner: string[] = [`${root}bin/cloudfront-lets.mjs`]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [...runner, ...args], { cwd: root });
      let [out, err] = ["", ""];
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      child.on("close", (code) => resolve({ code, out, err }));
    });
  const help = await command(["--help"]);
  assert.equal(help.code, 0);
  for (const step of Object.keys(STEPS)) assert.ok(help.out.includes(step), step);
  const unknown = await command(["ingets"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /^error: unknown step "ingets"; the steps: start, ingest/);
  // As README documents: a script run by itself, through tsx, under Node.
  const tsx = await command(["--help"], ["--import", "tsx", `${root}scripts/ingest.ts`]);
  assert.equal(tsx.code, 0, tsx.err);
  assert.match(tsx.out, /^Usage: ingest /);
});

test("every script answers --help with its usage and exits 0", async () => {
  const results = await Promise.all(SCRIPTS.map((s) => runScript(s, ["--help"])));
  results.forEach((r, i) => {
    assert.equal(r.code, 0, `${SCRIPTS[i]}: ${r.stderr}`);
    assert.match(r.stdout, /^Usage: /, SCRIPTS[i]);
  });
});

test("serve refuses to start without an API key, with one line saying so", async () => {
  const env = { CLOUDFRONT_LETS_API_KEY: "" };
  const r = await runScript("serve", ["--store", "memory:", "--port", "0"], env);
  assert.equal(r.code, 2);
  assert.match(r.stderr.trim(), /^error: CLOUDFRONT_LETS_API_KEY is not set: .*API key$/);
  const short = await runScript("serve", ["--store", "memory:"], {
    CLOUDFRONT_LETS_API_KEY: "short",
  });
  assert.equal(short.code, 2);
  assert.match(short.stderr, /at least 16 characters/);
});

test("the dashboard embedded in the app is its page, style and script as committed", async () => {
  const r = await runScript("build-dashboard", ["--check"]);
  assert.equal(r.code, 0, r.stderr);
});

test("the scan kernel embedded in the parser is scan-lines.wat as committed", async () => {
  const r = await runScript("build-wasm", ["--check"]);
  assert.equal(r.code, 0, r.stderr);
});

test("deno tasks run the scripts", async () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(`${root}node_modules/.bin/deno`, ["task", "detect", "--help"], {
      cwd: root,
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Usage: detect/);
});

test("an unknown flag or a missing location is one line on stderr and exit 2", async () => {
  const bad = await runScript("ingest", ["--sorce", "x"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /^error: .*--sorce.*\(see --help\)$/);
  const missing = await runScript("pipeline", ["--store", "memory:"], {
    CLOUDFRONT_LETS_SOURCE: "",
  });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr.trim().split("\n").at(-1)!, /^error: --source is required/);
  const fields = await runScript("ingest", [
    "--source",
    QUEUE,
    "--store",
    "memory:",
    "--fields",
    "timestamp,nope",
  ]);
  assert.equal(fields.code, 2);
  assert.match(fields.stderr, /unknown real-time log field "nope"/);
  const now = await runScript("aggregate", [
    "--source",
    QUEUE,
    "--store",
    "memory:",
    "--now",
    "yesterday",
  ]);
  assert.equal(now.code, 2);
  assert.match(now.stderr, /--now must be an ISO-8601 time/);
});

test("flags fall back to CLOUDFRONT_LETS_* variables; --json prints the result", async () => {
  const r = await runScript("ingest", ["--json"], {
    CLOUDFRONT_LETS_SOURCE: QUEUE,
    CLOUDFRONT_LETS_STORE: "memory:",
  });
  assert.equal(r.code, 1); // the truncated fixture fails
  const result = JSON.parse(r.stdout);
  assert.equal(result.records, 11);
  assert.match(
    r.stderr,
    /ingested 2024\/03\/01\/10\/rt-1-.*: 7 records, 2 malformed \(lines 10, 11\)/,
  );
});

test("a standard field list is taken in file order", async () => {
  const dir = tempDir("std-fields");
  try {
    copyFileSync(
      fileURLToPath(new URL("../fixtures/samples/snowplow-enrich-2014.log", import.meta.url)),
      `${dir.dir}/a.log`,
    );
    const fields =
      "date,time,x-edge-location,sc-bytes,c-ip,cs-method,cs(Host),cs-uri-stem,sc-status," +
      "cs(Referer),cs(User-Agent),cs-uri-query,cs(Cookie),x-edge-result-type,x-edge-request-id," +
      "x-host-header,cs-protocol,cs-bytes";
    const r = await runScript("ingest", [
      "--source",
      dir.dir,
      "--store",
      "memory:",
      "--format",
      "standard",
      "--fields",
      fields,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).records, 1);
  } finally {
    dir.cleanup();
  }
});

test("detect suggests the field set of a file, named as an argument or with --file", async () => {
  const file = fileURLToPath(
    new URL(
      "../fixtures/wrong-fields/rt-1-2024-03-01-10-05-00-0a0a0a0a-0000-4000-8000-000000000009",
      import.meta.url,
    ),
  );
  for (const args of [[file], ["--file", file]]) {
    const r = await runScript("detect", args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /27 columns: --fields pack/);
  }
  const twice = await runScript("detect", [file, "--file", file]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /^error: name the file once/);
  const two = await runScript("detect", [file, file]);
  assert.equal(two.code, 2);
  assert.match(two.stderr, /unexpected argument/);
  // Only the start is read: a directory is refused, a stream cut short still tells.
  const dir = await runScript("detect", [QUEUE]);
  assert.equal(dir.code, 1);
  assert.match(dir.stderr, /is not a regular file/);
  const cut = await runScript("detect", [
    `${QUEUE}/2024/03/01/11/rt-1-2024-03-01-11-05-00-0a0a0a0a-0000-4000-8000-000000000003.gz`,
  ]);
  assert.equal(cut.code, 0, cut.stderr);
  assert.match(cut.stdout, /46 columns: --fields all/);
  // Binary junk is no log: said so, and exit 1 for a script that would take the advice.
  const junk = join(tmpdir(), `cfl-junk-${process.pid}.bin`);
  writeFileSync(junk, Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256));
  try {
    const r = await runScript("detect", [junk]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /does not look like a CloudFront log/);
  } finally {
    rmSync(junk, { force: true });
  }
});

test("generate writes gzip objects in the Firehose layout", async () => {
  const out = tempDir("gen");
  try {
    const generate = (dir: string, ...more: string[]) =>
      runScript("generate", [
        "--out",
        dir,
        "--lines",
        "500",
        "--days",
        "1",
        "--objects",
        "3",
        ...more,
      ]);
    const r = await generate(out.dir, "--json");
    assert.equal(r.code, 0, r.stderr);
    const keys: string[] = JSON.parse(r.stdout).objects;
    assert.equal(keys.length, 3);
    for (const k of keys) {
      assert.match(
        k,
        /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/cloudfront-rt-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]+\.gz$/,
      );
    }
    // The same records as standard access logs read back to the same figures.
    const std = `${out.dir}/std`;
    const s = await generate(std, "--format", "standard");
    assert.equal(s.code, 0, s.stderr);
    const now = ["--now", "2024-03-05T00:00:00Z", "--json"];
    const [rt, st] = await Promise.all([
      runScript("pipeline", [
        "--source",
        `${out.dir}/2024`,
        "--store",
        `${out.dir}-rt-store`,
        ...now,
      ]),
      runScript("pipeline", ["--source", std, "--store", `${out.dir}-std-store`, ...now]),
    ]);
    assert.equal(rt.code, 0, rt.stderr);
    assert.equal(st.code, 0, st.stderr);
    assert.equal(JSON.parse(st.stdout).ingest.records, 500);
    const day = (dir: string) =>
      JSON.parse(readFileSync(`${dir}/sa/cloudfront/aggregate/daily/2024-03-01/data.json`, "utf8"));
    const [a, b] = [day(`${out.dir}-rt-store`), day(`${out.dir}-std-store`)];
    for (
      const f of [
        "requests",
        "bytes",
        "status_codes",
        "methods",
        "edge_locations",
        "result_types",
        "top_paths",
      ]
    ) {
      assert.deepEqual(b[f], a[f], f);
    }
  } finally {
    out.cleanup();
    rmSync(`${out.dir}-rt-store`, { recursive: true, force: true });
    rmSync(`${out.dir}-std-store`, { recursive: true, force: true });
  }
});

test("ingest: a wrong field list is said once with the count of objects; progress ends with totals", async () => {
  const r = await runScript("ingest", [
    "--source",
    QUEUE,
    "--store",
    "memory:",
    "--fields",
    "pack",
  ]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.filter((l) => /^FAILED .*does not fit/.test(l)).length, 1);
  assert.ok(
    lines.includes("the field list does not fit 3 objects (said above for the first of them)"),
  );
  assert.match(
    lines.at(-1)!,
    /^error: 4 object\(s\) failed: 3 of them do not fit the field list \(the first, /,
  );
  // Not a terminal here: plain lines, the last with the totals.
  const progress = lines.filter((l) => l.startsWith("ingest: "));
  assert.match(
    progress.at(-1)!,
    /^ingest: 5\/5 objects, 0 records, 0 records\/s in \d+s, 4 failed$/,
  );
  assert.ok(!lines.some((l) => l.startsWith("ingested ")), "no line per object");
});
