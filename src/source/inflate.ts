/**
 * Gunzip on `node:zlib`, which Node, Deno and Lambda all have. It is the fast engine: with
 * large output chunks it inflates 3–6× faster than the web `DecompressionStream`
 * (measured in README's Performance section). It reads every member of a concatenated
 * gzip file and fails on a truncated one.
 *
 * Node inflates on a libuv thread by itself; Deno's `node:zlib` inflates on the calling
 * thread, so under Deno {@link fastGunzip} runs it on a worker thread of its own (as Node
 * does), which takes about 0.5 s per million lines off the parser's thread.
 * @module
 */
import { Worker as NodeWorker } from "node:worker_threads";
import { createGunzip, gunzipSync } from "node:zlib";
import { GzipError, type Inflate, type InflateBytes } from "../core/gzip.ts";

/**
 * Output chunk size. Node inflates on another thread, but each chunk needs a turn of this
 * thread's event loop before the next one is started, so zlib stalls while a chunk is
 * parsed: 1 MiB chunks halve the parser's waits against 256 KiB (measured: 0.18 s against
 * 0.34 s per million lines), and still stream.
 */
const CHUNK = 1024 * 1024;
/** Output chunks zlib may inflate ahead of the reader (8 MiB). */
const READ_AHEAD = 8;

/** A web TransformStream that gunzips with `node:zlib`. */
export function zlibGunzip(): TransformStream<Uint8Array, Uint8Array> {
  const gz = createGunzip({ chunkSize: CHUNK });
  let failed: Error | undefined;
  let ended: Promise<void>;
  return new TransformStream<Uint8Array, Uint8Array>(
    {
      start(controller) {
        gz.on("data", (chunk: Uint8Array) => {
          try {
            controller.enqueue(chunk);
          } catch {
            // The reader cancelled: what zlib still has in hand is no one's.
            gz.destroy();
          }
        });
        ended = new Promise<void>((resolve, reject) => {
          gz.on("end", resolve);
          gz.on("error", (e: Error) => {
            failed = e;
            reject(e);
          });
        });
        ended.catch(() => {}); // observed by transform/flush
      },
      transform(chunk) {
        if (failed) throw failed;
        // Wait until zlib has taken the chunk in (at most one input chunk is in flight), or
        // has failed: after an error Node may never call the write back.
        return Promise.race([
          new Promise<void>((resolve, reject) => {
            gz.write(chunk, (e) => (e ? reject(e) : failed ? reject(failed) : resolve()));
          }),
          ended,
        ]);
      },
      async flush() {
        gz.end();
        await ended;
      },
    },
    undefined,
    { highWaterMark: READ_AHEAD },
  );
}

/** A message to the gunzip thread (gunzip-worker.js); `open` is the output chunk size. */
export type GunzipRequest =
  | { id: number; open: number }
  | { id: number; chunk: Uint8Array }
  | { id: number; end: true }
  | { id: number; cancel: true };

/**
 * A message from the gunzip thread: text (transferred), `consumed` once per input chunk
 * after its text, then `done` or `error`.
 */
export type GunzipReply =
  | { id: number; out: Uint8Array }
  | { id: number; consumed: true }
  | { id: number; done: true }
  | { id: number; error: string };

/** The gunzip thread as this runtime runs one. */
interface Thread {
  post(m: GunzipRequest, transfer: ArrayBuffer[]): void;
  /** Whether the thread keeps the process alive (a web Worker always does until stopped). */
  hold(on: boolean): void;
  stop(): void;
}

/**
 * Starts the thread: a web Worker where there is one (Deno; its `node:worker_threads`
 * moves data about ten times slower), else a `node:worker_threads` Worker (Node).
 */
function startThread(onReply: (m: GunzipReply) => void, onError: (e: Error) => void): Thread {
  const body = new URL("./gunzip-worker.js", import.meta.url);
  if (typeof Worker === "function") {
    const w = new Worker(body.href, { type: "module" });
    w.onmessage = (e: MessageEvent<GunzipReply>) => onReply(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      onError(new Error(e.message));
    };
    return {
      post: (m, transfer) => w.postMessage(m, transfer),
      hold: () => {},
      stop: () => w.terminate(),
    };
  }
  const w = new NodeWorker(body);
  w.on("message", onReply);
  w.on("error", onError);
  return {
    post: (m, transfer) => w.postMessage(m, transfer),
    hold: (on) => (on ? w.ref() : w.unref()),
    stop: () => void w.terminate(),
  };
}

