/**
 * The whole pipeline: ingest → consolidate → aggregate, then archive when a target is given.
 * @module
 */
import type { Store } from "../store/store.ts";
import { aggregate, type AggregateResult } from "./aggregate.ts";
import { archive, type ArchiveResult } from "./archive.ts";
import { consolidate, type ConsolidateResult } from "./consolidate.ts";
import type { Context } from "./context.ts";
import { ingest, type IngestResult } from "./ingest.ts";

/** What a pipeline run did, step by step. */
export interface PipelineResult {
  ingest: IngestResult;
  consolidate: ConsolidateResult;
  aggregate: AggregateResult;
  archive?: ArchiveResult;
}

/** Runs every step in order. Each step persists its output before the next reads it. */
export async function runPipeline(
  ctx: Context,
  archiveTo?: { store: Store; storageClass?: string },
): Promise<PipelineResult> {
  const i = await ingest(ctx);
  const c = await consolidate(ctx);
  const a = await aggregate(ctx);
  const r = archiveTo ? await archive(ctx, archiveTo.store, archiveTo.storageClass) : undefined;
  return { ingest: i, consolidate: c, aggregate: a, ...(r ? { archive: r } : {}) };
}
