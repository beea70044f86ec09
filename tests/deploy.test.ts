/**
 * The deployment: template.yaml parses, names a handler and environment variables that
 * exist in the code, grants no wildcard; the bundle script builds the single-file
 * artifact, and that artifact, imported by a fresh Node process as Lambda would, handles
 * an SQS event, a schedule and an HTTP request.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { KEPT_FIELDS } from "../src/core/columns.ts";
import { detectFields } from "../src/core/detect.ts";
import { CANONICAL_FIELDS, PRESETS } from "../src/core/fields.ts";
import { ADDRESS_FIELDS } from "../src/core/privacy.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { ingest } from "../src/pipeline/ingest.ts";
import { ENV_VARIABLES } from "../src/runtime/config.ts";
import { localSource } from "../src/source/local.ts";
import { memoryStore } from "../src/store/memory.ts";
import { generateLogs } from "../src/source/generate.ts";
import { s3Notification, scheduleEvent, sqsEvent } from "./_events.ts";
import { tempDir } from "./_helpers.ts";
import { runScript } from "./_run-script.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// deno-lint-ignore no-explicit-any
const template: any = parse(readFileSync(join(ROOT, "template.yaml"), "utf8"));
const fn = template.Resources.Function.Properties;
const work = tempDir("deploy");
let keys: string[] = [];

before(async () => {
  keys = await generateLogs({
    dir: join(work.dir, "logs"),
    lines: 500,
    days: 1 / 24,
    start: Date.parse("2024-03-01T10:00:00Z"),
    objects: 2,
    seed: 4,
  });
});
after(() => work.cleanup());

test("template.yaml names a handler and environment variables that exist in the code", () => {
  assert.equal(template.Transform, "AWS::Serverless-2016-10-31");
  assert.equal(fn.Handler, "index.handler");
  assert.equal(fn.CodeUri, "dist/lambda");
  const vars = Object.keys(fn.Environment.Variables).filter((v) =>
    v.startsWith("CLOUDFRONT_LETS_")
  );
  assert.ok(vars.length >= 8);
  for (const v of vars) assert.ok(ENV_VARIABLES.includes(v), `${v} is read nowhere in the code`);
  // The SQS trigger reports failures per message and has a dead-letter queue.
  assert.deepEqual(fn.Events.ObjectCreated.Properties.FunctionResponseTypes, [
    "ReportBatchItemFailures",
  ]);
  const queue = template.Resources.Queue.Properties;
  assert.deepEqual(queue.RedrivePolicy.deadLetterTargetArn, {
    "Fn::GetAtt": ["DeadLetterQueue", "Arn"],
  });
  assert.ok(queue.VisibilityTimeout >= 6 * template.Globals.Function.Timeout);
  assert.equal(template.Resources.KinesisMapping.Condition, "UseKinesis");
});

test("least privilege: no wildcard action, and no resource beyond the configured prefixes", () => {
  const statements = fn.Policies.flatMap((p: { Statement: unknown[] }) => p.Statement) as Array<
    { Action: string[]; Resource: unknown }
  >;
  const kinesis = template.Resources.KinesisReadPolicy.Properties.PolicyDocument.Statement;
  for (const s of [...statements, ...kinesis]) {
    for (const a of s.Action) assert.doesNotMatch(a, /\*/, `wildcard action ${a}`);
    const resource = JSON.stringify(s.Resource);
    assert.doesNotMatch(resource, /"\*"|:::\*/, `wildcard resource ${resource}`);
  }
  const objectResources = statements.filter((s) => s.Action.some((a) => a.endsWith("Object")))
    .map((s) => JSON.stringify(s.Resource));
  for (const r of objectResources) {
    assert.match(r, /Prefix\}\/\*/, `objects outside a prefix: ${r}`);
  }
});

test("the bundle: one file that Lambda's Node imports and that handles real events", {
  timeout: 120_000,
}, async () => {
  const built = await runScript("bundle", ["--json"]);
  assert.equal(built.code, 0, built.stderr);
  const report = JSON.parse(built.stdout);
  assert.equal(report.file, "dist/lambda/index.mjs");
  assert.ok(report.bytes > 100_000 && report.bytes < 20_000_000, String(report.bytes));

  const store = join(work.dir, "store");
  const events = [
    sqsEvent([s3Notification("logs", keys)]),
    scheduleEvent("2024-03-01T12:00:00Z"),
    {
      version: "2.0",
      routeKey: "$default",
      rawPath: "/api/sa/traffic/summary",
      rawQueryString: "period=hourly&from=2024-03-01T10:00:00Z&to=2024-03-01T11:00:00Z",
      headers: {
        host: "x.lambda-url.eu-west-1.on.aws",
        "x-api-key": "bundle-key-0123456789abcdef",
      },
      requestContext: {
        domainName: "x.lambda-url.eu-west-1.on.aws",
        http: {
          method: "GET",
          path: "/api/sa/traffic/summary",
          protocol: "HTTP/1.1",
          sourceIp: "203.0.113.9",
          userAgent: "curl",
        },
        requestId: "r",
        routeKey: "$default",
        stage: "$default",
        timeEpoch: 1709290800000,
      },
      isBase64Encoded: false,
    },
  ];
  const script = `
    const { handler } = await import(${JSON.stringify(join(ROOT, "dist/lambda/index.mjs"))});
    const out = [];
    for (const e of ${JSON.stringify(events)}) out.push(await handler(e, {}));
    process.stdout.write("RESULT" + JSON.stringify(out));`;
  const r = spawnSync("node", ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      CLOUDFRONT_LETS_SOURCE: join(work.dir, "logs"),
      CLOUDFRONT_LETS_STORE: store,
      CLOUDFRONT_LETS_NOW: "2024-03-01T12:00:00Z",
      CLOUDFRONT_LETS_API_KEY: "bundle-key-0123456789abcdef",
      CLOUDFRONT_LETS_METRICS_TENANT: "E2EXAMPLE",
    },
  });
  assert.equal(r.status, 0, r.stderr);
  const [sqs, schedule, http] = JSON.parse(r.stdout.slice(r.stdout.indexOf("RESULT") + 6));
  assert.deepEqual(sqs.batchItemFailures, []);
  assert.equal(schedule.runs[0].aggregate.final.hourly, 1);
  assert.equal(http.statusCode, 200);
  const body = JSON.parse(http.body);
  assert.equal(body.summary.requests, 500);
  assert.equal(body.finality.status, "final");
  // The windows the SQS event changed were reported as CloudWatch metrics on stdout.
  const emf = r.stdout.split("\n").filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l));
  assert.deepEqual(emf.map((m) => [m.Tenant, m.Window]).sort(), [
    ["E2EXAMPLE", "2024-03-01-1000"],
    ["E2EXAMPLE", "2024-03-01-1030"],
  ]);
});

