/** `detect`: suggest the field list that fits the first lines of a log file. */
import { readFileSync } from "node:fs";
import { gunzipSync } from "fflate";
import { detectFields } from "../src/core/detect.ts";
import { isGzip } from "../src/core/gzip.ts";
import { fail, parseFlags } from "./_cli.ts";

const flags = parseFlags(
  { file: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  `
Usage: detect --file <log file (gzip or plain)> [--json]

Looks at the first lines and says which format and --fields preset fit them.`,
);
if (!flags.file) fail("--file is required", 2);
let bytes: Uint8Array;
try {
  bytes = new Uint8Array(readFileSync(flags.file));
} catch (e) {
  fail(`cannot read ${flags.file}: ${(e as Error).message}`);
}
if (isGzip(bytes)) {
  try {
    bytes = gunzipSync(bytes);
  } catch (e) {
    fail(`${flags.file} is not a readable gzip file: ${(e as Error).message}`);
  }
}
const head = new TextDecoder().decode(bytes.subarray(0, 256 * 1024));
const d = detectFields(head);
console.log(flags.json ? JSON.stringify(d, null, 2) : d.advice);
