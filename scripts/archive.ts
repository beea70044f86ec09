/** `archive`: move ingested log objects out of the live queue into a colder location. */
import { archive, DEFAULT_STORAGE_CLASS } from "../src/pipeline/archive.ts";
import { archiveFrom } from "../src/runtime/config.ts";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  configured,
  contextFrom,
  fail,
  parseFlags,
  run,
  settingsOf,
} from "./_cli.ts";
import { archiveFailure, archiveText } from "./_summary.ts";

const flags = parseFlags(
  { ...COMMON_FLAGS, archive: { type: "string" }, "storage-class": { type: "string" } },
  `
Usage: archive --source <dir|s3://...> --store <dir|s3://...> --archive <dir|s3://...> [options]

Copies every ingested object to the archive location, verifies the copy byte for byte,
then deletes the original. Objects not ingested yet stay where they are.

  --archive <dir | s3://bucket/prefix>  archive location           [CLOUDFRONT_LETS_ARCHIVE]
  --storage-class <class>               default ${DEFAULT_STORAGE_CLASS}
${COMMON_HELP}`,
);
const target = configured(() => archiveFrom(settingsOf(flags)));
if (!target) fail("--archive is required (or set CLOUDFRONT_LETS_ARCHIVE)", 2);
const ctx = contextFrom(flags);
await run(
  flags.json,
  () => archive(ctx, target.store, target.storageClass),
  archiveText,
  archiveFailure,
);
