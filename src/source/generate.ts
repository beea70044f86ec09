/**
 * Writes synthetic real-time logs as Firehose would deliver them: gzip objects under
 * `YYYY/MM/DD/HH/` named `<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>.gz`.
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Gzip } from "fflate";
import {
  prng,
  STANDARD_HEADER,
  syntheticLineMaker,
  type SyntheticOptions,
  toStandardLine,
} from "../core/synthetic.ts";
import { concatBytes as concat } from "../core/bytes.ts";

/** What to generate. */
export interface GenerateOptions extends SyntheticOptions {
  dir: string;
  lines: number;
  days: number;
  /** Epoch ms of the first record. */
  start: number;
  /** Number of objects (default: one per 15 minutes of traffic). */
  objects?: number;
  /** `realtime` (default): Firehose objects. `standard`: standard access logs, same records. */
  format?: "realtime" | "standard";
  onProgress?: (written: number, total: number) => void;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Generates the logs; returns the object keys written (relative to `dir`). */
export async function generateLogs(o: GenerateOptions): Promise<string[]> {
  const span = o.days * 86_400_000;
  const objects = Math.max(1, o.objects ?? Math.ceil(span / 900_000));
  const standard = o.format === "standard";
  const realtimeLine = syntheticLineMaker(o);
  const makeLine = standard ? (ms: number) => toStandardLine(realtimeLine(ms)) : realtimeLine;
  const rand = prng((o.seed ?? 1) ^ 0x5bd1e995);
  const keys: string[] = [];
  let written = 0;
  for (let k = 0; k < objects; k++) {
    const count = Math.floor((o.lines * (k + 1)) / objects) - Math.floor((o.lines * k) / objects);
    const from = o.start + (span * k) / objects;
    const width = span / objects;
    // Stream through gzip in batches: memory stays at the compressed size.
    const chunks: Uint8Array[] = [];
    const gzip = new Gzip({ level: 6 }, (chunk) => chunks.push(chunk));
    const encoder = new TextEncoder();
    if (standard) gzip.push(encoder.encode(STANDARD_HEADER));
    for (let i = 0; i < count; i += 5000) {
      const batch: string[] = [];
      for (let j = i; j < Math.min(count, i + 5000); j++) {
        batch.push(makeLine(Math.floor(from + (width * j) / count)) + "\n");
      }
      gzip.push(encoder.encode(batch.join("")));
    }
    gzip.push(new Uint8Array(0), true);
    // Firehose names an object after its delivery time: just after its last record.
    const d = new Date(Math.floor(from + width) + 30_000);
    const stamp = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${
      pad(d.getUTCHours())
    }`;
    const uuid = Array.from(
      { length: 4 },
      () => Math.floor(rand() * 0xffffffff).toString(16).padStart(8, "0"),
    ).join("-");
    // Standard logs are named <distribution>.YYYY-MM-DD-HH.<unique>.gz, by the hour they cover.
    const name = standard
      ? `E2EXAMPLE.${stamp}.${uuid.slice(0, 8)}.gz`
      : `cloudfront-rt-1-${stamp}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}-${uuid}.gz`;
    const key = `${stamp.slice(0, 4)}/${stamp.slice(5, 7)}/${stamp.slice(8, 10)}/${
      stamp.slice(11, 13)
    }/${name}`;
    await mkdir(join(o.dir, ...key.split("/").slice(0, -1)), { recursive: true });
    await writeFile(join(o.dir, ...key.split("/")), concat(chunks));
    keys.push(key);
    written += count;
    o.onProgress?.(written, o.lines);
  }
  return keys;
}
