/**
 * The one place that builds an S3 client, shared by the S3 store and the S3 log source.
 * Region, credentials and endpoint come from the usual AWS environment variables; an
 * explicit endpoint (S3-compatible servers, tests) switches to path-style addressing.
 * @module
 */
import { S3Client } from "@aws-sdk/client-s3";

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

/** Options beyond the environment. */
export interface S3ClientOptions {
  endpoint?: string;
  region?: string;
}

/** Builds a client; `endpoint` falls back to AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. */
export function createS3Client(options: S3ClientOptions = {}, env = envOf()): S3Client {
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return new S3Client({
    region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
}

function envOf(): Record<string, string | undefined> {
  return (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ??
    {};
}

/** Joins a prefix and a key with exactly one slash. */
export function joinKey(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}/${key}`;
}
