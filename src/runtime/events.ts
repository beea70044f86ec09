/**
 * The events the Lambda function receives besides HTTP, and what each one does:
 *
 * - S3 `ObjectCreated` notifications, delivered directly, through SQS, or through SNS into
 *   SQS (the SNS envelope in the SQS body): the named objects are processed
 *   (pipeline/process.ts). SQS failures are reported per message (`batchItemFailures`),
 *   so one bad object does not fail its batch.
 * - Kinesis Data Streams records (CloudFront real-time logs, one base64 line each): the
 *   batch becomes raw entries without passing through S3.
 * - EventBridge schedules: sweep (ingest what no notification brought, pipeline/sweep.ts),
 *   consolidate what is pending, aggregate (finality moves with the clock) and archive.
 *
 * Keys in notifications are checked at the edge ({@link queueKeyError}): a key no object of
 * the queue can have fails its own object (and message) before any lookup.
 * @module
 */
import { archive, type ArchiveResult } from "../pipeline/archive.ts";
import { aggregate, type AggregateResult } from "../pipeline/aggregate.ts";
import { consolidate, type ConsolidateResult } from "../pipeline/consolidate.ts";
import type { Context } from "../pipeline/context.ts";
import {
  batchRecorded,
  emptyResult,
  processBatches,
  processObjects,
  type ProcessResult,
} from "../pipeline/process.ts";
import { sweep, type SweepResult } from "../pipeline/sweep.ts";
import { keyInTenant, knownTenants, tenantOfKey, tenantSource } from "../source/tenant.ts";
import type { Store } from "../store/store.ts";
import { isTenantName, prefixedStore, tenantStore } from "../store/tenant.ts";

/** What an event handler needs: the pipeline context, and the archive if any. */
export interface EventDeps {
  ctx: Context;
  archive?: { store: Store; storageClass: string };
  /**
   * Several tenants in one deployment (store/tenant.ts): each first-level directory of
   * the source (`auto`), or the ones listed. Unset: one tenant, the layout of DESIGN §4.
   */
  tenants?: "auto" | readonly string[];
  /** Where the metrics of a tenant's windows go (undefined: the single tenant). */
  metricsFor?: (tenant: string | undefined) => Context["metrics"];
}

/** The handler's dependencies inside one tenant. */
export function scope(d: EventDeps, tenant: string): EventDeps {
  return {
    ctx: {
      ...d.ctx,
      store: tenantStore(d.ctx.store, tenant),
      source: tenantSource(d.ctx.source, tenant),
      metrics: d.metricsFor?.(tenant),
      log: (m) => d.ctx.log(`[${tenant}] ${m}`),
    },
    archive: d.archive && { ...d.archive, store: prefixedStore(d.archive.store, tenant) },
  };
}

/** The tenants a schedule visits: those listed, or every one with objects or data. */
async function tenantsOf(d: EventDeps): Promise<string[]> {
  if (d.tenants !== "auto") return [...(d.tenants ?? [])];
  return await knownTenants(d.ctx.store, d.ctx.source);
}

/** A queue key named by a notification, with why it cannot be one when it cannot. */
export interface NamedKey {
  key: string;
  error?: string;
}

/**
 * Processes queue keys (relative to the source), tenant by tenant when there are tenants:
 * a key's first segment names its tenant. Keys with an error fail without a lookup (in a
 * result of their own when there are tenants: they may name none). Returns every result,
 * and the keys that failed.
 */
