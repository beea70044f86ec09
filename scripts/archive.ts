/** `archive`: move ingested log objects out of the live queue into a colder location. */
import { archive } from "../src/pipeline/archive.ts";
import { archiveFrom } from "../src/runtime/config.ts";
import { settingFlags, settingsHelp } from "../src/runtime/settings.ts";
import { prefixedStore } from "../src/store/tenant.ts";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  configured,
  contextFrom,
  fail,
  parseFlags,
  runStep,
  settingsOf,
} from "./_cli.ts";
import { archiveFailure, archiveText } from "./_summary.ts";

const flags = parseFlags(
  { ...COMMON_FLAGS, ...settingFlags(["archive", "storage-class"]) },
  `
Usage: archive --source <dir|s3://...> --store <dir|s3://...> --archive <dir|s3://...> [options]

Copies every ingested object to the archive location, verifies the copy byte for byte,
then deletes the original. Objects not ingested yet stay where they are.

${settingsHelp(["archive", "storage-class"])}${COMMON_HELP}`,
);
const target = configured(() => archiveFrom(settingsOf(flags)));
if (!target) fail("--archive is required (or set CLOUDFRONT_LETS_ARCHIVE)", 2);
const ctx = contextFrom(flags);
await runStep(
  flags,
  ctx,
  (c, tenant) =>
    archive(c, tenant ? prefixedStore(target.store, tenant) : target.store, target.storageClass),
  archiveText,
  archiveFailure,
);
