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
