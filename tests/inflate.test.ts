import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "fflate";
import { GzipError } from "../src/core/gzip.ts";
import { threadGunzip, zlibGunzip, zlibGunzipBytes } from "../src/source/inflate.ts";

/** Text that gzip shrinks only about twofold, so that input and output sizes stay close. */
function hexText(bytes: number, seed = 1): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed;
  for (let i = 0; i < bytes; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = i % 80 === 79 ? 10 : "0123456789abcdef".charCodeAt(x >>> 28);
  }
  return out;
}

/** A stream of `bytes` in chunks of `chunk`, counting what has been pulled from it. */
function counted(bytes: Uint8Array, chunk = 64 * 1024) {
  const seen = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (seen.pulled >= bytes.length) return c.close();
      c.enqueue(bytes.slice(seen.pulled, seen.pulled + chunk));
      seen.pulled = Math.min(bytes.length, seen.pulled + chunk);
    },
  }, { highWaterMark: 0 });
  return { stream, seen };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

const text = hexText(16 * 1024 * 1024);
const gz = gzipSync(text, { level: 1 });

for (const [name, engine] of Object.entries({ zlib: zlibGunzip, thread: threadGunzip })) {
  test(`inflate (${name}): many megabytes come out whole, in order`, async () => {
    const out = await readAll(counted(gz).stream.pipeThrough(engine()));
    assert.equal(out.length, text.length);
    assert.ok(out.every((b, i) => b === text[i]), "the text differs");
  });

  test(`inflate (${name}): a reader that stops holds the input back`, async () => {
    const { stream, seen } = counted(gz);
    const reader = stream.pipeThrough(engine()).getReader();
    assert.equal((await reader.read()).done, false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The engines read ahead a few MiB of text at most, never the whole input.
    assert.ok(seen.pulled < gz.length / 2, `pulled ${seen.pulled} of ${gz.length} bytes`);
    await reader.cancel();
  });
}

test("inflate (thread): streams share the thread, a cancelled one leaves the others whole", async () => {
  const a = hexText(3 * 1024 * 1024, 2);
  const b = hexText(5 * 1024 * 1024, 3);
  const cancelled = counted(gzipSync(hexText(4 * 1024 * 1024, 4))).stream
    .pipeThrough(threadGunzip()).getReader();
  await cancelled.read();
  const [outA, outB] = await Promise.all([
    readAll(counted(gzipSync(a)).stream.pipeThrough(threadGunzip())),
    readAll(counted(gzipSync(b)).stream.pipeThrough(threadGunzip())),
    cancelled.cancel(),
  ]);
  assert.deepEqual(outA, a);
  assert.deepEqual(outB, b);
  const again = await readAll(counted(gzipSync(a)).stream.pipeThrough(threadGunzip()));
  assert.deepEqual(again, a);
});

test("inflate (thread): a truncated stream fails with zlib's reason", async () => {
  const cut = gzipSync(hexText(1024 * 1024)).subarray(0, 200_000);
  await assert.rejects(
    readAll(counted(cut).stream.pipeThrough(threadGunzip())),
    /unexpected end of file/,
  );
});

test("inflate (whole): every member, bounded output, a truncated file is a GzipError", () => {
  const a = hexText(100_000, 2);
  const b = hexText(50_000, 3);
  const two = new Uint8Array([...gzipSync(a), ...gzipSync(b)]);
  assert.deepEqual(zlibGunzipBytes(two, 1 << 20), new Uint8Array([...a, ...b]));
  // Past the limit the caller is told to stream it (a gzip bomb is not inflated in memory).
  assert.equal(zlibGunzipBytes(gzipSync(new Uint8Array(10_000_000)), 1_000_000), undefined);
  const one = gzipSync(a);
  assert.throws(() => zlibGunzipBytes(one.subarray(0, one.length - 100), 1 << 20), GzipError);
  assert.throws(() => zlibGunzipBytes(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), 1 << 20), GzipError);
});
