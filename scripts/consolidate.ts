/** `consolidate`: rebuild every 30-minute window that got new raw entries (LETS: Transform). */
import { consolidate } from "../src/pipeline/consolidate.ts";
import { COMMON_FLAGS, COMMON_HELP, parseFlags, runStep, storeContextFrom } from "./_cli.ts";
import { consolidateFailure, consolidateText } from "./_summary.ts";

const flags = parseFlags(
  { ...COMMON_FLAGS, rebuild: { type: "boolean" } },
  `
Usage: consolidate --store <dir|s3://...> [--rebuild] [options]

Groups the raw records of every window with new data into per-path counts and a
mergeable summary under sa/cloudfront/consolidated/. Re-running is safe.

  --rebuild                             rebuild every window that has raw entries
${COMMON_HELP}`,
);
const { rebuild, ...common } = flags;
await runStep(
  flags,
  storeContextFrom(common),
  (ctx) => consolidate(ctx, { rebuild }),
  consolidateText,
  consolidateFailure,
);
