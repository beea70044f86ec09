/**
 * Operator mistakes with locations (DESIGN §9): overlapping source, store and archive are
 * refused before anything runs; a missing source is an error, not an empty queue; errors of
 * the local source name keys, never the server's paths.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { createApp } from "../src/api/app.ts";
import { contains, type Located, overlapError, overlaps, s3Place } from "../src/core/locations.ts";
import {
  appDepsFrom,
  archiveFrom,
  ConfigError,
  contextFrom,
  placeOf,
  type Settings,
} from "../src/runtime/config.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { s3Source } from "../src/source/s3.ts";
import type { LogSource } from "../src/source/source.ts";
import { startS3, tempDir } from "./_helpers.ts";
import { runScript } from "./_run-script.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const KEY = "locations-key-0123456789";
const NOW = "2024-03-03T01:00:00Z";
const quiet = () => {};
/** A script's one-line error: the last line of stderr (the SDK may warn before it). */
const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";

const work = tempDir("locations");
const logs = join(work.dir, "logs");
let s3: Awaited<ReturnType<typeof startS3>>;

before(async () => {
  await generateLogs({
    dir: logs,
    lines: 600,
    days: 1,
    start: Date.parse("2024-03-01T00:00:00Z"),
    objects: 8,
    seed: 11,
  });
  s3 = await startS3(["loc-logs", "loc-empty"]);
  await s3.client.send(
    new PutObjectCommand({ Bucket: "loc-logs", Key: "logs/2024/03/01/a.gz", Body: "x" }),
  );
});
after(async () => {
  await s3.stop();
  work.cleanup();
});

async function keysOf(source: LogSource): Promise<string[]> {
  const out: string[] = [];
  for await (const o of source.list()) out.push(o.key);
  return out;
}

const s3At = (url: string): Located["place"] => s3Place(url);

test("S3 places overlap segment-wise: a prefix, not a string prefix; the bucket alone is all", () => {
  const yes: Array<[string, string]> = [
    ["s3://b/logs", "s3://b/logs/archive"],
    ["s3://b/logs/", "s3://b//logs"],
    ["s3://b", "s3://b/anything/below"],
    ["s3://b/", "s3://b"],
  ];
  for (const [a, b] of yes) {
    assert.ok(overlaps(s3At(a), s3At(b)), `${a} ~ ${b}`);
    assert.ok(overlaps(s3At(b), s3At(a)), `${b} ~ ${a}`);
  }
  const no: Array<[string, string]> = [
    ["s3://b/logs", "s3://b/logs2"],
    ["s3://b/logs", "s3://bb/logs"],
    ["s3://b/logs/x", "s3://b/logs/y"],
  ];
  for (const [a, b] of no) assert.ok(!overlaps(s3At(a), s3At(b)), `${a} !~ ${b}`);
  assert.ok(contains(s3At("s3://b/logs"), s3At("s3://b/logs/archive")));
  assert.ok(!contains(s3At("s3://b/logs/archive"), s3At("s3://b/logs")));
  // A directory and a bucket never overlap, whatever their names; memory never does.
  assert.ok(!overlaps({ kind: "local", segments: ["b", "logs"] }, s3At("s3://b/logs")));
  assert.ok(!overlaps({ kind: "memory" }, { kind: "memory" }));
});

test("the refusal names both locations, their roles and the harm, the inner one first", () => {
  const at = (role: Located["role"], text: string): Located => ({
    role,
    text,
    place: s3Place(text),
  });
  assert.equal(
    overlapError([at("source", "s3://b/logs"), at("archive", "s3://b/logs/archive")]),
    "--archive s3://b/logs/archive lies inside --source s3://b/logs: " +
      "archived objects would be ingested again",
  );
  assert.equal(
    overlapError([at("archive", "s3://b/logs/"), at("source", "s3://b/logs")]),
    "--archive s3://b/logs/ is the same location as --source s3://b/logs: " +
      "archiving would delete every original with no copy left",
  );
  assert.match(
    overlapError([at("source", "s3://b/logs/in"), at("store", "s3://b/logs")]) ?? "",
    /^--source s3:\/\/b\/logs\/in lies inside --store s3:\/\/b\/logs: /,
  );
  // The export's --out is a location like the others: every pair with it has its harm.
  for (const role of ["source", "store", "archive"] as const) {
    assert.match(
      overlapError([at(role, "s3://b/x"), at("out", "s3://b/x/lake")]) ?? "",
      new RegExp(`^--out s3://b/x/lake lies inside --${role} s3://b/x: \\w`),
    );
    assert.match(
      overlapError([at("out", "s3://b/x"), at(role, "s3://b/x/in")]) ?? "",
      new RegExp(`^--${role} s3://b/x/in lies inside --out s3://b/x: re-exporting could`),
    );
  }
  assert.equal(
    overlapError([at("source", "s3://b/logs"), at("store", "s3://b/logs2"), {
      role: "archive",
      text: "memory:",
      place: { kind: "memory" },
    }]),
    undefined,
  );
});

