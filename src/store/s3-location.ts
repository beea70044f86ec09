/**
 * S3 locations as users write them (`s3://bucket/prefix`), without the AWS SDK: what a
 * script needs to check its flags and name its locations before any request is made.
 * @module
 */

/** Bucket and key prefix from `s3://bucket/prefix`. */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** One object on S3: its bucket and whole key. */
export interface S3Object {
  bucket: string;
  key: string;
}

/** A source's version of an object listed without an ETag (some S3-compatible servers). */
export const NO_ETAG = "size-";

/** The object of `key` under `where`, with the ETag that `version` is (unless a size). */
export function s3ObjectOf(
  where: S3Location,
  key: string,
  version?: string,
): S3Object & { etag?: string } {
  const etag = version === undefined || version.startsWith(NO_ETAG) ? undefined : version;
  return { bucket: where.bucket, key: joinKey(where.prefix, key), ...(etag ? { etag } : {}) };
}

/** Parses `s3://bucket/optional/prefix` (the prefix is returned without slashes at its ends). */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || m[1].length < 3) throw new Error(`not an s3://bucket/prefix location: ${url}`);
  return { bucket: m[1], prefix: m[2].replace(/^\/+|\/+$/g, "") };
}

/** Joins a prefix and a key with exactly one slash. */
export function joinKey(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}/${key}`;
}

/** The location as users write it: `s3://bucket/prefix`, or `s3://bucket` for the whole bucket. */
export function s3Url({ bucket, prefix }: S3Location): string {
  return prefix === "" ? `s3://${bucket}` : `s3://${bucket}/${prefix}`;
}
