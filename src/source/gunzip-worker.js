// @ts-check
/**
 * The gunzip thread's body (see `threadGunzip` in inflate.ts): `node:zlib` streams, one
 * per session, on a thread of their own. Plain JavaScript, so that a thread runs it as it
 * is: a web Worker under Deno, a `node:worker_threads` Worker under Node.
 *
 * Messages in and out are {@link GunzipRequest} and {@link GunzipReply}.
 * @module
 */
import { parentPort } from "node:worker_threads";
import { createGunzip } from "node:zlib";

/** @typedef {import("./inflate.ts").GunzipRequest} GunzipRequest */
/** @typedef {import("./inflate.ts").GunzipReply} GunzipReply */

/** @type {(m: GunzipReply, transfer: ArrayBuffer[]) => void} */
const post = parentPort
  ? (m, transfer) => parentPort?.postMessage(m, transfer)
  : (m, transfer) => self.postMessage(m, { transfer });
/** @param {(m: GunzipRequest) => void} handle */
const listen = (handle) =>
  parentPort
    ? parentPort.on("message", handle)
    : self.addEventListener("message", (e) => handle(/** @type {MessageEvent} */ (e).data));

/** @type {Map<number, import("node:zlib").Gunzip>} */
const sessions = new Map();

/** @param {number} id @param {number} chunkSize */
function open(id, chunkSize) {
  const gz = createGunzip({ chunkSize });
  gz.on("data", (/** @type {Uint8Array} */ c) => {
    // zlib writes its next output into the rest of a partly filled buffer: give away only
    // a buffer the chunk fills, copy any other.
    const out = c.byteOffset === 0 && c.byteLength === c.buffer.byteLength
      ? new Uint8Array(c.buffer)
      : new Uint8Array(c);
    post({ id, out }, [/** @type {ArrayBuffer} */ (out.buffer)]);
  });
  gz.on("end", () => {
    sessions.delete(id);
    post({ id, done: true }, []);
  });
  gz.on("error", (/** @type {Error} */ e) => {
    sessions.delete(id);
    post({ id, error: e.message }, []);
  });
  sessions.set(id, gz);
}

listen((m) => {
  if ("open" in m) return open(m.id, m.open);
  const gz = sessions.get(m.id);
  if (!gz) return; // failed or cancelled already
  if ("chunk" in m) gz.write(m.chunk, () => post({ id: m.id, consumed: true }, []));
  else if ("end" in m) gz.end();
  else {
    sessions.delete(m.id);
    gz.destroy();
  }
});
