/**
 * Suggests the field list that fits the first lines of a file, so a wrong `--fields` gets
 * a useful error instead of silently mislabelled columns.
 * @module
 */
import { fieldSample, misfitColumns, sampleLine } from "./field-sample.ts";
import { CANONICAL_FIELDS, PRESETS, STANDARD_FIELDS } from "./fields.ts";
import { compileLayout, parseLine } from "./parse-line.ts";

/** What {@link detectFields} found. */
export interface Detection {
  format: "realtime" | "standard" | "json" | "unknown";
  /** Columns in the first data line (0 for JSON). */
  columns: number;
  /** Names of presets whose every sampled line parses, best first. */
  presets: string[];
  /** The field list from a `#Fields:` header, or the standard prefix that fits. */
  fields?: string[];
  /** One sentence for a person. */
  advice: string;
}

/** Candidate real-time field sets: the presets plus the 2021+ full list (with s-ip). */
function candidates(): Array<[string, readonly string[]]> {
  const list: Array<[string, readonly string[]]> = Object.entries(PRESETS).filter(([n]) =>
    n !== "standard"
  );
  list.push(["all-2020 with s-ip (fields 1-41)", CANONICAL_FIELDS.slice(0, 41)]);
  return list;
}

/** Lines of a sample that may be malformed (logs have some) while a field list fits it. */
const MALFORMED_SHARE = 0.2;

/**
 * Nearly every line parses with `fields` (a few malformed ones, as real logs have, do not
 * count against it), and no column's values misfit its field's shape.
 */
function fits(lines: string[], fields: readonly string[], standard: boolean): boolean {
  const layout = compileLayout(fields, { standard });
  const parsed = lines.filter((l) => typeof parseLine(l, layout) !== "string");
  if (parsed.length === 0 || parsed.length < lines.length * (1 - MALFORMED_SHARE)) return false;
  const sample = fieldSample(fields, standard);
  for (const l of parsed) sampleLine(sample, l);
  return misfitColumns(sample).length === 0;
}

/** Whether a line is a JSON object naming at least one log field (standard logging v2). */
function isJsonLogLine(line: string): boolean {
  try {
    const o = JSON.parse(line);
    return o !== null && typeof o === "object" && !Array.isArray(o) &&
      Object.keys(o).some((k) => CANONICAL_FIELDS.includes(k) || STANDARD_FIELDS.includes(k));
  } catch {
    return false;
  }
}

/** Looks at up to 20 data lines and names the field sets they fit. */
export function detectFields(text: string): Detection {
  const all = text.split(/\r?\n/);
  const header = all.find((l) => l.startsWith("#Fields:"));
  const lines = all.filter((l) => l.trim() !== "" && !l.startsWith("#")).slice(0, 20);
  if (lines.length === 0) {
    return { format: "unknown", columns: 0, presets: [], advice: "no data lines to look at" };
  }
  if (lines[0].trimStart().startsWith("{")) {
    return isJsonLogLine(lines[0])
      ? { format: "json", columns: 0, presets: [], advice: "JSON lines: use --format json" }
      : {
        format: "unknown",
        columns: 0,
        presets: [],
        advice: "this does not look like a CloudFront log: its first line is no JSON object " +
          "of log fields (standard logging v2 writes one per line)",
      };
  }
  // The width most lines have, and the first such line: a stray line does not decide.
  const widths = new Map<number, number>();
  for (const l of lines) {
    const n = l.split("\t").length;
    widths.set(n, (widths.get(n) ?? 0) + 1);
  }
  const columns = [...widths].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0];
  const first = lines.find((l) => l.split("\t").length === columns)!;
  if (header) {
    const fields = header.slice("#Fields:".length).trim().split(/\s+/);
    return {
      format: fields.includes("timestamp") ? "realtime" : "standard",
      columns,
      presets: [],
      fields,
      advice: `the file names its ${fields.length} fields in a #Fields: header; nothing to set`,
    };
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(first.split("\t")[0])) {
    const width = Math.min(columns, STANDARD_FIELDS.length);
    const fields = STANDARD_FIELDS.slice(0, width);
    const ok = fits(lines, fields, true);
    return {
      format: "standard",
      columns,
      presets: ok && width === 33 ? ["standard"] : [],
      fields: ok ? fields : undefined,
      // Headerless standard logs of every historical width are read by --format standard.
      advice: ok
        ? `standard access log with ${width} fields: --format standard`
        : `looks like a standard access log, but ${columns} columns fit no known layout`,
    };
  }
  // A real-time line begins with its epoch seconds: anything else is no CloudFront log.
  if (!/^\d{9,11}(\.\d{1,6})?$/.test(first.split("\t")[0])) {
    return {
      format: "unknown",
      columns,
      presets: [],
      advice: "this does not look like a CloudFront log: its first line begins with no epoch " +
        "timestamp (real-time logs), no date (standard logs), no { (JSON lines) and no #Fields header",
    };
  }
  // Lines of another width are malformed whatever the fields: the others decide.
  const wide = lines.filter((l) => l.split("\t").length === columns);
  const presets = candidates().filter(([, f]) => f.length === columns && fits(wide, f, false))
    .map(([name]) => name);
  return {
    format: "realtime",
    columns,
    presets,
    advice: presets.length > 0
      ? `real-time log with ${columns} columns: --fields ${presets[0]}`
      : `real-time log with ${columns} columns; no preset has ${columns} fields that fit: pass the ` +
        `fields selected in the CloudFront real-time log configuration with --fields a,b,c`,
  };
}
