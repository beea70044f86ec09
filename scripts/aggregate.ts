/** `aggregate`: roll up 30min → hourly → daily → monthly with finality (LETS: Save). */
import { aggregate } from "../src/pipeline/aggregate.ts";
import { COMMON_FLAGS, COMMON_HELP, contextFrom, parseFlags, run } from "./_cli.ts";
import { aggregateText } from "./_summary.ts";

const flags = parseFlags(
  COMMON_FLAGS,
  `
Usage: aggregate --source <dir|s3://...> --store <dir|s3://...> [--now ISO] [options]

Computes every period that has data and is not final yet. The source is read only to
find objects not ingested yet: they hold their windows back from finality.
${COMMON_HELP}`,
);
await run(flags.json, () => aggregate(contextFrom(flags)), aggregateText);
