/** `detect`: suggest the field list that fits the first lines of a log file. */
import process from "node:process";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { Gunzip } from "fflate";
import { detectFields } from "../src/core/detect.ts";
import { isGzip } from "../src/core/gzip.ts";
import { fail, parseCommandLine } from "./_cli.ts";

const { values: flags, positionals } = parseCommandLine(
  { file: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  `
Usage: detect FILE [--json]
       detect --file FILE [--json]

Looks at the first lines of FILE (a log object, gzip or plain) and says which format and
--fields preset fit them. Only the start of the file is read, however large it is.`,
  1,
);
if (positionals[0] !== undefined && flags.file !== undefined) {
  fail("name the file once: as an argument or with --file", 2);
}
const file = positionals[0] ?? flags.file;
if (!file) fail("name the log file to look at: detect FILE (see --help)", 2);

/** What is looked at: the first 256 KiB of text, from at most 8 MiB of the file. */
const TEXT_BYTES = 256 * 1024;
const FILE_BYTES = 8 * 1024 * 1024;

let bytes: Uint8Array;
try {
  if (!statSync(file).isFile()) fail(`${file} is not a regular file`);
  const fd = openSync(file, "r");
  try {
    const buffer = new Uint8Array(FILE_BYTES);
    bytes = buffer.subarray(0, readSync(fd, buffer, 0, FILE_BYTES, 0));
  } finally {
    closeSync(fd);
  }
} catch (e) {
  fail(`cannot read ${file}: ${(e as Error).message}`);
}
// A start that was cut (by the limits, or a stream cut short) ends in a partial line: dropped.
let cut = bytes.length >= FILE_BYTES || bytes.length > TEXT_BYTES;
if (isGzip(bytes)) ({ text: bytes, cut } = gunzipStart(bytes, file));
let head = new TextDecoder().decode(bytes.subarray(0, TEXT_BYTES));
if (cut && head.includes("\n")) head = head.slice(0, head.lastIndexOf("\n") + 1);
const d = detectFields(head);
console.log(flags.json ? JSON.stringify(d, null, 2) : d.advice);
// Nothing was recognised: a script that asks must not take the advice for a field list.
if (d.format === "unknown") process.exit(1);

/**
 * The first {@link TEXT_BYTES} of what `gz` inflates to: inflating stops there, so a small
 * file that inflates to gigabytes costs no more. A stream cut short gives what came before.
 */
function gunzipStart(gz: Uint8Array, name: string): { text: Uint8Array; cut: boolean } {
  const out: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  const g = new Gunzip((chunk, final) => {
    out.push(chunk);
    size += chunk.length;
    ended ||= final;
  });
  let why = "the stream ends early";
  try {
    for (let at = 0; at < gz.length && size < TEXT_BYTES; at += 16 * 1024) {
      g.push(gz.subarray(at, at + 16 * 1024), at + 16 * 1024 >= gz.length);
    }
  } catch (e) {
    why = (e as Error).message;
  }
  if (size === 0) fail(`${name} is not a readable gzip file: ${why}`);
  const text = new Uint8Array(Math.min(size, TEXT_BYTES));
  let at = 0;
  for (const c of out) {
    if (at >= text.length) break;
    text.set(c.subarray(0, text.length - at), at);
    at += Math.min(c.length, text.length - at);
  }
  return { text, cut: !ended || size > TEXT_BYTES };
}
