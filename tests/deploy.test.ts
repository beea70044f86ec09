/**
 * The deployment: template.yaml parses, names a handler and environment variables that
 * exist in the code, grants no wildcard; the bundle script builds the single-file
 * artifact, and that artifact, imported by a fresh Node process as Lambda would, handles
 * an SQS event, a schedule and an HTTP request.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { ENV_VARIABLES } from "../src/runtime/config.ts";
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
      CLOUDFRONT_LETS_TENANT: "E2EXAMPLE",
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
