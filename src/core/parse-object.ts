/**
 * Parses one log object (a byte stream of text) into rows, switching format per object
 * the way DESIGN §3 says: a `#Version`/`#Fields:` header means a standard log, a leading
 * `{` means JSON lines, anything else is read with the configured field list.
 *
 * Real-time lines of the common shape take the byte-level fast path ({@link scanLines});
 * every other line is decoded and read by the string parser ({@link parseLine}).
 * @module
 */
import { detectFields } from "./detect.ts";
import { type FieldSample, fieldSample, misfitColumns, sampleLine } from "./field-sample.ts";
import { COLUMNS } from "./columns.ts";
import { STANDARD_FIELDS } from "./fields.ts";
import {
  compileLayout,
  type Layout,
  type Malformed,
  MAX_LINE_BYTES,
  parseJsonLine,
  parseLine,
} from "./parse-line.ts";
import { emptyRow, type Row, rowFromRecord } from "./row.ts";
import { compileFast, scanLines, type ScanTarget } from "./scan-tsv.ts";
import type { ValueTable } from "./value-table.ts";
import { concatBytes as concat } from "./bytes.ts";

/** Input format as the user names it. */
/** The log formats a run can be told to read (a header or a JSON line also tells it). */
export const LOG_FORMATS = ["realtime", "standard", "json"] as const;
/** A log format. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** How to read an object whose content does not say. */
export interface ParseOptions {
  format: LogFormat;
  /** Column order for `realtime` (and for `standard` files without a header). */
  fields: readonly string[];
}

/** The record columns a layout reads from its fields (JSON lines: every column). */
export function loggedColumns(layout: Layout | undefined): string[] {
  return COLUMNS.filter((_, c) => layout === undefined || layout.source[c] >= 0).map((c) => c.name);
}

/** Counts for one object. Line numbers, never line content: lines carry addresses. */
export interface ParseStats {
  lines: number;
  records: number;
  skipped: number;
  malformed: number;
  malformed_by_reason: Partial<Record<Malformed, number>>;
  /** The first few malformed line numbers (1-based), for a person to look at. */
  malformed_lines: number[];
  format: LogFormat;
}

/** The field list does not fit the object at all: a configuration error, not bad lines. */
export class FieldMismatchError extends Error {
  override name = "FieldMismatchError";
}

/** Column counts standard logs had before today's 33 (2013, 2015, 2016, 2017). */
const HISTORICAL_WIDTHS = [18, 23, 24, 26];

/** Words for a person, per malformed reason. */
export const MALFORMED_REASONS: Record<Malformed, string> = {
  columns: "wrong column count",
  status: "sc-status not a 3-digit code",
  timestamp: "timestamp not epoch seconds of 2000-2099 (or date/time not a real UTC date and time)",
  number: "a number not a plain decimal within its field's limit",
  value: "a value that does not fit its field (method, protocol, edge, result type, country)",
  length: `a line longer than ${MAX_LINE_BYTES} bytes`,
};

/**
 * After this many data lines without a single record, the field list is declared wrong
 * without reading on: enough evidence that a block of bad lines at the top of an object
 * (which are counted as malformed, the records after them kept) is not mistaken for it.
 */
const PROBE_LINES = 1000;
/** Data lines kept to suggest a field list from ({@link detectFields}). */
const DETECT_LINES = 20;
/**
 * Lines sampled for the shape check: the first {@link SAMPLE_FIRST}, then one in 32 for as
 * many again, then one in {@link SAMPLE_EVERY}. A wrong list misfits nearly every line, so
 * a few dozen are evidence enough, and an object of a few hundred lines (what Firehose
 * delivers) is not read twice.
 */
const SAMPLE_FIRST = 32;
const SAMPLE_NEXT = 32;
const SAMPLE_EVERY = 1024;

/**
 * Streams `body`, calling `onRow` for every well-formed line. Text values are ids in
 * `tables` (one per ROW_TEXT column, see {@link rowTables}); the row is reused per line.
 * @throws FieldMismatchError when the first data lines all fail to parse.
 */
