/**
 * The one place that builds an S3 client, shared by the S3 store and the S3 log source.
 * Region, credentials and endpoint come from the usual AWS environment variables; an
 * explicit endpoint (S3-compatible servers, tests) switches to path-style addressing.
 * @module
 */
import { S3Client } from "@aws-sdk/client-s3";

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

/** A failure of the connection rather than an answer from S3: worth another try. */
export function isTransient(e: unknown): boolean {
  const err = e as { message?: string; code?: string; name?: string };
  return /aborted|socket hang up|ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED/i.test(
    `${err.message ?? ""} ${err.code ?? ""} ${err.name ?? ""}`,
  );
}

/**
 * Runs `fn` again (up to 4 times, with growing pauses) when the connection fails. The SDK
 * retries requests itself, but not a response body cut off while it is being read.
 */
export async function retryTransient<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= 4 || !isTransient(e)) throw e;
      await new Promise((r) => setTimeout(r, 25 * 4 ** attempt));
    }
  }
}
