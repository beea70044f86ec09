/**
 * Opens a LogSource from `s3://bucket/prefix` or a directory path.
 * @module
 */
import { createS3Client, parseS3Url } from "../store/s3-client.ts";
import { localSource } from "./local.ts";
import { s3Source } from "./s3.ts";
import type { LogSource } from "./source.ts";

/** Opens the source at `location`; `endpoint` is for S3-compatible servers. */
export function openSource(location: string, endpoint?: string): LogSource {
  if (location.startsWith("s3://")) {
    return s3Source(createS3Client({ endpoint }), parseS3Url(location));
  }
  return localSource(location);
}
