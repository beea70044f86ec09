/**
 * Reading what earlier steps stored. A stored input that is not valid JSON or fails its
 * schema is a {@link StoredDataError} naming its key: it fails what needs it (a period
 * and the periods above it, a range in the API), and nothing else.
 * @module
 */
import * as v from "valibot";
import { getJson, type Store } from "../store/store.ts";

/** A stored input (a summary, an aggregate, a meta) that fails validation. */
export class StoredDataError extends Error {
  override name = "StoredDataError";
}

/** A stored input checked against its schema. @throws StoredDataError naming the key */
export function parseStored<S extends v.GenericSchema>(
  schema: S,
  key: string,
  json: unknown,
): v.InferOutput<S> {
  const r = v.safeParse(schema, json);
  if (r.success) return r.output;
  const issue = r.issues[0];
  const where = (issue.path ?? []).map((p) => String(p.key)).join(".");
  throw new StoredDataError(
    `${key} is not valid${where ? ` at ${where}` : ""}: ${issue.message}`,
  );
}

/**
 * The stored value of `key` checked against `schema`, or undefined when there is none.
 * @throws StoredDataError when it is not JSON or does not fit
 */
export async function readStored<S extends v.GenericSchema>(
  store: Store,
  key: string,
  schema: S,
): Promise<v.InferOutput<S> | undefined> {
  let json: unknown;
  try {
    json = await getJson(store, key);
  } catch (e) {
    if (e instanceof SyntaxError || /not valid JSON/.test((e as Error).message)) {
      throw new StoredDataError(`${key} is not valid JSON`);
    }
    throw e;
  }
  return json === undefined ? undefined : parseStored(schema, key, json);
}

const decoder = new TextDecoder();

/** Stored bytes of `key` checked against `schema`. @throws StoredDataError naming the key */
export function parseStoredBytes<S extends v.GenericSchema>(
  schema: S,
  key: string,
  bytes: Uint8Array,
): v.InferOutput<S> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new StoredDataError(`${key} is not valid JSON`);
  }
  return parseStored(schema, key, json);
}