async function processKeys(
  d: EventDeps,
  named: readonly NamedKey[],
): Promise<{ results: TenantResult[]; failed: Set<string> }> {
  const rejected: ProcessResult["objects"] = named.filter((k) => k.error !== undefined)
    .map(({ key, error }) => ({ key, status: "failed", error: `invalid key: ${error}` }));
  for (const o of rejected) d.ctx.log(`FAILED ${JSON.stringify(o.key)}: ${o.error}`);
  const keys = [...new Set(named.filter((k) => k.error === undefined).map((k) => k.key))];
  const failed = new Set(rejected.map((o) => o.key));
  const results: TenantResult[] = [];
  if (!d.tenants) {
    const r = await processObjects(d.ctx, keys);
    r.objects = [...r.objects, ...rejected].sort((a, b) => (a.key < b.key ? -1 : 1));
    for (const o of failedIn(r)) failed.add(o.key);
    return { results: [r], failed };
  }
  const byTenant = new Map<string, string[]>();
  for (const key of keys) {
    const tenant = tenantOfKey(key);
    if (tenant === undefined || (d.tenants !== "auto" && !d.tenants.includes(tenant))) {
      d.ctx.log(`ignored ${JSON.stringify(key)}: no tenant of this deployment's`);
      continue;
    }
    byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), keyInTenant(key, tenant)]);
  }
  for (const [tenant, rel] of byTenant) {
    const r = await processObjects(scope(d, tenant).ctx, rel);
    results.push({ tenant, ...r });
    for (const o of failedIn(r)) {
      failed.add(keys.find((k) => tenantOfKey(k) === tenant && keyInTenant(k, tenant) === o.key)!);
    }
  }
  if (rejected.length > 0) results.push({ ...emptyResult(), objects: rejected });
  return { results, failed };
}

/** The S3 limit on a key's length, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

/** True when `key` has a C0 or C1 control character (NUL, newline, DEL, ...). */
function hasControl(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/**
 * Why `key` (relative to the source) cannot name an object of the live queue, or undefined
 * when it can. Notifications are input like any other: a key that could escape the queue's
 * directory, or that no S3 object has, is refused before it reaches a source.
 */
export function queueKeyError(key: string): string | undefined {
  if (key === "") return "empty";
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) {
    return `longer than ${MAX_KEY_BYTES} UTF-8 bytes`;
  }
  if (hasControl(key)) return "contains a control character";
  if (/\p{Cs}/u.test(key)) return "contains a lone surrogate (not UTF-8)";
  if (key.includes("\\")) return "contains a backslash";
  if (key.startsWith("/")) return "starts with /";
  const segments = key.split("/");
  if (segments.includes("")) return "has an empty segment";
  if (segments.some((s) => s === "." || s === "..")) return "has a . or .. segment";
  return undefined;
}

/** True when `key` is one the live queue can hold (see {@link queueKeyError}). */
export function isQueueKey(key: string): boolean {
  return queueKeyError(key) === undefined;
}

/** A processing result, with its tenant when there are tenants. */
export type TenantResult = ProcessResult & { tenant?: string };

/** The kinds of event this module handles. */
export type EventKind = "http" | "s3" | "sqs" | "sns" | "kinesis" | "schedule" | "unknown";

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === "object" && x !== null;

/** What kind of event `event` is, by its shape. */
export function kindOf(event: unknown): EventKind {
  if (!isObject(event)) return "unknown";
  if (isObject(event.requestContext) && "http" in event.requestContext) return "http";
  if (event.source === "aws.events" || event["detail-type"] === "Scheduled Event") {
    return "schedule";
  }
  const first = Array.isArray(event.Records) && isObject(event.Records[0])
    ? event.Records[0]
    : undefined;
  if (!first) return "unknown";
  if (first.eventSource === "aws:s3") return "s3";
  if (first.eventSource === "aws:sqs") return "sqs";
  if (first.EventSource === "aws:sns") return "sns";
  if (first.eventSource === "aws:kinesis") return "kinesis";
  return "unknown";
}

/** One object named by an S3 notification; `error` when its key cannot be decoded. */
export interface S3Object {
  bucket: string;
  key: string;
  error?: string;
}

/**
 * The objects an S3 notification names (`ObjectCreated:*` only). Keys arrive URL-encoded,
 * spaces as `+`. An `s3:TestEvent` names none.
 */
export function s3Objects(notification: unknown): S3Object[] {
  if (!isObject(notification) || !Array.isArray(notification.Records)) return [];
  const out: S3Object[] = [];
  for (const r of notification.Records) {
    if (!isObject(r) || !isObject(r.s3)) continue;
    if (typeof r.eventName === "string" && !r.eventName.startsWith("ObjectCreated:")) continue;
    const bucket = isObject(r.s3.bucket) ? String(r.s3.bucket.name) : "";
    const raw = isObject(r.s3.object) ? String(r.s3.object.key) : "";
    try {
      out.push({ bucket, key: decodeURIComponent(raw.replace(/\+/g, "%20")) });
    } catch {
      out.push({ bucket, key: raw, error: "malformed URL encoding" });
    }
  }
  return out;
}

