/** `detect`: suggest the field list that fits the first lines of a log file. */
import { readFileSync } from "node:fs";
import { gunzipSync } from "fflate";
import { detectFields } from "../src/core/detect.ts";
import { isGzip } from "../src/core/gzip.ts";
import { fail, parseCommandLine } from "./_cli.ts";

const { values: flags, positionals } = parseCommandLine(
  { file: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  `
Usage: detect FILE [--json]
       detect --file FILE [--json]

Looks at the first lines of FILE (a log object, gzip or plain) and says which format and
--fields preset fit them.`,
  1,
);
if (positionals[0] !== undefined && flags.file !== undefined) {
  fail("name the file once: as an argument or with --file", 2);
}
const file = positionals[0] ?? flags.file;
if (!file) fail("name the log file to look at: detect FILE (see --help)", 2);
let bytes: Uint8Array;
try {
  bytes = new Uint8Array(readFileSync(file));
} catch (e) {
  fail(`cannot read ${file}: ${(e as Error).message}`);
}
if (isGzip(bytes)) {
  try {
    bytes = gunzipSync(bytes);
  } catch (e) {
    fail(`${file} is not a readable gzip file: ${(e as Error).message}`);
  }
}
const head = new TextDecoder().decode(bytes.subarray(0, 256 * 1024));
const d = detectFields(head);
console.log(flags.json ? JSON.stringify(d, null, 2) : d.advice);
