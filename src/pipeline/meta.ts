/**
 * Reading an aggregate's `__meta.json`, checked against its schema.
 * @module
 */
import { type Meta, MetaSchema } from "../core/finality.ts";
import { metaKey } from "../core/keys.ts";
import type { Period } from "../core/windows.ts";
import type { Store } from "../store/store.ts";
import { readStored } from "./stored.ts";

/** The meta of a period, or undefined when it was never aggregated. */
export async function readMeta(
  store: Store,
  period: Period,
  key: string,
): Promise<Meta | undefined> {
  return await readStored(store, metaKey(period, key), MetaSchema);
}
