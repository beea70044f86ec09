/**
 * The store key layout (DESIGN §4): the one place that spells out where things live.
 * @module
 */
import { type Period, periodKey } from "./windows.ts";

/** Root of everything this project writes. */
export const ROOT = "sa/cloudfront";

/** The areas of the layout, each a prefix ending in `/`: every key below is built from these. */
export const RAW_PREFIX = `${ROOT}/raw/`;
/** See {@link RAW_PREFIX}. */
export const LEDGER_PREFIX = `${ROOT}/ledger/`;
/** See {@link RAW_PREFIX}. */
export const PENDING_PREFIX = `${ROOT}/pending/`;
/** See {@link RAW_PREFIX}. */
export const CONSOLIDATED_PREFIX = `${ROOT}/consolidated/`;
/** See {@link RAW_PREFIX}. */
export const AGGREGATE_PREFIX = `${ROOT}/aggregate/`;

/** `YYYY-MM-DD/HH-MM`: the directory of the 30-minute window starting at `ms`. */
export function windowDir(windowStartMs: number): string {
  const k = periodKey("30min", windowStartMs); // YYYY-MM-DD-HHMM
  return `${k.slice(0, 10)}/${k.slice(11, 13)}-${k.slice(13, 15)}`;
}

/** Window start (epoch ms) from a `YYYY-MM-DD/HH-MM` directory, or undefined. */
export function parseWindowDir(dir: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})\/(\d{2})-(00|30)$/.exec(dir);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) : undefined;
}

/** Day start (epoch ms) from a `YYYY-MM-DD` directory (the first part of a window's), or undefined. */
export function parseDayDir(dir: string): number | undefined {
  return parseWindowDir(`${dir}/00-00`);
}

/** Raw records of one source object in one window, split in parts to bound memory. */
export function rawKey(windowStartMs: number, sourceHash: string, part: number): string {
  return `${RAW_PREFIX}${windowDir(windowStartMs)}/${sourceHash}-${
    String(part).padStart(4, "0")
  }.json`;
}

/** Prefix of every raw entry of one window. */
export function rawWindowPrefix(windowStartMs: number): string {
  return `${RAW_PREFIX}${windowDir(windowStartMs)}/`;
}

/** The ingest ledger: written last, so its presence means every raw part is stored. */
export function ledgerKey(sourceHash: string): string {
  return `${LEDGER_PREFIX}${sourceHash}.json`;
}

/** A marker that a window got new raw entries and must be consolidated. */
export function pendingKey(windowStartMs: number, sourceHash: string): string {
  return `${PENDING_PREFIX}${windowDir(windowStartMs)}/${sourceHash}`;
}

/** The consolidated summary of one window. */
export function consolidatedKey(windowStartMs: number): string {
  return `${CONSOLIDATED_PREFIX}${windowDir(windowStartMs)}/summary.json`;
}

/**
 * The window's exact counts beside its summary (nothing cut), with the sources they hold:
 * what consolidation adds a new source to instead of reading every source again.
 */
export function windowCountsKey(windowStartMs: number): string {
  return `${CONSOLIDATED_PREFIX}${windowDir(windowStartMs)}/counts.json`;
}

/** `.../aggregate/{period}/{key}/data.json` */
export function aggregateKey(period: Period, key: string): string {
  return `${AGGREGATE_PREFIX}${period}/${key}/data.json`;
}

/** `.../aggregate/{period}/{key}/__meta.json` */
export function metaKey(period: Period, key: string): string {
  return `${AGGREGATE_PREFIX}${period}/${key}/__meta.json`;
}

/** The aggregate watermark (see watermark.ts); it lives with the aggregates it describes. */
export const WATERMARK_KEY = `${AGGREGATE_PREFIX}_watermark.json`;