/**
 * The thread's output chunk size. Smaller than {@link CHUNK}: a chunk crosses threads
 * without a turn of anyone's event loop, and garbage buffers wait in two heaps here, not
 * one (measured under Deno, 1M lines: peak RSS 190–200 MB against 250–280 MB with 1 MiB
 * chunks, at the same speed).
 */
const THREAD_CHUNK = 256 * 1024;
/** Input handed to the thread at once. */
const SLICE = 256 * 1024;
/** Input slices the thread may hold: one inflating, one waiting. */
const IN_FLIGHT = 2;

/** Per open stream, what its replies go to. */
const sessions = new Map<number, (m: GunzipReply) => void>();
let thread: Thread | undefined;
let nextId = 0;
let idle: ReturnType<typeof setTimeout> | undefined;
/**
 * How long the thread outlives its last stream: long enough to carry on to a run's next
 * object (a thread takes about 45 ms to start), short enough not to delay the exit.
 */
const IDLE_MS = 50;

function openSession(onReply: (m: GunzipReply) => void): { id: number; thread: Thread } {
  clearTimeout(idle);
  thread ??= startThread(
    (m) => sessions.get(m.id)?.(m),
    (e) => {
      const waiting = [...sessions];
      thread = undefined;
      for (const [id, s] of waiting) s({ id, error: `gunzip thread: ${e.message}` });
    },
  );
  const id = nextId++;
  sessions.set(id, onReply);
  thread.hold(true);
  return { id, thread };
}

function closeSession(id: number): void {
  sessions.delete(id);
  if (sessions.size > 0) return;
  thread?.hold(false);
  clearTimeout(idle);
  idle = setTimeout(() => {
    thread?.stop();
    thread = undefined;
  }, IDLE_MS);
}

/**
 * Gunzips with `node:zlib` on a thread of its own: this thread only hands chunks over.
 * Input goes over in {@link SLICE}s, at most {@link IN_FLIGHT} at a time, and only while
 * the reader's queue ({@link READ_AHEAD} chunks) has room. Cancelling either side ends the
 * thread's stream.
 */
export function threadGunzip(): ReadableWritablePair<Uint8Array, Uint8Array> {
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  let finished: () => void;
  let text!: ReadableStreamDefaultController<Uint8Array>;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const { id, thread } = openSession((m) => {
    if ("out" in m) text.enqueue(m.out);
    else if ("consumed" in m) inFlight--;
    else {
      closeSession(id);
      if ("error" in m) {
        failed = new Error(m.error);
        text.error(failed);
      } else text.close();
      finished();
    }
    wake?.();
    wake = undefined;
  });
  thread.post({ id, open: THREAD_CHUNK }, []);
  const cancel = () => {
    if (!sessions.has(id)) return;
    thread.post({ id, cancel: true }, []);
    closeSession(id);
    finished();
    wake?.();
  };
  const readable = new ReadableStream<Uint8Array>(
    {
      start: (c) => void (text = c),
      pull: () => {
        wake?.();
        wake = undefined;
      },
      cancel,
    },
    { highWaterMark: READ_AHEAD },
  );
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      // In slices: the text of one slice (about ten times its size) is what the thread
      // may inflate ahead of the reader.
      for (let at = 0; at < chunk.length; at += SLICE) {
        while (
          !failed && sessions.has(id) && (inFlight >= IN_FLIGHT || text.desiredSize! <= 0)
        ) {
          await new Promise<void>((resolve) => (wake = resolve));
        }
        if (failed) throw failed;
        if (!sessions.has(id)) throw new Error("gunzip stream cancelled");
        const slice = chunk.slice(at, at + SLICE); // a copy: the caller keeps its buffer
        thread.post({ id, chunk: slice }, [slice.buffer as ArrayBuffer]);
        inFlight++;
      }
    },
    async close() {
      if (sessions.has(id)) thread.post({ id, end: true }, []);
      await done;
      if (failed) throw failed;
    },
    abort: cancel,
  });
  return { readable, writable };
}

/** The fastest engine here: zlib on a thread of its own in both runtimes. */
export const fastGunzip: Inflate = "Deno" in globalThis ? threadGunzip : zlibGunzip;

/**
 * Gunzip of a whole small object with `node:zlib` on the calling thread, every member
 * read. Its output is bounded: past `limit`, zlib stops and the object is streamed.
 */
export const zlibGunzipBytes: InflateBytes = (gz, limit) => {
  try {
    const text = gunzipSync(gz, { maxOutputLength: limit });
    return new Uint8Array(text.buffer, text.byteOffset, text.byteLength);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") return undefined;
    throw new GzipError((e as Error).message);
  }
};
