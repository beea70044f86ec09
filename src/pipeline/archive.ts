/**
 * Step 4, Archive: every ingested object leaves the live queue for the archive location,
 * in a colder storage class. Copy, verify, then delete: an object is never deleted before
 * its ledger entry (and so its raw data) is stored, nor before its copy is known
 * identical. From S3 to S3 the copy is made by S3 (CopyObject) and verified by its size
 * and MD5 ETag; elsewhere it is read back and compared byte for byte. Re-running after a
 * crash redoes the copy harmlessly.
 * @module
 */
import { ledgerKey } from "../core/keys.ts";
import type { SourceObject } from "../source/source.ts";
import type { Store } from "../store/store.ts";
import type { Context } from "./context.ts";
import { sourceHash } from "./ledger.ts";

/** Default storage class of archived objects. */
export const DEFAULT_STORAGE_CLASS = "GLACIER_IR";

/** The result of an archive run. */
export interface ArchiveResult {
  archived: number;
  bytes: number;
  /** Objects not ingested yet: they stay in the queue. */
  waiting: number;
  failures: Array<{ key: string; error: string }>;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A copy the server does not do (an S3-compatible server without CopyObject): undefined,
 * so that the object is copied by reading and writing instead. Any other refusal stands.
 */
function unlessUnsupported(e: unknown): undefined {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (err.name === "NotImplemented" || err.$metadata?.httpStatusCode === 501) return undefined;
  throw e;
}

/** An ETag that may be the MD5 of the bytes (a single-part upload, not KMS-encrypted). */
const MD5_ETAG = /^[0-9a-f]{32}$/;

/** Copies `obj` into `target`, verified; resolves with its size. @throws when they differ */
async function copyVerified(
  ctx: Context,
  target: Store,
  obj: SourceObject,
  storageClass: string,
): Promise<number> {
  const mismatch = () =>
    new Error(`the archived copy in ${target.name} does not match; original kept`);
  const from = ctx.source.locate?.(obj.key, obj.version);
  const copy = from && target.copyFrom
    ? await target.copyFrom(from, obj.key, { storageClass }).catch(unlessUnsupported)
    : undefined;
  if (from && copy) {
    if (copy.size !== obj.size) throw mismatch();
    // Equal MD5-like ETags: the same bytes. Different ones prove nothing (KMS encryption
    // gives ETags that are no MD5, a multipart upload too): the bytes are compared then.
    if (from.etag !== undefined && MD5_ETAG.test(from.etag) && copy.etag === from.etag) {
      return copy.size;
    }
    const [body, back] = await Promise.all([
      ctx.source.read(obj.key, obj.version),
      target.get(obj.key),
    ]);
    if (!back || !equalBytes(back, body)) throw mismatch();
    return copy.size;
  }
  const body = await ctx.source.read(obj.key, obj.version);
  await target.put(obj.key, body, { storageClass });
  const back = await target.get(obj.key);
  if (!back || !equalBytes(back, body)) throw mismatch();
  return body.length;
}

/** Moves every ingested object of the source into `target`. */
export async function archive(
  ctx: Context,
  target: Store,
  storageClass = DEFAULT_STORAGE_CLASS,
): Promise<ArchiveResult> {
  const result: ArchiveResult = { archived: 0, bytes: 0, waiting: 0, failures: [] };
  const objects = [];
  for await (const obj of ctx.source.list()) objects.push(obj);
  for (const obj of objects) {
    if ((await ctx.store.get(ledgerKey(sourceHash(obj)))) === undefined) {
      result.waiting++;
      continue;
    }
    try {
      const size = await copyVerified(ctx, target, obj, storageClass);
      await ctx.source.delete(obj.key);
      result.archived++;
      result.bytes += size;
      ctx.log(`archived ${obj.key} → ${target.name} (${storageClass})`);
    } catch (e) {
      result.failures.push({ key: obj.key, error: (e as Error).message });
      ctx.log(`FAILED to archive ${obj.key}: ${(e as Error).message}`);
    }
  }
  return result;
}
