/**
 * Reading an aggregate's `__meta.json`, checked against its schema.
 * @module
 */
import * as v from "valibot";
import { type Meta, MetaSchema } from "../core/finality.ts";
import { metaKey } from "../core/keys.ts";
import type { Period } from "../core/windows.ts";
import { getJson, type Store } from "../store/store.ts";

/** The meta of a period, or undefined when it was never aggregated. */
export async function readMeta(
  store: Store,
  period: Period,
  key: string,
): Promise<Meta | undefined> {
  const json = await getJson(store, metaKey(period, key));
  return json === undefined ? undefined : v.parse(MetaSchema, json);
}
