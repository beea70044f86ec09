/**
 * The pipeline script against a real S3-protocol server (s3rver on 127.0.0.1): S3 source,
 * S3 store and S3 archive, with the same figures as the filesystem run of the same input.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { startS3, tempDir } from "./_helpers.ts";
import { runScript } from "./_run-script.ts";

const QUEUE = fileURLToPath(new URL("../fixtures/queue", import.meta.url));
const NOW = "2024-03-02T00:00:00Z";
let s3: Awaited<ReturnType<typeof startS3>>;

function files(dir: string, rel = ""): string[] {
  return readdirSync(`${dir}/${rel}`).flatMap((n) => {
    const r = rel ? `${rel}/${n}` : n;
    return statSync(`${dir}/${r}`).isDirectory() ? files(dir, r) : [r];
  });
}

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const out = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function text(bucket: string, key: string): Promise<string> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return await out.Body!.transformToString();
}

before(async () => {
  s3 = await startS3(["cf-logs", "cf-store", "cf-archive"]);
  for (const f of files(QUEUE)) {
    await s3.client.send(
      new PutObjectCommand({
        Bucket: "cf-logs",
        Key: `realtime/${f}`,
        Body: readFileSync(`${QUEUE}/${f}`),
      }),
    );
  }
});
after(async () => await s3?.stop());

const env = {
  AWS_ACCESS_KEY_ID: "S3RVER",
  AWS_SECRET_ACCESS_KEY: "S3RVER",
  AWS_REGION: "us-east-1",
};
const pipeline = (storageClass: string, archive = "s3://cf-archive/cold") =>
  runScript("pipeline", [
    "--source",
    "s3://cf-logs/realtime",
    "--store",
    "s3://cf-store/analytics",
    "--archive",
    archive,
    "--storage-class",
    storageClass,
    "--s3-endpoint",
    s3.endpoint,
    "--now",
    NOW,
    "--json",
  ], env);

test("pipeline on S3: same daily figures as on disk, archive moves what was ingested", async () => {
  const local = tempDir("s3cmp");
  try {
    // A copy S3 refuses (here: no such bucket) keeps every original.
    const refused = await pipeline("STANDARD_IA", "s3://cf-nowhere/cold");
    assert.equal(refused.code, 1);
    assert.equal(JSON.parse(refused.stdout).archive.failures.length, 4);
    assert.equal((await keys("cf-logs", "realtime/")).length, 5);
    assert.deepEqual(await keys("cf-archive", "cold/"), []);

    const r = await pipeline("STANDARD_IA");
    // The truncated fixture fails alone: exit 1 with one line naming it, results still printed.
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr.trim().split("\n").at(-1)!,
      /^error: 1 object\(s\) failed: .*000000000003\.gz: truncated or corrupt gzip/,
    );
    const result = JSON.parse(r.stdout);
    assert.equal(result.ingest.records, 0); // all ingested by the first run
    assert.equal(result.ingest.objects_skipped, 4);
    assert.equal(result.archive.archived, 4);

    const d = await runScript("pipeline", ["--source", QUEUE, "--store", local.dir, "--now", NOW]);
    assert.equal(d.code, 1);
    const dayKey = "sa/cloudfront/aggregate/daily/2024-03-01/data.json";
    assert.equal(
      await text("cf-store", `analytics/${dayKey}`),
      readFileSync(`${local.dir}/${dayKey}`, "utf8"),
    );

    assert.deepEqual(await keys("cf-logs", "realtime/"), [
      "realtime/2024/03/01/11/rt-1-2024-03-01-11-05-00-0a0a0a0a-0000-4000-8000-000000000003.gz",
    ]);
    const archived = await keys("cf-archive", "cold/");
    assert.equal(archived.length, 4);
    // Copied by S3 itself (CopyObject), never read into the process and written back.
    for (const k of archived) assert.ok(s3.events.includes(`ObjectCreated:Copy cf-archive/${k}`));
    assert.ok(!s3.events.some((e) => e.startsWith("ObjectCreated:Put cf-archive/")));
    for (const k of archived) {
      const out = await s3.client.send(new GetObjectCommand({ Bucket: "cf-archive", Key: k }));
      assert.deepEqual(
        await out.Body!.transformToByteArray(),
        new Uint8Array(readFileSync(`${QUEUE}/${k.slice("cold/".length)}`)),
      );
    }
    const stored = await keys("cf-store", "analytics/sa/cloudfront/");
    assert.ok(stored.some((k) => k.endsWith("aggregate/monthly/2024-03/__meta.json")));
    assert.ok(stored.some((k) => /raw\/2024-03-01\/09-30\/[0-9a-f]+-0000\.json$/.test(k)));
  } finally {
    local.cleanup();
  }
});
