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

/** Every line parses with `fields`, and no column's values misfit its field's shape. */
function fits(lines: string[], fields: readonly string[], standard: boolean): boolean {
  const layout = compileLayout(fields, { standard });
  if (!lines.every((l) => typeof parseLine(l, layout) !== "string")) return false;
  const sample = fieldSample(fields, standard);
  for (const l of lines) sampleLine(sample, l);
  return misfitColumns(sample).length === 0;
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
    return { format: "json", columns: 0, presets: [], advice: "JSON lines: use --format json" };
  }
  const columns = lines[0].split("\t").length;
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
  if (/^\d{4}-\d{2}-\d{2}$/.test(lines[0].split("\t")[0])) {
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
  if (!/^\d{9,11}(\.\d{1,6})?$/.test(lines[0].split("\t")[0])) {
    return {
      format: "unknown",
      columns,
      presets: [],
      advice: "this does not look like a CloudFront log: its first line begins with no epoch " +
        "timestamp (real-time logs), no date (standard logs), no { (JSON lines) and no #Fields header",
    };
  }
  const presets = candidates().filter(([, f]) => f.length === columns && fits(lines, f, false))
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