test("local paths are one place after resolving ./, .., trailing slashes and symlinks", () => {
  const real = join(work.dir, "real");
  mkdirSync(real, { recursive: true });
  symlinkSync(real, join(work.dir, "link"));
  const base = placeOf(real);
  for (
    const same of [
      `${real}/`,
      `${real}/./`,
      join(work.dir, "logs", "..", "real"),
      `${work.dir}/link`,
      relative(process.cwd(), real),
    ]
  ) {
    assert.deepEqual(placeOf(same), base, same);
  }
  // The longest existing part is resolved: a directory not made yet under the link is inside.
  assert.ok(contains(base, placeOf(join(work.dir, "link", "not", "yet"))));
  assert.ok(!overlaps(placeOf(real), placeOf(`${real}2`)));
});

test("every way settings become a context refuses overlapping locations with a ConfigError", () => {
  const inside = join(logs, "archive");
  const refused: Array<[string, () => unknown, RegExp]> = [
    [
      "contextFrom, archive = source",
      () => contextFrom({ source: logs, store: "memory:", archive: `${logs}/` }, quiet),
      /^--archive .* is the same location as --source .*: archiving would delete every original/,
    ],
    [
      "contextFrom, store inside source",
      () => contextFrom({ source: logs, store: join(logs, "store") }, quiet),
      /^--store .*store lies inside --source .*logs: /,
    ],
    [
      "archiveFrom, archive inside source",
      () => archiveFrom({ source: logs, store: "memory:", archive: inside }),
      /^--archive .*archive lies inside --source .*logs: archived objects would be ingested again$/,
    ],
    [
      "archiveFrom, archive = store",
      () => archiveFrom({ store: "s3://loc-logs/x", archive: "s3://loc-logs/x/" }),
      /^--archive s3:\/\/loc-logs\/x\/ is the same location as --store s3:\/\/loc-logs\/x: /,
    ],
    [
      "appDepsFrom, store inside source (S3)",
      () =>
        appDepsFrom(
          { source: "s3://loc-logs", store: "s3://loc-logs/analytics" },
          { CLOUDFRONT_LETS_API_KEY: KEY },
          quiet,
        ),
      /^--store s3:\/\/loc-logs\/analytics lies inside --source s3:\/\/loc-logs: /,
    ],
  ];
  for (const [what, make, message] of refused) {
    assert.throws(make, (e: Error) => e instanceof ConfigError && message.test(e.message), what);
  }
  // Apart, nothing is refused: siblings, a prefix that only shares characters, memory.
  const apart: Settings = { source: logs, store: `${logs}2`, archive: join(work.dir, "cold") };
  assert.ok(contextFrom(apart, quiet));
  assert.ok(archiveFrom(apart));
  assert.ok(
    appDepsFrom({ source: "s3://loc-logs/logs", store: "s3://loc-logs/logs2" }, {
      CLOUDFRONT_LETS_API_KEY: KEY,
    }, quiet),
  );
});

