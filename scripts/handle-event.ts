/**
 * `handle-event`: runs one Lambda event (S3, SQS, SNS, Kinesis or an EventBridge schedule),
 * read as JSON on stdin, against the configured source and store: for tests and replays.
 */
import process from "node:process";
import { handleEvent, kindOf } from "../src/runtime/events.ts";
import { archiveFrom, tenantsFrom } from "../src/runtime/config.ts";
import { settingFlags, settingsHelp } from "../src/runtime/settings.ts";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  configured,
  contextFrom,
  fail,
  parseFlags,
  settingsOf,
} from "./_cli.ts";

const flags = parseFlags(
  { ...COMMON_FLAGS, ...settingFlags(["archive", "storage-class"]) },
  `
Usage: handle-event --source <dir|s3://...> --store <dir|s3://...> [options] < event.json

Handles one event as the Lambda function would: S3 ObjectCreated notifications (direct,
through SQS, or SNS inside SQS) process the objects they name; Kinesis records become raw
entries; an EventBridge schedule sweeps the queue for objects older than the lag that no
notification brought, consolidates, aggregates and archives (with --archive).
Prints the result as JSON. Exits 1 when an object failed (an SQS or Kinesis batch with
batchItemFailures, or a direct S3 event).

With a directory --source, an S3 notification's key is read as a path under it. With
--tenants, a key's tenant is its first directory (or the distribution its name begins with).

${settingsHelp(["archive", "storage-class"])}${COMMON_HELP}`,
);

const ctx = contextFrom(flags);
const archiveTo = configured(() => archiveFrom(settingsOf(flags)));
const tenants = configured(() => tenantsFrom(settingsOf(flags)));
let text = "";
for await (const chunk of process.stdin) text += chunk;
let event: unknown;
try {
  event = JSON.parse(text);
} catch (e) {
  fail(`stdin is not a JSON event (${(e as Error).message})`, 2);
}
if (kindOf(event) === "http") fail("an HTTP event: use serve (or the Lambda handler) for it", 2);
try {
  const result = await handleEvent({ ctx, archive: archiveTo, tenants }, event);
  console.log(JSON.stringify(result, null, 2));
  if ("batchItemFailures" in result && result.batchItemFailures.length > 0) {
    fail(`${result.batchItemFailures.length} item(s) failed`);
  }
} catch (e) {
  fail((e as Error).message);
}
