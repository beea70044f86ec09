/** `aggregate`: roll up 30min → hourly → daily → monthly with finality (LETS: Save). */
import { aggregate } from "../src/pipeline/aggregate.ts";
import { COMMON_FLAGS, COMMON_HELP, contextFrom, parseFlags, runStep } from "./_cli.ts";
import { aggregateFailure, aggregateText } from "./_summary.ts";

const flags = parseFlags(
  { ...COMMON_FLAGS, rebuild: { type: "boolean" } },
  `
Usage: aggregate --source <dir|s3://...> --store <dir|s3://...> [--now ISO] [--rebuild] [options]

Computes every period that has data and is not final yet. The source is read only to
find objects not ingested yet: they hold their windows back from finality. Periods before
the watermark (sa/cloudfront/aggregate/_watermark.json) are final and not looked at.

  --rebuild                             ignore the watermark: look at every period with data
${COMMON_HELP}`,
);
const { rebuild, ...common } = flags;
await runStep(
  flags,
  contextFrom(common),
  (ctx) => aggregate(ctx, { rebuild }),
  aggregateText,
  aggregateFailure,
);