/** The S3 notification inside an SQS body, unwrapping an SNS envelope. @throws on bad JSON */
export function notificationInSqsBody(body: string): unknown {
  const parsed = JSON.parse(body);
  if (isObject(parsed) && parsed.Type === "Notification" && typeof parsed.Message === "string") {
    return JSON.parse(parsed.Message);
  }
  return parsed;
}

/**
 * The key of `o` in the live queue, or undefined when the object is not in it: on S3 the
 * bucket must match and the key sit under the source's prefix; a directory source (tests,
 * replays) takes the key as a path under the directory.
 */
export function queueKey(sourceName: string, o: S3Object): string | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(sourceName);
  if (!m) return o.key;
  const [, bucket, prefix] = m;
  if (o.bucket !== bucket) return undefined;
  if (prefix === "") return o.key;
  return o.key.startsWith(`${prefix}/`) ? o.key.slice(prefix.length + 1) : undefined;
}

/** SQS and Kinesis partial batch responses. */
export interface BatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** What handling an event returned. */
export type EventResult =
  | ({ kind: "s3" | "sqs" | "sns" | "kinesis" } & BatchResponse & { results: TenantResult[] })
  | { kind: "schedule"; runs: ScheduleRun[] };

/** What a schedule did for one tenant (or the single one). */
export interface ScheduleRun {
  tenant?: string;
  /** The objects ingested because no notification did. */
  sweep: SweepResult;
  consolidate: ConsolidateResult;
  aggregate: AggregateResult;
  archive?: ArchiveResult;
}

/**
 * The queue keys of the objects S3 notifications name, each with its error if it cannot be
 * one; objects outside the queue are ignored.
 */
function queueKeys(d: EventDeps, notifications: unknown[]): NamedKey[] {
  const keys: NamedKey[] = [];
  for (const o of notifications.flatMap(s3Objects)) {
    const key = queueKey(d.ctx.source.name, o);
    if (key === undefined) {
      d.ctx.log(
        `ignored ${JSON.stringify(`s3://${o.bucket}/${o.key}`)}: not in ${d.ctx.source.name}`,
      );
    } else keys.push({ key, error: o.error ?? queueKeyError(key) });
  }
  return keys;
}

const failedIn = (r: ProcessResult) => r.objects.filter((o) => o.status === "failed");

/** Handles one non-HTTP event. @throws for a direct S3 event whose objects failed (Lambda retries it). */
export async function handleEvent(d: EventDeps, event: unknown): Promise<EventResult> {
  const records = (isObject(event) && Array.isArray(event.Records) ? event.Records : []) as Json[];
  switch (kindOf(event)) {
    case "s3": {
      const { results, failed } = await processKeys(d, queueKeys(d, [event]));
      if (failed.size > 0) {
        const why = results.flatMap(failedIn).map((f) => `${JSON.stringify(f.key)}: ${f.error}`)
          .join("; ");
        throw new Error(`${failed.size} object(s) failed: ${why}`);
      }
      return { kind: "s3", batchItemFailures: [], results };
    }
    case "sqs":
    case "sns": {
      const kind = kindOf(event) as "sqs" | "sns";
      // One pass over every object of the batch; a message fails when its body cannot be
      // read or one of its own objects failed, so one bad object does not fail the batch.
      const failures: BatchResponse["batchItemFailures"] = [];
      const messages: Array<{ id: string; keys: NamedKey[] }> = [];
      for (const m of records) {
        const id = String(kind === "sqs" ? m.messageId : (m.Sns as Json | undefined)?.MessageId);
        try {
          const body = kind === "sqs"
            ? notificationInSqsBody(String(m.body))
            : JSON.parse(String((m.Sns as Json).Message));
          messages.push({ id, keys: queueKeys(d, [body]) });
        } catch (e) {
          d.ctx.log(`message ${id} is not an S3 notification: ${(e as Error).message}`);
          failures.push({ itemIdentifier: id });
        }
      }
      const { results, failed } = await processKeys(d, messages.flatMap((m) => m.keys));
      for (const m of messages) {
        if (m.keys.some((k) => failed.has(k.key))) failures.push({ itemIdentifier: m.id });
      }
      return { kind, batchItemFailures: failures, results };
    }
    case "kinesis":
      return await handleKinesis(d, records);
    case "schedule": {
      const runs: ScheduleRun[] = [];
      const scopes = d.tenants
        ? (await tenantsOf(d)).map((t) => [t, scope(d, t)] as const)
        : [[undefined, d] as const];
      for (const [tenant, s] of scopes) {
        // Ingest first what no notification brought, so this run consolidates it too.
        const w = await sweep(s.ctx);
        const c = await consolidate(s.ctx);
        const a = await aggregate(s.ctx);
        const r = s.archive
          ? await archive(s.ctx, s.archive.store, s.archive.storageClass)
          : undefined;
        runs.push({
          ...(tenant ? { tenant } : {}),
          sweep: w,
          consolidate: c,
          aggregate: a,
          ...(r ? { archive: r } : {}),
        });
      }
      return { kind: "schedule", runs };
    }
    default:
      throw new Error("unknown event: not S3, SQS, SNS, Kinesis, an EventBridge schedule or HTTP");
  }
}

