/**
 * The LogSource: the live queue of CloudFront log objects. An object in it is either
 * waiting to be ingested or ingested and waiting to be archived; archive removes it.
 * @module
 */

import type { S3Object } from "../store/s3-location.ts";

/** One log object in the queue. */
export interface SourceObject {
  /** Key relative to the source root, slash-separated. */
  key: string;
  size: number;
  /** Changes when the content changes: the ETag on S3, a content hash on disk. */
  version: string;
  /** Epoch ms of the last write. */
  lastModified: number;
}

/** A place log objects arrive in. */
export interface LogSource {
  /** For messages: a directory path or `s3://bucket/prefix`. */
  readonly name: string;
  list(): AsyncIterable<SourceObject>;
  /** One object as `list` would show it, or undefined when it is not (or no longer) there. */
  stat(key: string): Promise<SourceObject | undefined>;
  /**
   * Streams an object's bytes. With `version`, the read fails (a {@link VersionChangedError}
   * on the stream) when the object was replaced since it was listed, so that content is
   * never recorded, archived or deleted under another version's identity.
   */
  open(key: string, version?: string): Promise<ReadableStream<Uint8Array>>;
  /** An object's bytes; `version` as for {@link open}. */
  read(key: string, version?: string): Promise<Uint8Array>;
  delete(key: string): Promise<void>;
  /**
   * S3 sources only: where an object lives, for a server-side copy (see Store.copyFrom),
   * with the ETag that `version` stands for when it is one.
   */
  locate?(key: string, version?: string): S3Object & { etag?: string };
}

/** Log objects are everything but hidden files and our own markers. */
export function isLogKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf("/") + 1);
  return name !== "" && !name.startsWith(".") && !key.split("/").some((s) => s.startsWith("."));
}

/** The object changed between listing and reading. */
export class VersionChangedError extends Error {
  override name = "VersionChangedError";
  constructor(key: string) {
    super(`${key} changed since it was listed; it will be read again on the next run`);
  }
}

/**
 * The queue itself cannot be listed: it does not exist, is not a directory, or the
 * listing is refused. A configuration problem, not an empty queue.
 */
export class SourceUnavailableError extends Error {
  override name = "SourceUnavailableError";
}
