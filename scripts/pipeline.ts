/** `pipeline`: ingest → consolidate → aggregate, and archive when --archive is given. */
import { runPipeline } from "../src/pipeline/run.ts";
import { archiveFrom } from "../src/runtime/config.ts";
import { settingFlags, settingsHelp } from "../src/runtime/settings.ts";
import { prefixedStore } from "../src/store/tenant.ts";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  configured,
  contextFrom,
  parseFlags,
  runStep,
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
  { ...COMMON_FLAGS, ...settingFlags(["archive", "storage-class"]) },
  `
Usage: pipeline --source <dir|s3://...> --store <dir|s3://...> [--archive <dir|s3://...>] [options]

Runs all four LETS steps in order; each persists its output before the next reads it.
Archive runs only when --archive (or CLOUDFRONT_LETS_ARCHIVE) is given.

${settingsHelp(["archive", "storage-class"])}${COMMON_HELP}`,
);
const ctx = contextFrom(flags);
const target = configured(() => archiveFrom(settingsOf(flags)));
await runStep(
  flags,
  ctx,
  (c, tenant) =>
    runPipeline(
      c,
      target && tenant ? { ...target, store: prefixedStore(target.store, tenant) } : target,
    ),
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