/**
 * A Kinesis batch, per shard, becomes one object of log lines keyed by its stream, shard
 * and first sequence number. Once its ledger entry is written it is never reported as
 * failed: a retried batch may hold more records under the same first number, and would be
 * counted twice. What fails after that (consolidation, aggregates) the schedule catches up.
 */
async function handleKinesis(all: EventDeps, records: Json[]): Promise<EventResult> {
  // With tenants, a stream is one tenant's: CloudFront writes one stream per distribution.
  const stream = String(records[0]?.eventSourceARN ?? "").split("/").pop() ?? "";
  if (all.tenants && !isTenantName(stream)) {
    throw new Error(`Kinesis stream "${stream}" is not a usable tenant name`);
  }
  const d = all.tenants ? scope(all, stream) : all;
  const shards = new Map<string, { key: string; lines: Uint8Array[]; first: string; at: number }>();
  for (const r of records) {
    const k = r.kinesis as Json;
    const shard = String(r.eventID ?? "").split(":")[0] || "shard";
    const stream = String(r.eventSourceARN ?? "").split("/").pop() || "stream";
    const seq = String(k.sequenceNumber);
    let s = shards.get(shard);
    if (!s) {
      s = { key: `kinesis/${stream}/${shard}/${seq}`, lines: [], first: seq, at: 0 };
      shards.set(shard, s);
    }
    let line = Uint8Array.from(atob(String(k.data)), (ch) => ch.charCodeAt(0));
    if (line[line.length - 1] !== 10) line = Uint8Array.from([...line, 10]);
    s.lines.push(line);
    s.at = Math.max(s.at, Number(k.approximateArrivalTimestamp ?? 0) * 1000);
  }
  const failures: BatchResponse["batchItemFailures"] = [];
  const results: TenantResult[] = [];
  for (const s of shards.values()) {
    const bytes = new Uint8Array(s.lines.reduce((n, l) => n + l.length, 0));
    let at = 0;
    for (const l of s.lines) {
      bytes.set(l, at);
      at += l.length;
    }
    const batch = { key: s.key, bytes, at: s.at };
    try {
      const r = await processBatches(d.ctx, [batch]);
      results.push(all.tenants ? { tenant: stream, ...r } : r);
      if (failedIn(r).length > 0) failures.push({ itemIdentifier: s.first });
    } catch (e) {
      // Retried exactly when it is not recorded; a recorded one the schedule catches up.
      d.ctx.log(`kinesis batch ${s.key}: ${(e as Error).message}`);
      if (!(await batchRecorded(d.ctx, batch).catch(() => false))) {
        failures.push({ itemIdentifier: s.first });
      }
    }
  }
  return { kind: "kinesis", batchItemFailures: failures, results };
}
