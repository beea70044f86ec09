/**
 * Step 4, Archive: every ingested object leaves the live queue for the archive location,
 * in a colder storage class. Copy, verify byte for byte, then delete: an object is never
 * deleted before its ledger entry (and so its raw data) is stored, nor before its copy
 * reads back identical. Re-running after a crash redoes the copy harmlessly.
 * @module
 */
import { ledgerKey } from "../core/keys.ts";
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
    if ((await ctx.store.get(ledgerKey(await sourceHash(obj)))) === undefined) {
      result.waiting++;
      continue;
    }
    try {
      const body = await ctx.source.read(obj.key, obj.version);
      await target.put(obj.key, body, { storageClass });
      const copy = await target.get(obj.key);
      if (!copy || !equalBytes(copy, body)) {
        throw new Error(`the archived copy in ${target.name} does not match; original kept`);
      }
      await ctx.source.delete(obj.key);
      result.archived++;
      result.bytes += body.length;
      ctx.log(`archived ${obj.key} → ${target.name} (${storageClass})`);
    } catch (e) {
      result.failures.push({ key: obj.key, error: (e as Error).message });
      ctx.log(`FAILED to archive ${obj.key}: ${(e as Error).message}`);
    }
  }
  return result;
}
