/** `ingest`: parse every unprocessed log object into raw entries (LETS: Load + Extract). */
import { ingest } from "../src/pipeline/ingest.ts";
import { COMMON_FLAGS, COMMON_HELP, contextFrom, parseFlags, runStep } from "./_cli.ts";
import { ingestFailure, ingestText } from "./_summary.ts";

const flags = parseFlags(
  COMMON_FLAGS,
  `
Usage: ingest --source <dir|s3://...> --store <dir|s3://...> [options]

Reads every log object in the source that is not ingested yet, parses it into typed
records and stores them under sa/cloudfront/raw/. Malformed lines are counted, not fatal;
an object that cannot be read (truncated gzip, wrong field list) fails alone, and the
exit code is 1 when any did.
${COMMON_HELP}`,
);
await runStep(flags, contextFrom(flags), (ctx) => ingest(ctx), ingestText, ingestFailure);
