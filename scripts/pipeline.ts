/** `pipeline`: ingest → consolidate → aggregate, and archive when --archive is given. */
import { DEFAULT_STORAGE_CLASS } from "../src/pipeline/archive.ts";
import { runPipeline } from "../src/pipeline/run.ts";
import { archiveFrom } from "../src/runtime/config.ts";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  configured,
  contextFrom,
  parseFlags,
  run,
  settingsOf,
} from "./_cli.ts";
import {
  aggregateText,
  archiveFailure,
  archiveText,
  consolidateText,
  ingestFailure,
  ingestText,
} from "./_summary.ts";

const flags = parseFlags(
  { ...COMMON_FLAGS, archive: { type: "string" }, "storage-class": { type: "string" } },
  `
Usage: pipeline --source <dir|s3://...> --store <dir|s3://...> [--archive <dir|s3://...>] [options]

Runs all four LETS steps in order; each persists its output before the next reads it.
Archive runs only when --archive (or CLOUDFRONT_LETS_ARCHIVE) is given.

  --archive <dir | s3://bucket/prefix>  archive location
  --storage-class <class>               default ${DEFAULT_STORAGE_CLASS}
${COMMON_HELP}`,
);
const ctx = contextFrom(flags);
const target = configured(() => archiveFrom(settingsOf(flags)));
await run(
  flags.json,
  () => runPipeline(ctx, target),
  (r) =>
    [
      ingestText(r.ingest),
      consolidateText(r.consolidate),
      aggregateText(r.aggregate),
      r.archive && archiveText(r.archive),
    ]
      .filter(Boolean).join("\n"),
  (r) => ingestFailure(r.ingest) ?? (r.archive && archiveFailure(r.archive)),
);
