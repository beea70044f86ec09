/**
 * The ingest ledger: one entry per ingested source object, written after all of its raw
 * parts. Its presence is what "ingested" means, for consolidation (which ignores raw
 * parts without a ledger entry), for finality and for archive.
 * @module
 */
import { createHash } from "node:crypto";
import * as v from "valibot";
import { ledgerKey } from "../core/keys.ts";
import type { SourceObject } from "../source/source.ts";
import { getJson, type Store } from "../store/store.ts";

/** A ledger entry. */
export const LedgerSchema = v.object({
  key: v.string(),
  version: v.string(),
  hash: v.string(),
  size: v.number(),
  records: v.number(),
  malformed: v.number(),
  /** Window start (ISO) → number of raw parts written for it. */
  windows: v.record(v.string(), v.number()),
});
/** A ledger entry. */
export type Ledger = v.InferOutput<typeof LedgerSchema>;

/** The identity of a source object's content: a hash of its key and version. */
export function sourceHash(obj: Pick<SourceObject, "key" | "version">): string {
  // node:crypto (Node, Deno and Lambda have it): WebCrypto's digest is a job on another
  // thread, costing more than the hash of these few bytes once per object.
  const digest = createHash("sha256").update(`${obj.key}\n${obj.version}`, "utf8").digest("hex");
  return digest.slice(0, 24);
}

/** The ledger entry of a hash, or undefined when that object was never fully ingested. */
export async function readLedger(store: Store, hash: string): Promise<Ledger | undefined> {
  const json = await getJson(store, ledgerKey(hash));
  return json === undefined ? undefined : v.parse(LedgerSchema, json);
}
