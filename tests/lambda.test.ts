/**
 * The AWS Lambda entry point, invoked with events shaped as API Gateway HTTP APIs
 * (payload 2.0) and Lambda Function URLs deliver them: the same app, the same answers as
 * `app.request()`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { createApp } from "../src/api/app.ts";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { generateLogs } from "../src/source/generate.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import type { LambdaEvent } from "hono/aws-lambda";
import { handler, lambdaHandler } from "../src/runtime/lambda.ts";
import { tempDir } from "./_helpers.ts";

const KEY = "lambda-key-0123456789abcdef";
const work = tempDir("lambda");
const logs = `${work.dir}/logs`;
const storeDir = `${work.dir}/store`;

before(async () => {
  await generateLogs({
    dir: logs,
    lines: 1000,
    days: 1,
    start: Date.parse("2024-03-01T00:00:00Z"),
    objects: 4,
    seed: 5,
  });
  await runPipeline(makeContext({
    source: localSource(logs),
    store: fsStore(storeDir),
    parse: { format: "realtime", fields: PRESETS.all },
    now: Date.parse("2024-03-02T01:00:00Z"),
  }));
});
after(() => work.cleanup());

/** An API Gateway HTTP API (v2) event, or a Function URL event with `functionUrl`. */
function event(
  method: string,
  path: string,
  query = "",
  headers: Record<string, string> = {},
  functionUrl = false,
): LambdaEvent {
  const domainName = functionUrl
    ? "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws"
    : "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: query,
    cookies: [],
    headers: {
      accept: "application/json",
      host: domainName,
      "user-agent": "curl/8.4.0",
      "x-amzn-trace-id": "Root=1-65e1a2b3-0123456789abcdef01234567",
      "x-forwarded-for": "203.0.113.9",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
      ...headers,
    },
    queryStringParameters: query ? Object.fromEntries(new URLSearchParams(query)) : undefined,
    requestContext: {
      accountId: functionUrl ? "anonymous" : "123456789012",
      apiId: functionUrl ? "abcdefghijklmnopqrstuvwxyz012345" : "a1b2c3d4e5",
      domainName,
      domainPrefix: domainName.split(".")[0],
      http: {
        method,
        path,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.9",
        userAgent: "curl/8.4.0",
      },
      requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      routeKey: "$default",
      stage: "$default",
      time: "01/Mar/2024:10:00:00 +0000",
      timeEpoch: 1709287200000,
    },
    isBase64Encoded: false,
    // AWS leaves `body` out of a request without one; the adapter's type wants the key.
  } as unknown as LambdaEvent;
}

const deps = () => ({
  store: fsStore(storeDir),
  source: localSource(logs),
  apiKeys: [KEY],
  pipeline: { parse: { format: "realtime" as const, fields: PRESETS.all } },
  log: () => {},
});

for (const functionUrl of [false, true]) {
  const kind = functionUrl ? "Function URL" : "API Gateway v2";
  test(`${kind} events: the same answers as app.request()`, async () => {
    const invoke = lambdaHandler(deps());
    const app = createApp(deps());
    const query = "period=hourly&from=2024-03-01T00:00:00Z&to=2024-03-02T00:00:00Z";
    const res = await invoke(
      event("GET", "/api/sa/traffic/timeseries", query, { "x-api-key": KEY }, functionUrl),
    );
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers?.["content-type"]), /application\/json/);
    const direct = await app.request(`/api/sa/traffic/timeseries?${query}`, {
      headers: { "x-api-key": KEY },
    });
    assert.deepEqual(JSON.parse(res.body), await direct.json());
    assert.equal(JSON.parse(res.body).points.length, 24);

    const denied = await invoke(event("GET", "/api/sa/traffic/summary", "", {}, functionUrl));
    assert.equal(denied.statusCode, 401);
    assert.equal(JSON.parse(denied.body).error.code, "unauthorized");

    const health = await invoke(event("GET", "/healthz", "", {}, functionUrl));
    assert.deepEqual([health.statusCode, JSON.parse(health.body)], [200, { status: "ok" }]);

    const page = await invoke(event("GET", "/", "", { accept: "text/html" }, functionUrl));
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>cloudfront-lets<\/title>/);
    const script = await invoke(event("GET", "/dashboard.js", "", {}, functionUrl));
    assert.match(script.body, /sessionStorage/);

    const step = await invoke(
      event(
        "POST",
        "/api/sa/cloudfront/aggregate",
        "now=2024-03-02T01:00:00Z",
        { "x-api-key": KEY, "content-length": "0" },
        functionUrl,
      ),
    );
    assert.equal(step.statusCode, 200, step.body);
    const computed = JSON.parse(step.body).result.computed;
    assert.equal(computed.daily, 0); // final: never recomputed
    assert.equal(computed.monthly, 1); // March is open until its last day ends

    const bad = await invoke(
      event("GET", "/api/sa/cache/entry/..%2F..%2Fetc%2Fpasswd", "", { "x-api-key": KEY }),
    );
    assert.equal(bad.statusCode, 400);
  });
}

test("the deployed handler builds its app from CLOUDFRONT_LETS_* variables", async () => {
  const saved = { ...process.env };
  try {
    process.env.CLOUDFRONT_LETS_STORE = storeDir;
    process.env.CLOUDFRONT_LETS_SOURCE = logs;
    process.env.CLOUDFRONT_LETS_API_KEY = `other-key-0123456789,${KEY}`;
    const res = await handler(
      event("GET", "/api/sa/traffic/summary", "period=daily&from=2024-03-01&to=2024-03-02", {
        authorization: `Bearer ${KEY}`,
      }),
    );
    assert.equal(res.statusCode, 200);
    assert.equal(JSON.parse(res.body).summary.requests, 1000);
  } finally {
    process.env = saved;
  }
});
