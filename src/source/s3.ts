/**
 * A LogSource over `s3://bucket/prefix`, as Firehose delivers real-time logs.
 * @module
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { retryTransient } from "../store/s3-client.ts";
import { joinKey, NO_ETAG, type S3Location, s3ObjectOf, s3Url } from "../store/s3-location.ts";
import {
  isLogKey,
  type LogSource,
  type SourceObject,
  SourceUnavailableError,
  VersionChangedError,
} from "./source.ts";

/**
 * Creates a source over the given location. A listing that S3 refuses (NoSuchBucket,
 * AccessDenied, …) fails naming the location (DESIGN §9: not an empty queue); an existing
 * prefix with no objects is one.
 */
export function s3Source(client: S3Client, { bucket, prefix }: S3Location): LogSource {
  const strip = prefix === "" ? 0 : prefix.length + 1;
  const where = s3Url({ bucket, prefix });
  // With a version (the listed ETag), S3 answers 412 if the object was replaced since.
  const get = async (key: string, version?: string) => {
    let out;
    try {
      out = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: joinKey(prefix, key),
          IfMatch: version === undefined || version.startsWith(NO_ETAG)
            ? undefined
            : `"${version}"`,
        }),
      );
    } catch (e) {
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) {
        throw new VersionChangedError(key);
      }
      throw e;
    }
    if (!out.Body) throw new Error(`s3://${bucket}/${joinKey(prefix, key)} has no body`);
    return out.Body;
  };
  return {
    name: where,
    async *list(): AsyncIterable<SourceObject> {
      let token: string | undefined;
      do {
        let page;
        try {
          page = await client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix === "" ? undefined : `${prefix}/`,
              ContinuationToken: token,
            }),
          );
        } catch (e) {
          throw new SourceUnavailableError(`cannot list ${where}: ${reasonOf(e)}`, { cause: e });
        }
        for (const o of page.Contents ?? []) {
          const key = (o.Key ?? "").slice(strip);
          if (!isLogKey(key) || key.endsWith("/")) continue;
          yield {
            key,
            size: o.Size ?? 0,
            version: (o.ETag ?? "").replace(/"/g, "") || `${NO_ETAG}${o.Size}`,
            lastModified: o.LastModified?.getTime() ?? 0,
          };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async stat(key) {
      if (!isLogKey(key)) return undefined;
      try {
        const o = await client.send(
          new HeadObjectCommand({ Bucket: bucket, Key: joinKey(prefix, key) }),
        );
        return {
          key,
          size: o.ContentLength ?? 0,
          version: (o.ETag ?? "").replace(/"/g, "") || `${NO_ETAG}${o.ContentLength}`,
          lastModified: o.LastModified?.getTime() ?? 0,
        };
      } catch (e) {
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || (e as Error).name === "NotFound") return undefined;
        throw e;
      }
    },
    async open(key, version) {
      return (await get(key, version)).transformToWebStream() as ReadableStream<Uint8Array>;
    },
    async read(key, version) {
      return await retryTransient(async () =>
        await (await get(key, version)).transformToByteArray()
      );
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: joinKey(prefix, key) }));
    },
    locate: (key, version) => s3ObjectOf({ bucket, prefix }, key, version),
  };
}

/** S3's error code (`NoSuchBucket`, `AccessDenied`), else the message of a failed request. */
function reasonOf(e: unknown): string {
  const { name, message } = e as Error;
  return name && !/^(Error|UnknownError|S3ServiceException)$/.test(name) ? name : message;
}
