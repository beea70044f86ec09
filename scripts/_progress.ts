/**
 * Progress of a long step on stderr, fit for a terminal and for a log file: on a terminal
 * one line rewritten in place (objects or windows done of all, records/s, ETA); elsewhere a plain
 * line at most every {@link EVERY_MS}; the last object ends it with the totals.
 * @module
 */
import process from "node:process";
import { type Progress, PROGRESS_UNITS } from "../src/pipeline/context.ts";

/** Where progress goes: stderr, or a test's sink. */
export interface ProgressOut {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** How often a plain (not a terminal) progress line is written. */
const EVERY_MS = 10_000;
/** How often the terminal line is redrawn. */
const REDRAW_MS = 200;

/** Erases the terminal's current line. */
const CLEAR = "\r\x1b[K";

const count = (n: number) => n.toLocaleString("en-US");

/** `1h02m`, `3m05s`, `42s`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** The text of one progress report, `seconds` after the step began. */
export function progressText(p: Progress, seconds: number): string {
  const end = p.done === p.total;
  const rate = seconds > 0 ? Math.round(p.records / seconds) : 0;
  const when = end
    ? ` in ${duration(seconds)}`
    : p.done > 0
    ? `, ETA ${duration((seconds / p.done) * (p.total - p.done))}`
    : "";
  return `${p.step}: ${count(p.done)}/${count(p.total)} ${PROGRESS_UNITS[p.step]}, ${
    count(p.records)
  } records, ` +
    `${count(rate)} records/s${when}${p.failed ? `, ${count(p.failed)} failed` : ""}`;
}

/** A {@link Progress} sink that draws on `out` (see the module's doc). */
export function progressLine(
  out: ProgressOut = process.stderr,
  clock: () => number = () => performance.now(),
): (p: Progress) => void {
  const t0 = clock();
  let last = -Infinity;
  return (p) => {
    const now = clock();
    const end = p.done === p.total;
    if (!end && now - last < (out.isTTY ? REDRAW_MS : EVERY_MS)) return;
    last = now;
    const text = progressText(p, (now - t0) / 1000);
    out.write(out.isTTY ? `${CLEAR}${text}${end ? "\n" : ""}` : `${text}\n`);
  };
}

/** Messages for a person on `out`; on a terminal each first erases the progress line. */
export function messageLine(out: ProgressOut = process.stderr): (message: string) => void {
  return (message) => out.write(`${out.isTTY ? CLEAR : ""}${message}\n`);
}