export async function parseObject(
  body: ReadableStream<Uint8Array>,
  options: ParseOptions,
  tables: ValueTable[],
  onRow: (row: Row) => void,
  /** Called with the record columns of each field list in effect (the first, and per header). */
  onColumns: (columns: string[]) => void = () => {},
): Promise<ParseStats> {
  const stats: ParseStats = {
    lines: 0,
    records: 0,
    skipped: 0,
    malformed: 0,
    malformed_by_reason: {},
    malformed_lines: [],
    format: options.format,
  };
  let layout: Layout | undefined = options.format === "json" ? undefined : compileLayout(
    options.format === "standard" && options.fields.length === 0 ? STANDARD_FIELDS : options.fields,
    { standard: options.format === "standard" },
  );
  let sawData = false;
  let headerSeen = false;
  // Standard logs without a header: every historical width (18, 23, 24, 26) is a prefix of
  // the current 33 fields, so a shorter line is read with the prefix of its own width.
  const prefixLayouts = new Map<number, Layout>();
  const standardPrefix = (line: string): Layout | undefined => {
    const width = line.split("\t", STANDARD_FIELDS.length + 1).length;
    if (width >= (layout?.fields.length ?? 0) || !HISTORICAL_WIDTHS.includes(width)) {
      return undefined;
    }
    let l = prefixLayouts.get(width);
    if (!l) {
      prefixLayouts.set(
        width,
        l = compileLayout(STANDARD_FIELDS.slice(0, width), { standard: true }),
      );
    }
    return l;
  };
  const probe: string[] = [];
  // One sample per field list in effect (a #Fields: header starts another).
  const samples: FieldSample[] = [];
  const newSample = (l: Layout | undefined) => {
    if (l) samples.push(fieldSample(l.fields, l.tolerateExtra));
  };
  // The columns of the field list that data lines are read with, said once per list (a
  // list a header replaces before any data line logged nothing).
  let announced: Layout | undefined | null = null;
  const announce = () => {
    if (announced === layout) return;
    announced = layout;
    onColumns(loggedColumns(layout));
  };
  newSample(layout);
  let sampled = 0;
  const sample = (line: string) => {
    const s = samples[samples.length - 1];
    if (s && layout) sampleLine(s, line);
    sampled++;
    target.sampleIn = sampled < SAMPLE_FIRST
      ? 1
      : sampled < 2 * SAMPLE_FIRST
      ? SAMPLE_NEXT
      : SAMPLE_EVERY;
  };
  const malformed = (n: number, reason: Malformed) => {
    stats.malformed++;
    stats.malformed_by_reason[reason] = (stats.malformed_by_reason[reason] ?? 0) + 1;
    if (stats.malformed_lines.length < 10) stats.malformed_lines.push(n);
  };
  const tooLong = () => malformed(++stats.lines, "length");

  const row = emptyRow();
  const onLine = (line: string) => {
    const n = ++stats.lines;
    // A blank line starts with a space or control character: only then is trim worth it.
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === "")) {
      stats.skipped++;
      return;
    }
    if (line.charCodeAt(0) === 35 /* # */) {
      stats.skipped++;
      const fields = headerFields(line);
      if (fields) {
        const standard = !fields.includes("timestamp");
        layout = layoutFromHeader(fields, standard);
        target.fast = compileFast(layout);
        newSample(layout);
        headerSeen = true;
        stats.format = standard ? "standard" : options.format;
      }
      return;
    }
    if (!sawData) {
      sawData = true;
      if (line.charCodeAt(0) === 123 /* { */) {
        layout = undefined;
        target.fast = undefined;
        stats.format = "json";
      }
    }
    if (probe.length < DETECT_LINES) probe.push(line);
    if (--target.sampleIn <= 0) sample(line);
    announce();
    let result = layout ? parseLine(line, layout) : parseJsonLine(line);
    if (result === "columns" && stats.format === "standard" && !headerSeen) {
      const shorter = standardPrefix(line);
      if (shorter) result = parseLine(line, shorter);
    }
    if (typeof result === "string") {
      malformed(n, result);
      if (stats.records === 0 && stats.malformed >= PROBE_LINES) {
        throw mismatch(probe, layout, stats);
      }
      return;
    }
    stats.records++;
    onRow(rowFromRecord(row, tables, result));
  };
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const target: ScanTarget = {
    fast: layout && compileFast(layout),
    tables,
    row: emptyRow(),
    onRow(r) {
      stats.lines++;
      stats.records++;
      sawData = true;
      if (announced !== layout) announce();
      onRow(r);
    },
    onOther: (bytes, start, end) => {
      if (end - start > MAX_LINE_BYTES) tooLong();
      else onLine(decoder.decode(bytes.subarray(start, end)));
    },
    sampleIn: 1,
    onSample: (bytes, start, end) => {
      const line = decoder.decode(bytes.subarray(start, end));
      if (probe.length < DETECT_LINES) probe.push(line);
      sample(line);
    },
  };

  // Lines are cut from the chunks as they come; a line split across chunks is joined, up
  // to MAX_LINE_BYTES: past that the rest of the line is skipped in constant memory.
  const reader = body.getReader();
  let carry: Uint8Array[] = [];
  let carried = 0;
  let skipping = false;
  let atStart = true;
  const from = (bytes: Uint8Array): number => {
    if (!atStart) return 0;
    atStart = false;
    return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  };
  try {
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      // One array class in the hot loop: a Node Buffer (a Uint8Array subclass) next to plain
      // Uint8Arrays makes every byte load polymorphic. The view costs no copy.
      const value = chunk.constructor === Uint8Array
        ? chunk
        : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let pos = 0;
      if (skipping || carried > 0) {
        const nl = value.indexOf(10);
        if (nl === -1) {
          if (!skipping && carried + value.length > MAX_LINE_BYTES) {
            tooLong();
            [carry, carried, skipping] = [[], 0, true];
          } else if (!skipping) {
            carry.push(value.slice());
            carried += value.length;
          }
          continue;
        }
        pos = nl + 1;
        if (skipping) skipping = false;
        else if (carried + nl > MAX_LINE_BYTES) tooLong();
        else {
          const line = concat([...carry, value.subarray(0, pos)]);
          scanLines(line, from(line), target);
        }
        [carry, carried] = [[], 0];
      } else pos = from(value);
      const rest = scanLines(value, pos, target);
      if (rest < value.length) {
        if (value.length - rest > MAX_LINE_BYTES) {
          tooLong();
          skipping = true;
        } else [carry, carried] = [[value.slice(rest)], value.length - rest];
      }
    }
    if (carried > 0) {
      const last = concat(carry);
      const start = from(last);
      const end = last[last.length - 1] === 13 ? last.length - 1 : last.length;
      if (last.length > start) target.onOther(last, start, end);
    }
    if (stats.records === 0 && stats.malformed > 0) throw mismatch(probe, layout, stats);
    const misfits = samples.flatMap((s) => misfitColumns(s).map((m) => ({ ...m, s })));
    if (misfits.length > 0) throw shapeMismatch(misfits, probe, layout);
  } catch (e) {
    // Cancel the body (nothing, when it was read to its end), so that its source (a file,
    // an S3 connection, a gunzip thread) is let go of now, not when collected.
    await reader.cancel(e).catch(() => {});
    throw e;
  }
  return stats;
}

