/**
 * Human-readable one-paragraph summaries of step results, shared by the scripts.
 * @module
 */
import type { AggregateResult } from "../src/pipeline/aggregate.ts";
import type { ArchiveResult } from "../src/pipeline/archive.ts";
import type { ConsolidateResult } from "../src/pipeline/consolidate.ts";
import type { IngestResult } from "../src/pipeline/ingest.ts";

export const ingestText = (r: IngestResult) =>
  `ingest: ${r.objects_ingested} objects ingested, ${r.objects_skipped} already ingested, ` +
  `${r.objects_failed} failed; ${r.records} records, ${r.malformed} malformed lines` +
  (r.late_windows.length ? `; late data for ${r.late_windows.length} final window(s)` : "");

/** Failures named in the one-line error at most; --json lists them all. */
const FAILURES_NAMED = 5;

export const ingestFailure = (r: IngestResult) => {
  if (r.objects_failed === 0) return undefined;
  // A wrong field list fails every object alike: one mention, with the count.
  const misfits = r.failures.filter((f) => f.fields);
  const others = r.failures.filter((f) => !f.fields);
  const parts = others.slice(0, FAILURES_NAMED).map((f) => `${f.key}: ${f.error}`);
  if (others.length > FAILURES_NAMED) {
    parts.push(`and ${others.length - FAILURES_NAMED} more (see --json)`);
  }
  if (misfits.length > 0) {
    parts.unshift(
      `${misfits.length} of them do not fit the field list (the first, ${misfits[0].key}: ` +
        `${misfits[0].error})`,
    );
  }
  return `${r.objects_failed} object(s) failed: ${parts.join("; ")}`;
};

export const consolidateText = (r: ConsolidateResult) =>
  `consolidate: ${r.windows} window(s) rebuilt from ${r.records} records` +
  (r.reopened.length ? `; ${r.reopened.length} final window(s) reopened by late data` : "") +
  (r.failures.length ? `; ${r.failures.length} window(s) failed` : "");

export const consolidateFailure = (r: ConsolidateResult) =>
  r.failures.length === 0
    ? undefined
    : `${r.failures.length} window(s) could not be rebuilt: ${
      r.failures.map((f) => `${f.window}: ${f.error}`).join("; ")
    }`;

export const aggregateText = (r: AggregateResult) =>
  `aggregate: ` +
  (Object.keys(r.computed) as Array<keyof typeof r.computed>).map((p) =>
    `${p} ${r.computed[p]} computed (${r.final[p]} final, ${r.skipped_final[p]} kept final)`
  ).join("; ") +
  (r.holds.length ? `; ${r.holds.length} unprocessed object(s) hold finality back` : "") +
  (r.failures.length ? `; ${r.failures.length} period(s) failed` : "");

export const aggregateFailure = (r: AggregateResult) =>
  r.failures.length === 0
    ? undefined
    : `${r.failures.length} period(s) could not be computed: ${
      r.failures.map((f) => `${f.period} ${f.key}: ${f.error}`).join("; ")
    }`;

export const archiveText = (r: ArchiveResult) =>
  `archive: ${r.archived} object(s) archived (${r.bytes} bytes), ${r.waiting} not ingested yet, ` +
  `${r.failures.length} failed`;

export const archiveFailure = (r: ArchiveResult) =>
  r.failures.length === 0
    ? undefined
    : `${r.failures.length} object(s) not archived: ${
      r.failures.map((f) => `${f.key}: ${f.error}`).join("; ")
    }`;
