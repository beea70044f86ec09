/**
 * The schedule's sweep: in the event-driven deployment only notifications ingest, so an
 * object whose notification was lost (or sits in a dead-letter queue) would never be
 * counted. The live queue itself is the record of what is waiting: every object in it with
 * no ledger entry, older than the context's lag, is ingested here. Younger ones are left
 * for their notification, which is most likely still on its way.
 * @module
 */
import { keyTime } from "../core/finality.ts";
import type { SourceObject } from "../source/source.ts";
import { type Context, mapLimit } from "./context.ts";
import { ingest, type IngestResult } from "./ingest.ts";
import { readLedger, sourceHash } from "./ledger.ts";

/** Ledger entries read at once. */
const LEDGER_CONCURRENCY = 16;

/** What a sweep did: the ingest of the objects it found, and how many it found. */
export type SweepResult = IngestResult & {
  /** Objects with no ledger entry, older than the lag: handed to ingest. */
  swept: number;
  /** Objects with no ledger entry younger than the lag: left for their notification. */
  waiting: number;
};

/** The time an object holds records around: its key's, else its last write. */
export function objectTime(obj: SourceObject): number {
  return keyTime(obj.key) ?? obj.lastModified;
}

/** True when an unrecorded object is old enough that its notification is presumed lost. */
export function sweepDue(obj: SourceObject, now: number, maxLagMs: number): boolean {
  return objectTime(obj) < now - maxLagMs;
}

/** Ingests every object of the live queue with no ledger entry that is older than the lag. */
export async function sweep(ctx: Context): Promise<SweepResult> {
  const listed: SourceObject[] = [];
  for await (const obj of ctx.source.list()) listed.push(obj);
  const recorded = await mapLimit(
    listed,
    LEDGER_CONCURRENCY,
    async (obj) => (await readLedger(ctx.store, sourceHash(obj))) !== undefined,
  );
  const unrecorded = listed.filter((_, i) => !recorded[i]);
  const due = unrecorded.filter((obj) => sweepDue(obj, ctx.now, ctx.maxLagMs));
  if (due.length > 0) ctx.log(`sweep: ${due.length} object(s) never ingested by a notification`);
  const result = await ingest(ctx, due.map((obj) => ({ obj })));
  return { swept: due.length, waiting: unrecorded.length - due.length, ...result };
}