function layoutFromHeader(fields: string[], standard: boolean): Layout {
  try {
    return compileLayout(fields, { standard });
  } catch (e) {
    const rtmp = fields.includes("x-event") ? " (an RTMP streaming log: not supported)" : "";
    throw new FieldMismatchError(
      `the #Fields: header does not describe a web access log${rtmp}: ${(e as Error).message}`,
    );
  }
}

function headerFields(line: string): string[] | undefined {
  // Headers are space-separated by the spec and tab-separated in some real files.
  const m = /^#\s*Fields:\s*(.*)$/.exec(line.replace(/\u200b/g, ""));
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : undefined;
}

function mismatch(probe: string[], layout: Layout | undefined, stats: ParseStats): Error {
  const reasons = Object.entries(stats.malformed_by_reason).map(([r, c]) =>
    `${c}: ${MALFORMED_REASONS[r as Malformed]}`
  ).join(", ");
  const width = layout?.fields.length;
  const got = probe[0]?.split("\t").length;
  const detected = detectFields(probe.join("\n"));
  const what = layout
    ? `the field list (${width} fields) does not fit: the first ${stats.malformed} data line(s) failed ` +
      `(${reasons})` + (got === undefined ? "" : `; the first data line has ${got} columns`)
    : `JSON lines could not be read (${reasons})`;
  return new FieldMismatchError(`${what}. Suggestion: ${detected.advice}`);
}

/**
 * The field list fits the lines' width but not their values. The message names columns
 * and fields, never a value: values may hold addresses.
 */
function shapeMismatch(
  misfits: ReturnType<typeof misfitColumns>,
  probe: string[],
  layout: Layout | undefined,
): Error {
  const [first, ...more] = misfits;
  const detected = detectFields(probe.join("\n"));
  return new FieldMismatchError(
    `the field list (${layout?.fields.length} fields) does not fit the values: in ` +
      `${first.misfits} of ${first.lines} sampled lines, column ${first.column} does not ` +
      `hold ${first.field}` +
      (more.length
        ? ` (nor ${more.slice(0, 3).map((m) => `column ${m.column} ${m.field}`).join(", ")}` +
          `${more.length > 3 ? `, and ${more.length - 3} more` : ""})`
        : "") +
      `. Suggestion: ${detected.advice}`,
  );
}
