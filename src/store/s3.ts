/**
 * An S3 Store: key `K` is the object `<prefix>/K` (DESIGN §4).
 * @module
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  type StorageClass,
} from "@aws-sdk/client-s3";
import { retryTransient } from "./s3-client.ts";
import { joinKey, type S3Location, s3Url } from "./s3-location.ts";
import { assertDir, assertKey, type Store, type StoreEntry } from "./store.ts";

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === "NoSuchKey" || err.name === "NotFound" ||
    err.$metadata?.httpStatusCode === 404;
}

/** Creates a store over `s3://bucket/prefix` with the given client. */
export function s3Store(client: S3Client, { bucket, prefix }: S3Location): Store {
  const objectKey = (key: string) => {
    assertKey(key);
    return joinKey(prefix, key);
  };
  return {
    name: s3Url({ bucket, prefix }),
    async get(key) {
      const k = objectKey(key);
      try {
        return await retryTransient(async () => {
          const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
          return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
        });
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async put(key, body, options = {}) {
      const k = objectKey(key);
      await retryTransient(() =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: k,
            Body: body,
            ContentType: options.contentType,
            StorageClass: options.storageClass as StorageClass | undefined,
          }),
        )
      );
    },
    async copyFrom(from, key, options = {}) {
      const k = objectKey(key);
      await retryTransient(() =>
        client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: k,
            CopySource: `${from.bucket}/${from.key.split("/").map(encodeURIComponent).join("/")}`,
            CopySourceIfMatch: from.etag === undefined ? undefined : `"${from.etag}"`,
            // The object's own metadata (content type and encoding) goes with it.
            MetadataDirective: "COPY",
            StorageClass: options.storageClass as StorageClass | undefined,
          }),
        )
      );
      const head = await retryTransient(() =>
        client.send(new HeadObjectCommand({ Bucket: bucket, Key: k }))
      );
      return { size: head.ContentLength ?? -1, etag: (head.ETag ?? "").replace(/"/g, "") };
    },
    async delete(key) {
      const k = objectKey(key);
      await retryTransient(() => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: k })));
    },
    async *list(keyPrefix): AsyncIterable<StoreEntry> {
      const full = joinKey(prefix, keyPrefix);
      const strip = prefix === "" ? 0 : prefix.length + 1;
      let token: string | undefined;
      do {
        const page = await retryTransient(() =>
          client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: full, ContinuationToken: token }),
          )
        );
        for (const o of page.Contents ?? []) {
          if (o.Key) yield { key: o.Key.slice(strip), size: o.Size ?? 0 };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async browse(dir) {
      assertDir(dir);
      const full = joinKey(prefix, dir);
      const strip = prefix === "" ? 0 : prefix.length + 1;
      const dirs: string[] = [];
      const files: StoreEntry[] = [];
      let token: string | undefined;
      do {
        const page = await retryTransient(() =>
          client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: full,
              Delimiter: "/",
              ContinuationToken: token,
            }),
          )
        );
        for (const p of page.CommonPrefixes ?? []) {
          if (p.Prefix) dirs.push(p.Prefix.slice(full.length, -1));
        }
        for (const o of page.Contents ?? []) {
          if (o.Key) files.push({ key: o.Key.slice(strip), size: o.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return { dirs: dirs.sort(), files: files.sort((a, b) => (a.key < b.key ? -1 : 1)) };
    },
  };
}