test("realtime-logs.yaml selects the kept fields, none an address, and delivers what ingest reads", async () => {
  // deno-lint-ignore no-explicit-any
  const stack: any = parse(readFileSync(join(ROOT, "realtime-logs.yaml"), "utf8"));
  const r = stack.Resources;
  const fields: string[] = r.RealtimeLogConfig.Properties.Fields;
  assert.deepEqual(fields, PRESETS.kept, "the configuration selects the kept preset");
  // The preset is every real-time field a record keeps, in CloudFront's order.
  assert.deepEqual(PRESETS.kept, CANONICAL_FIELDS.filter((f) => KEPT_FIELDS.includes(f)));
  for (const f of fields) {
    assert.ok(!ADDRESS_FIELDS.has(f) && !/cookie|headers/.test(f), `${f} is selected`);
  }
  const s3 = r.Delivery.Properties.ExtendedS3DestinationConfiguration;
  assert.equal(s3.CompressionFormat, "GZIP");
  assert.deepEqual(s3.Prefix, { "Fn::Sub": "${LogPrefix}/" });
  assert.match(s3.ErrorOutputPrefix["Fn::Sub"], /^\$\{LogPrefix\}-errors\//);
  assert.deepEqual(stack.Outputs.Source.Value, { "Fn::Sub": "s3://${LogBucket}/${LogPrefix}" });
  // Encrypted at rest; each role assumable only on behalf of this account.
  assert.deepEqual(r.Stream.Properties.StreamEncryption, {
    EncryptionType: "KMS",
    KeyId: "alias/aws/kinesis",
  });
  assert.deepEqual(
    r.CloudFrontRole.Properties.AssumeRolePolicyDocument.Statement[0].Condition,
    { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
  );
  assert.deepEqual(
    r.FirehoseRole.Properties.AssumeRolePolicyDocument.Statement[0].Condition,
    { StringEquals: { "sts:ExternalId": { Ref: "AWS::AccountId" } } },
  );
  // The prefix the policies name exactly: no slash at an end, no empty segment.
  const prefix = new RegExp(stack.Parameters.LogPrefix.AllowedPattern);
  for (const ok of ["cloudfront-realtime", "logs/cf/E1"]) assert.match(ok, prefix);
  for (const bad of ["", "/logs", "logs/", "a//b", "a b", "a/*"]) assert.doesNotMatch(bad, prefix);
  // Least privilege here too: no wildcard action; S3 writes only under the prefix.
  for (const role of [r.CloudFrontRole, r.FirehoseRole]) {
    for (const p of role.Properties.Policies) {
      for (const st of p.PolicyDocument.Statement) {
        for (const a of st.Action) assert.doesNotMatch(a, /\*/, `wildcard action ${a}`);
        if (st.Action.includes("s3:PutObject")) {
          assert.deepEqual(st.Resource, [
            { "Fn::Sub": "arn:${AWS::Partition}:s3:::${LogBucket}/${LogPrefix}/*" },
            { "Fn::Sub": "arn:${AWS::Partition}:s3:::${LogBucket}/${LogPrefix}-errors/*" },
          ]);
        }
      }
    }
  }
  // Lines of those fields, in an object named as Firehose names it: ingest reads every one
  // with --fields kept, and detect suggests that preset.
  const src = join(work.dir, "logs", keys[0]);
  const columns = fields.map((f) => PRESETS.all.indexOf(f));
  const lines = gunzipSync(readFileSync(src)).toString("utf8").trim().split("\n")
    .map((l) => columns.map((c) => l.split("\t")[c]).join("\t"));
  const queue = join(work.dir, "kept", "cloudfront-realtime", "2024", "03", "01", "10");
  mkdirSync(queue, { recursive: true });
  const name = "cf-rt-1-2024-03-01-10-15-00-0a0a0a0a-0000-4000-8000-000000000001.gz";
  writeFileSync(join(queue, name), gzipSync(lines.join("\n") + "\n"));
  const result = await ingest(makeContext({
    source: localSource(join(work.dir, "kept", "cloudfront-realtime")),
    store: memoryStore(),
    parse: { format: "realtime", fields: PRESETS.kept },
  }));
  assert.equal(result.objects_failed, 0, JSON.stringify(result.failures));
  assert.equal(result.records, lines.length);
  assert.equal(result.malformed, 0);
  assert.match(detectFields(lines.join("\n")).advice, /--fields kept/);
});
