/**
 * The Store: the project's cache service, mapping string keys to bytes. Every step reads
 * and writes only through it, so the same pipeline runs on memory, a directory or S3.
 * @module
 */

import type { S3Object } from "./s3-location.ts";

/** Options for a write. */
export interface PutOptions {
  contentType?: string;
  /** S3 storage class (archive uses a colder one); ignored by local backends. */
  storageClass?: string;
}

/** One listed key. */
export interface StoreEntry {
  key: string;
  size: number;
}

/** What a server-side copy made: the copy's size and ETag, as S3 reports them. */
export interface CopyResult {
  size: number;
  etag: string;
}

/** A key-value store of bytes. Writes of one key are atomic: readers see old or new. */
export interface Store {
  /** For messages: `memory`, a directory path, or `s3://bucket/prefix`. */
  readonly name: string;
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every key under `prefix` (recursively), in lexicographic order. */
  list(prefix: string): AsyncIterable<StoreEntry>;
  /**
   * One level of the tree under `dir` (`""` or a prefix ending in `/`): the names of its
   * sub-directories and its keys, each sorted. For browsing: it never walks the subtree.
   */
  browse(dir: string): Promise<Listing>;
  /**
   * S3 stores only: copies an object of S3 into `key` inside S3, so that no byte passes
   * through this process; refused (412) when the object no longer has the ETag `etag`.
   */
  copyFrom?(
    from: S3Object & { etag?: string },
    key: string,
    options?: PutOptions,
  ): Promise<CopyResult>;
}

/** One level of the store's tree. */
export interface Listing {
  dirs: string[];
  files: StoreEntry[];
}

/** Throws {@link InvalidKeyError} unless `dir` is `""` or a valid key followed by `/`. */
export function assertDir(dir: string): void {
  if (dir === "") return;
  if (!dir.endsWith("/")) {
    throw new InvalidKeyError(`invalid store directory: ${JSON.stringify(dir)}`);
  }
  assertKey(dir.slice(0, -1));
}

/** The store refused a key that could leave it (`..`, absolute, backslashes, NUL). */
export class InvalidKeyError extends Error {
  override name = "InvalidKeyError";
}

/**
 * The store changed underfoot while a call used it: another run removed or renamed a file
 * or directory between two of the call's steps. Not a bug, and not the caller's input: the
 * call can be retried.
 */
export class StoreConflictError extends Error {
  override name = "StoreConflictError";
}

/** Throws {@link InvalidKeyError} unless `key` is a plain relative slash-separated path. */
export function assertKey(key: string): void {
  const bad = key === "" || key.startsWith("/") || key.includes("\\") || key.includes("\0") ||
    key.split("/").some((seg) => seg === ".." || seg === "." || seg === "");
  if (bad) throw new InvalidKeyError(`invalid store key: ${JSON.stringify(key)}`);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads and parses a JSON value, or undefined when the key is absent. */
export async function getJson(store: Store, key: string): Promise<unknown> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new Error(`${store.name}: ${key} is not valid JSON (${(e as Error).message})`);
  }
}

/** Writes a value as JSON. */
export function putJson(store: Store, key: string, value: unknown): Promise<void> {
  return store.put(key, encoder.encode(JSON.stringify(value)), {
    contentType: "application/json",
  });
}

/** Collects a listing into an array. */
export async function listAll(store: Store, prefix: string): Promise<StoreEntry[]> {
  const out: StoreEntry[] = [];
  for await (const e of store.list(prefix)) out.push(e);
  return out;
}
