/**
 * A LogSource over `s3://bucket/prefix`, as Firehose delivers real-time logs.
 * @module
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { joinKey, type S3Location } from "../store/s3-client.ts";
import { isLogKey, type LogSource, type SourceObject } from "./source.ts";

/** Creates a source over the given location. */
export function s3Source(client: S3Client, { bucket, prefix }: S3Location): LogSource {
  const strip = prefix === "" ? 0 : prefix.length + 1;
  const get = async (key: string) => {
    const out = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: joinKey(prefix, key) }),
    );
    if (!out.Body) throw new Error(`s3://${bucket}/${joinKey(prefix, key)} has no body`);
    return out.Body;
  };
  return {
    name: `s3://${bucket}/${prefix}`,
    async *list(): AsyncIterable<SourceObject> {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix === "" ? undefined : `${prefix}/`,
            ContinuationToken: token,
          }),
        );
        for (const o of page.Contents ?? []) {
          const key = (o.Key ?? "").slice(strip);
          if (!isLogKey(key) || key.endsWith("/")) continue;
          yield {
            key,
            size: o.Size ?? 0,
            version: (o.ETag ?? "").replace(/"/g, "") || String(o.Size),
            lastModified: o.LastModified?.getTime() ?? 0,
          };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async open(key) {
      return (await get(key)).transformToWebStream() as ReadableStream<Uint8Array>;
    },
    async read(key) {
      return await (await get(key)).transformToByteArray();
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: joinKey(prefix, key) }));
    },
  };
}
