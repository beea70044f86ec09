/**
 * The dashboard in a real browser: the `serve` script runs as a child process on
 * 127.0.0.1 (Deno.serve under Deno, node:http under Node), Debian's chromium opens the
 * page through playwright-core, the key is typed in, and every figure shown is checked
 * against the API's answer for the fixture queue. A path logged as
 * `/<script>alert(1)</script>` must show as text. A screenshot is saved in .test-tmp/.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "fflate";
import { PRESETS } from "../src/core/fields.ts";
import { makeContext } from "../src/pipeline/context.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { localSource } from "../src/source/local.ts";
import { fsStore } from "../src/store/fs.ts";
import { scriptCommand } from "./_run-script.ts";
import { tempDir } from "./_helpers.ts";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const QUEUE = join(ROOT, "fixtures/queue");
const KEY = "e2e-key-0123456789abcdef";
const XSS = "/<script>alert(1)</script>";
const runtime = "Deno" in globalThis ? "deno" : "node";

// CI installs chromium; elsewhere the test says plainly why it did not run.
const skip = !existsSync(CHROMIUM) && !process.env.CI
  ? `${CHROMIUM} is not installed (apt-get install chromium)`
  : false;

const work = tempDir("e2e");
let server: ChildProcess | undefined;
let url = "";

/** Starts `serve` and resolves with the URL it prints. */
function serve(store: string, source: string): Promise<string> {
  const [cmd, args] = scriptCommand("serve", [
    "--store",
    store,
    "--source",
    source,
    "--port",
    "0",
    "--json",
  ]);
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, CLOUDFRONT_LETS_API_KEY: KEY, NO_COLOR: "1" },
  });
  server = child;
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line).url);
    });
    child.stderr!.on("data", (d) => (err += d));
    child.on("close", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

before(async () => {
  if (skip) return;
  // The fixture queue, plus one object whose path is an attempt at script injection.
  const queue = join(work.dir, "queue");
  cpSync(QUEUE, queue, { recursive: true });
  const sample = readFileSync(
    join(QUEUE, "2024/03/01/10/rt-1-2024-03-01-10-35-00-0a0a0a0a-0000-4000-8000-000000000002.gz"),
  );
  const line = new TextDecoder().decode(sample[0] === 0x1f ? gunzipSync(sample) : sample).split(
    "\n",
  )[0].split("\t");
  line[PRESETS.all.indexOf("cs-uri-stem")] = encodeURIComponent(XSS).replaceAll("%2F", "/");
  mkdirSync(join(queue, "2024/03/01/12"), { recursive: true });
  writeFileSync(
    join(queue, "2024/03/01/12/rt-1-2024-03-01-12-00-00-0a0a0a0a-0000-4000-8000-00000000000f.gz"),
    gzipSync(new TextEncoder().encode(line.join("\t").replace(/^\d+/, "1709294400") + "\n")),
  );
  const store = join(work.dir, "store");
  await runPipeline(makeContext({
    source: localSource(queue),
    store: fsStore(store),
    parse: { format: "realtime", fields: PRESETS.all },
    now: Date.parse("2024-03-02T00:00:00Z"),
  }));
  url = await serve(store, queue);
});

after(() => {
  server?.kill("SIGTERM");
  work.cleanup();
});

async function api(path: string) {
  const res = await fetch(`${url}/api/sa/${path}`, { headers: { "x-api-key": KEY } });
  assert.equal(res.status, 200, path);
  return await res.json();
}

test("the dashboard shows the API's figures, escapes log strings, and browses the store", {
  skip,
  timeout: 120_000,
}, async () => {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      d.dismiss();
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/`);
    await page.fill("#key", KEY);
    await page.click("#login button[type=submit]");
    await page.waitForSelector("body[data-loaded]", { timeout: 30_000 });
    assert.equal(await page.isVisible("#login"), false, "the key form is gone once in");

    // The range the page chose: the days that hold data.
    const from = await page.inputValue("#from");
    const to = await page.inputValue("#to");
    assert.equal(from, "2024-03-01T00:00");
    assert.equal(to, "2024-03-02T00:00");
    const q = `period=daily&from=${from}:00Z&to=${to}:00Z`;
    const summary = await api(`traffic/summary?${q}`);
    const s = summary.summary;
    assert.equal(s.requests, 12); // the 11 fixture records and the injection attempt

    const kpi = async (id: string) => ({
      value: await page.getAttribute(`[data-testid=kpi-${id}]`, "data-value"),
      text: await page.textContent(`[data-testid=kpi-${id}]`),
      finality: await page.getAttribute(`[data-testid=kpi-${id}-finality]`, "data-status"),
    });
    assert.deepEqual(await kpi("requests"), {
      value: String(s.requests),
      text: s.requests.toLocaleString("en-US"),
      finality: summary.finality.status,
    });
    assert.equal((await kpi("bytes")).value, String(s.bytes));
    assert.equal((await kpi("cache-hit-ratio")).value, String(s.cache_hit_ratio));
    assert.equal((await kpi("rate-4xx")).value, String(s.errors_4xx / s.requests));
    assert.equal((await kpi("rate-5xx")).value, String(s.errors_5xx / s.requests));
    assert.equal((await kpi("p95")).value, String(s.time_taken_ms.p95));
    // The queue's truncated gzip stays unread in the queue, so its windows stay open.
    assert.equal(summary.finality.status, "partial");

    const series = await api(`traffic/timeseries?${q}&metric=requests`);
    const bars = await page.$$eval(
      "#chart rect.bar",
      (rects) => rects.map((r) => [r.getAttribute("data-key"), r.getAttribute("data-value")]),
    );
    assert.deepEqual(
      bars,
      series.points.map((p: { key: string; value: number }) => [p.key, String(p.value)]),
    );

    const rows = (sel: string) =>
      page.$$eval(
        `${sel} tr`,
        (trs) =>
          trs.slice(1).map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
      );
    const paths = await api(`traffic/top-paths?${q}&limit=20`);
    assert.deepEqual(
      await rows("#paths"),
      paths.paths.map((
        p: { path: string; requests: number; bytes: number; error: number },
      ) => [
        p.path,
        p.requests.toLocaleString("en-US"),
        p.bytes.toLocaleString("en-US"),
        p.error.toLocaleString("en-US"),
      ]),
    );
    const edges = await api(`traffic/edge-locations?${q}&limit=20`);
    assert.deepEqual(
      await rows("#edges"),
      edges.edge_locations.map((e: { edge_location: string; requests: number }) => [
        e.edge_location,
        e.requests.toLocaleString("en-US"),
      ]),
    );
    const codes = await api(`traffic/status-codes?${q}&limit=20`);
    assert.deepEqual(
      await rows("#codes"),
      codes.status_codes.map((c: { code: string; requests: number }) => [
        c.code,
        c.requests.toLocaleString("en-US"),
      ]),
    );
    assert.ok(codes.status_codes.some((c: { code: string }) => c.code === "000"));

    // The injected path is shown as text: no dialog, no extra script element.
    assert.ok((await rows("#paths")).some((r) => r[0] === XSS), "the path is listed as text");
    assert.deepEqual(dialogs, []);
    assert.equal(await page.$$eval("script", (s) => s.length), 1);
    assert.deepEqual(errors, []);

    // The cache browser: down to a daily aggregate and its content.
    await page.click("[data-dir=sa]");
    await page.click("[data-dir='sa/cloudfront']");
    await page.click("[data-dir='sa/cloudfront/aggregate']");
    await page.click("[data-dir='sa/cloudfront/aggregate/daily']");
    await page.click("[data-dir='sa/cloudfront/aggregate/daily/2024-03-01']");
    await page.click("[data-key='sa/cloudfront/aggregate/daily/2024-03-01/data.json']");
    await page.waitForFunction(() =>
      (document.getElementById("entry")?.textContent ?? "").includes('"requests"')
    );
    const shown = JSON.parse((await page.textContent("#entry")) ?? "{}");
    assert.equal(shown.requests, 12);

    mkdirSync(join(ROOT, ".test-tmp"), { recursive: true });
    const shot = join(ROOT, `.test-tmp/dashboard-${runtime}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(readFileSync(shot).length > 10_000, "the screenshot has content");

    // A failed load shows its error and no stale figures; the next success clears the error.
    assert.equal(await page.isVisible("#error"), false, "no error before one happens");
    await page.fill("#from", to);
    await page.fill("#to", from);
    await page.click("#range button[type=submit]");
    await page.waitForSelector("#error:not([hidden])");
    assert.match((await page.textContent("#error")) ?? "", /before/);
    assert.equal(await page.$$eval("[data-testid^=kpi-]", (e) => e.length), 0, "no stale KPIs");
    assert.equal(await page.$$eval("#chart rect.bar, #paths tr", (e) => e.length), 0);
    assert.equal(await page.getAttribute("body", "data-loaded"), null);
    await page.fill("#from", from);
    await page.fill("#to", to);
    await page.click("#range button[type=submit]");
    await page.waitForSelector("body[data-loaded]");
    assert.equal(await page.isVisible("#error"), false, "the success cleared the error");
    assert.equal(await page.textContent("#error"), "");
    assert.doesNotMatch((await page.textContent("#status")) ?? "", /error/);
    assert.equal((await kpi("requests")).value, String(s.requests));
    assert.deepEqual(errors, []);
    // A wrong key sends the user back to the key form with a message.
    await page.click("#forget");
    await page.fill("#key", "wrong-key-0000000000000");
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#login:not([hidden])");
    assert.match((await page.textContent("#login-error")) ?? "", /not accepted/);
  } finally {
    await browser.close();
  }
});
