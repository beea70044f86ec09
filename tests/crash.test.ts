/**
 * Crash safety with real kills: a child process running the pipeline is SIGKILLed in the
 * middle of ingest, of consolidate and of aggregate; a re-run must give the aggregates of
 * a clean run, byte for byte (apart from computed_at).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { generateLogs } from "../src/source/generate.ts";
import { aggregatesOf, readTree, tempDir } from "./_helpers.ts";
import { runAndKill, runScript } from "./_run-script.ts";

const NOW = "2024-03-04T00:00:00Z";
let logs: ReturnType<typeof tempDir>;
let clean: Record<string, string>;

before(async () => {
  logs = tempDir("crash-logs");
  // Enough work that every step takes a while: 2 days, 192 objects.
  await generateLogs({
    dir: logs.dir,
    lines: 60_000,
    days: 2,
    start: Date.parse("2024-03-01T00:00:00Z"),
    seed: 9,
  });
  const store = tempDir("crash-clean");
  const r = await runScript("pipeline", ["--source", logs.dir, "--store", store.dir, "--now", NOW]);
  assert.equal(r.code, 0, r.stderr);
  clean = aggregatesOf(readTree(store.dir));
  assert.ok(Object.keys(clean).length > 100);
  store.cleanup();
});
after(() => logs.cleanup());

for (
  const [step, when] of [
    // The first progress line comes after the first object, with three more in flight.
    ["ingest", /ingest: 1\/\d+ objects/],
    ["consolidate", /consolidated 50\//],
    ["aggregate", /aggregated 30min/],
  ] as const
) {
  test(`killed during ${step}, then re-run: same aggregates as a clean run`, async () => {
    const store = tempDir(`crash-${step}`);
    try {
      const args = ["--source", logs.dir, "--store", store.dir, "--now", NOW];
      assert.ok(
        await runAndKill("pipeline", args, when),
        `the process finished before the kill during ${step}`,
      );
      const r = await runScript("pipeline", args);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(aggregatesOf(readTree(store.dir)), clean);
    } finally {
      store.cleanup();
    }
  });
}