test("pipeline --archive = --source exits 2 before anything runs; every original stays", async () => {
  const store = join(work.dir, "same-store");
  const before = readdirSync(logs, { recursive: true }).length;
  const r = await runScript("pipeline", [
    "--source",
    logs,
    "--store",
    store,
    "--archive",
    `${logs}/`,
    "--now",
    NOW,
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(
    lastLine(r.stderr),
    `error: --archive ${logs}/ is the same location as --source ${logs}: ` +
      "archiving would delete every original with no copy left",
  );
  assert.equal(readdirSync(logs, { recursive: true }).length, before);
  assert.ok(!existsSync(store), "nothing was written");
});

test("archive and handle-event refuse an archive inside an S3 source", async () => {
  const args = [
    "--source",
    "s3://loc-logs/logs",
    "--store",
    join(work.dir, "s3-store"),
    "--archive",
    "s3://loc-logs/logs/archive",
    "--s3-endpoint",
    s3.endpoint,
  ];
  const want = "error: --archive s3://loc-logs/logs/archive lies inside --source " +
    "s3://loc-logs/logs: archived objects would be ingested again";
  const archived = await runScript("archive", args);
  assert.equal(archived.code, 2, archived.stderr);
  assert.equal(lastLine(archived.stderr), want);
  const event = JSON.stringify({ "detail-type": "Scheduled Event", source: "aws.events" });
  const handled = await runScript("handle-event", args, {}, event);
  assert.equal(handled.code, 2, handled.stderr);
  assert.equal(lastLine(handled.stderr), want);
});

test("a missing local source fails naming the directory as given; an empty one is a normal run", async () => {
  const missing = relative(ROOT, join(work.dir, "no", "such", "dir"));
  await assert.rejects(keysOf(localSource(missing)), {
    message: `source ${missing} does not exist`,
  });
  const r = await runScript("ingest", ["--source", missing, "--store", "memory:"]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(lastLine(r.stderr), `error: source ${missing} does not exist`);
  const p = await runScript("pipeline", ["--source", missing, "--store", "memory:"]);
  assert.equal(p.code, 1, p.stderr);
  assert.match(lastLine(p.stderr), /^error: source .* does not exist$/);

  const empty = join(work.dir, "empty");
  mkdirSync(empty);
  assert.deepEqual(await keysOf(localSource(empty)), []);
  const ok = await runScript("ingest", ["--source", empty, "--store", "memory:", "--json"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).objects_seen, 0);
});

test("an S3 source that cannot be listed fails naming it; an empty prefix is a normal run", async () => {
  await assert.rejects(keysOf(s3Source(s3.client, { bucket: "loc-nosuch", prefix: "logs" })), {
    message: "cannot list s3://loc-nosuch/logs: NoSuchBucket",
  });
  await assert.rejects(keysOf(s3Source(s3.client, { bucket: "loc-nosuch", prefix: "" })), {
    message: "cannot list s3://loc-nosuch: NoSuchBucket",
  });
  assert.deepEqual(await keysOf(s3Source(s3.client, { bucket: "loc-empty", prefix: "logs" })), []);
  const endpoint = ["--s3-endpoint", s3.endpoint];
  const r = await runScript("ingest", [
    "--source",
    "s3://loc-nosuch/logs",
    "--store",
    "memory:",
    ...endpoint,
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(lastLine(r.stderr), "error: cannot list s3://loc-nosuch/logs: NoSuchBucket");
  const ok = await runScript("ingest", [
    "--source",
    "s3://loc-empty/logs",
    "--store",
    "memory:",
    "--json",
    ...endpoint,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).objects_seen, 0);
  // A bucket made later is listed like any other.
  await s3.client.send(new CreateBucketCommand({ Bucket: "loc-later" }));
  assert.deepEqual(await keysOf(s3Source(s3.client, { bucket: "loc-later", prefix: "" })), []);
});

test("local source errors name the key relative to the source, never its absolute path", async () => {
  const src = localSource(logs);
  for (
    const failing of [
      () => src.read("2024/03/01/gone.gz"),
      async () => await new Response(await src.open("2024/03/01/gone.gz")).arrayBuffer(),
    ]
  ) {
    await assert.rejects(failing, (e: Error) => {
      assert.equal(e.message, "2024/03/01/gone.gz: not found (ENOENT)");
      assert.equal((e as NodeJS.ErrnoException).code, "ENOENT");
      return true;
    });
  }
});

test("a failed ingest through the API reports keys, not the server's paths", async () => {
  const queue = join(work.dir, "api-queue");
  await generateLogs({
    dir: queue,
    lines: 600,
    days: 1,
    start: Date.parse("2024-03-01T00:00:00Z"),
    objects: 8,
    seed: 12,
  });
  const files = (readdirSync(queue, { recursive: true }) as string[])
    .map((f) => f.replaceAll("\\", "/"))
    .filter((f) => f.endsWith(".gz"))
    .sort();
  assert.ok(files.length > 4, "more objects than ingest reads at once");
  // The last objects vanish once the first is ingested: after the listing, before their read.
  const gone = files.slice(-2);
  let removed = false;
  const log = (m: string) => {
    if (!removed && m.startsWith("ingested ")) {
      removed = true;
      for (const f of gone) rmSync(join(queue, f));
    }
  };
  const deps = appDepsFrom(
    { source: queue, store: "memory:", now: NOW },
    { CLOUDFRONT_LETS_API_KEY: KEY },
    log,
  );
  const res = await createApp(deps).request("/api/sa/cloudfront/ingest", {
    method: "POST",
    headers: { "x-api-key": KEY },
  });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.ok(!text.includes(work.dir), `no server path in ${text}`);
  const failures = JSON.parse(text).result.failures;
  assert.deepEqual(
    failures.map((f: { key: string }) => f.key),
    gone,
  );
  for (const f of failures) assert.equal(f.error, `${f.key}: not found (ENOENT)`);
});
