/** `consolidate`: rebuild every 30-minute window that got new raw entries (LETS: Transform). */
import { consolidate } from "../src/pipeline/consolidate.ts";
import { COMMON_FLAGS, COMMON_HELP, contextFrom, parseFlags, run } from "./_cli.ts";
import { consolidateText } from "./_summary.ts";

const flags = parseFlags(COMMON_FLAGS, `
Usage: consolidate --store <dir|s3://...> [options]

Groups the raw records of every window with new data into per-path counts and a
mergeable summary under sa/cloudfront/consolidated/. Re-running is safe.
${COMMON_HELP}`);
await run(flags.json, () => consolidate(contextFrom({ source: ".", ...flags })), consolidateText);
