/**
 * Evidence that a field list is wrong, from the values themselves: a list of the right
 * width but the wrong fields (a field missing, another added) shifts every column after
 * the difference, so an address lands where a result type belongs and a byte count where
 * a status does. Sampled lines are split and every column with a known shape
 * ({@link FIELD_SHAPES}) is checked; a column whose values misfit in most sampled lines
 * names the mismatch.
 * @module
 */
import { FIELD_SHAPES, normalizeFieldName, VIEWER_FIELDS } from "./fields.ts";

/** What was seen of one field list's columns. */
export interface FieldSample {
  readonly fields: readonly string[];
  /** Sampled lines of the list's width. */
  lines: number;
  /** Per column, the sampled lines whose value does not fit the column's field. */
  readonly misfits: Int32Array;
  /** Extra trailing columns are allowed (standard logs). */
  readonly tolerateExtra: boolean;
  /** Per column, its field's shape, if it has one. */
  readonly shapes: ReadonlyArray<RegExp | undefined>;
}

/** An empty sample of `fields`. */
export function fieldSample(fields: readonly string[], tolerateExtra = false): FieldSample {
  return {
    fields,
    lines: 0,
    misfits: new Int32Array(fields.length),
    tolerateExtra,
    shapes: fields.map((f) =>
      VIEWER_FIELDS.has(normalizeFieldName(f)) ? undefined : FIELD_SHAPES[normalizeFieldName(f)]
    ),
  };
}

/** Adds one data line (no LF; a CR before it is dropped). Other widths say nothing: skipped. */
export function sampleLine(s: FieldSample, line: string): void {
  const cols = (line.endsWith("\r") ? line.slice(0, -1) : line).split("\t");
  const width = s.fields.length;
  if (cols.length < width || (cols.length > width && !s.tolerateExtra)) return;
  s.lines++;
  for (let c = 0; c < width; c++) {
    const shape = s.shapes[c];
    const v = cols[c];
    if (shape !== undefined && v !== "-" && v !== "" && !shape.test(v)) s.misfits[c]++;
  }
}

/** A column whose values misfit its field in most sampled lines. */
export interface Misfit {
  /** 1-based, as a person counts columns. */
  column: number;
  field: string;
  misfits: number;
  lines: number;
}

/** The columns whose values misfit their field in more than half of the sampled lines. */
export function misfitColumns(s: FieldSample): Misfit[] {
  const out: Misfit[] = [];
  s.misfits.forEach((n, c) => {
    if (n * 2 > s.lines) {
      out.push({ column: c + 1, field: s.fields[c], misfits: n, lines: s.lines });
    }
  });
  return out;
}
