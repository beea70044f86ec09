/**
 * Shared test helpers: temporary directories, a real S3-protocol server (s3rver) on
 * 127.0.0.1, and the address scanner used by the privacy tests.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { S3Client } from "@aws-sdk/client-s3";
import { gunzipSync } from "fflate";
import * as v from "valibot";
import { type Meta, MetaSchema } from "../src/core/finality.ts";
import { AGENT_VERSION_PRODUCTS } from "../src/core/privacy.ts";
import { aggregateKey, metaKey } from "../src/core/keys.ts";
import type { AggregateDoc } from "../src/core/summary.ts";
import type { Period } from "../src/core/windows.ts";
import { getJson, type Store } from "../src/store/store.ts";
// @ts-types="./s3rver.d.ts"
import S3rver from "s3rver";

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(label = "cfl"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A running s3rver with the given buckets, and a client configured for it. */
export async function startS3(buckets: string[]) {
  const { dir, cleanup } = tempDir("s3rver");
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  // What the server was asked to do, as its S3 events name it ("ObjectCreated:Copy bucket/key").
  const events: string[] = [];
  server.on("event", (e) => {
    for (const r of e.Records) events.push(`${r.eventName} ${r.s3.bucket.name}/${r.s3.object.key}`);
  });
  const info = await server.run();
  const endpoint = `http://127.0.0.1:${info.port}`;
  process.env.AWS_ACCESS_KEY_ID = "S3RVER";
  process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
  process.env.AWS_REGION = "us-east-1";
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  return {
    endpoint,
    client,
    events,
    async stop() {
      client.destroy();
      await server.close();
      cleanup();
    },
  };
}

/** Every file under `dir` (recursively), as [relative path, bytes]. */
export function readTree(dir: string): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, r)).isDirectory()) walk(r);
      else out.push([r, new Uint8Array(readFileSync(join(dir, r)))]);
    }
  };
  walk("");
  return out;
}

/** The columns of every line of the gzip'd logs under `dir` (as `generate` writes them). */
export function logLines(dir: string): string[][] {
  const out: string[][] = [];
  for (const [, bytes] of readTree(dir)) {
    const text = new TextDecoder().decode(gunzipSync(bytes));
    for (const line of text.split("\n")) if (line) out.push(line.split("\t"));
  }
  return out;
}

/** Four dotted groups of digits anywhere (leading zeros, after letters, before a suffix). */
const IPV4_ANY = /(?<!\d)\d+\.\d+\.\d+\.\d+/g;
/** A version token the privacy guard keeps: `Chrome/` and the other listed products. */
const EXEMPT_BEFORE = new RegExp(`(?:${AGENT_VERSION_PRODUCTS.join("|")})/$`);
const IPV6_ANY =
  /(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}:?[0-9a-f]{0,4}(?![\w:])|(?<![\w:])[0-9a-f]{1,4}::[0-9a-f:]*/gi;

/**
 * Finds address-like text: any four dotted octets (leading zeros, letters or a suffix
 * around them), except the version tokens the guard keeps (`Chrome/120.0.0.0`), any
 * IPv6-shaped run, and any of `known` addresses literally.
 */
export function findAddresses(text: string, known: readonly string[] = []): string[] {
  const hits: string[] = [];
  for (const m of text.matchAll(IPV4_ANY)) {
    const octets = m[0].split(".").map(Number);
    if (!octets.every((o) => o <= 255)) continue;
    if (EXEMPT_BEFORE.test(text.slice(Math.max(0, m.index! - 40), m.index))) continue;
    hits.push(m[0]);
  }
  for (const m of text.matchAll(IPV6_ANY)) {
    if (m[0].includes("::") || m[0].split(":").length >= 8) hits.push(m[0]);
  }
  for (const k of known) if (text.includes(k)) hits.push(k);
  return hits;
}

/** The `data.json` of a period, typed, or a failed assertion when it is missing. */
export async function readDoc(store: Store, period: Period, key: string): Promise<AggregateDoc> {
  const doc = await getJson(store, aggregateKey(period, key));
  if (doc === undefined) throw new Error(`no ${period} aggregate ${key}`);
  return doc as AggregateDoc;
}

/** The `__meta.json` of a period, checked against its schema. */
export async function readMeta(store: Store, period: Period, key: string): Promise<Meta> {
  return v.parse(MetaSchema, await getJson(store, metaKey(period, key)));
}

/**
 * Every `data.json` and `__meta.json` among `entries` (key → bytes), as text, with meta's
 * `computed_at` blanked: what must be identical between runs. With `sameSources` false,
 * the `inputs` stamps are blanked too: they name the source objects, whose identities
 * differ between, say, an S3 bucket (ETags) and a directory (content hashes).
 */
export function aggregatesOf(
  entries: Iterable<[string, Uint8Array]>,
  sameSources = true,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (!k.includes("/aggregate/")) continue;
    const text = new TextDecoder().decode(v);
    if (!k.endsWith("__meta.json")) out[k] = text;
    else {
      const meta = { ...JSON.parse(text), computed_at: "-" };
      out[k] = JSON.stringify(sameSources ? meta : { ...meta, inputs: "-" });
    }
  }
  return out;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The local date (YYYY-MM-DD) of an instant in `zone`, as the runtime's own `sv-SE`
 * formatter writes it: the independent recount of what a local calendar must say.
 */
export function localDate(zone: string, ms: number): string {
  let f = dateFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("sv-SE", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    dateFormats.set(zone, f);
  }
  return f.format(ms);
}
