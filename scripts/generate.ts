/** `generate`: write realistic synthetic real-time logs in the Firehose layout. */
import { generateLogs } from "../src/source/generate.ts";
import { fail, parseFlags, progress } from "./_cli.ts";

const flags = parseFlags(
  {
    out: { type: "string" },
    lines: { type: "string" },
    days: { type: "string" },
    start: { type: "string" },
    objects: { type: "string" },
    seed: { type: "string" },
    paths: { type: "string" },
    "malformed-rate": { type: "string" },
    format: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  `
Usage: generate --out <dir> [--lines N] [--days N] [--start ISO] [--objects N] [--seed N]

Writes gzip'd real-time log objects (the 'all' preset, 46 fields, about 550 bytes a line)
under <dir>/YYYY/MM/DD/HH/ as Firehose names them, deterministic per seed: heavy-tailed
paths (HTML pages and assets with their content types), a few hundred user agents
(browsers on every kind of device, crawlers, AI bots, link previews, monitors, feed
readers, HTTP libraries, none), referers of every channel and utm-tagged entries, weighted
countries with their ASNs and nearby edges, http/https/wss, HTTP/1.1, 2 and 3, TLS 1.2
and 1.3, IPv4 and IPv6 clients, status codes including 000 and incomplete downloads.

  --out <dir>              where to write (required)
  --lines <n>              total lines (default 10000)
  --days <n>               days of traffic (default 1)
  --start <ISO>            first record (default 2024-03-01T00:00:00Z)
  --objects <n>            number of objects (default one per 15 minutes)
  --seed <n>               PRNG seed (default 1)
  --paths <n>              distinct paths (default 20000)
  --malformed-rate <x>     fraction of lines with a wrong column count (default 0)
  --format <f>             realtime (default), or standard: the same records as standard
                           access logs (33 fields, #Fields header, <dist>.YYYY-MM-DD-HH.<id>.gz)
  --json                   print the written keys as JSON`,
);
const num = (v: string | undefined, d: number, name: string) => {
  const n = v === undefined ? d : Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number`, 2);
  return n;
};
if (!flags.out) fail("--out is required", 2);
const format = flags.format ?? "realtime";
if (format !== "realtime" && format !== "standard") {
  fail("--format must be realtime or standard", 2);
}
const start = Date.parse(flags.start ?? "2024-03-01T00:00:00Z");
if (Number.isNaN(start)) fail(`--start must be an ISO-8601 time`, 2);
const lines = num(flags.lines, 10_000, "lines");
const keys = await generateLogs({
  dir: flags.out,
  lines,
  days: num(flags.days, 1, "days"),
  start,
  objects: flags.objects ? num(flags.objects, 1, "objects") : undefined,
  seed: num(flags.seed, 1, "seed"),
  paths: num(flags.paths, 20_000, "paths"),
  malformedRate: num(flags["malformed-rate"], 0, "malformed-rate"),
  format,
  onProgress: (n, total) => {
    if (n === total || n % 100_000 < 1000) progress(`generated ${n}/${total} lines`);
  },
});
console.log(
  flags.json
    ? JSON.stringify({ out: flags.out, lines, objects: keys }, null, 2)
    : `wrote ${keys.length} objects, ${lines} lines to ${flags.out}`,
);
