/**
 * The fast path of the parser: log lines read straight from the bytes.
 *
 * A WebAssembly kernel (wasm/scan-lines.wat) finds the tabs and line ends 32 bytes at a
 * time, reads the numbers, and gives each kept text field its value-table id from an
 * index of the bytes seen before; here a line then costs a few checks: no string, object
 * or decode per line. It takes only lines of the common shape (the exact width, a 3-digit
 * status, plain decimal numbers, no leading blank, `#` or `{`); every other line goes to
 * the string parser, whose rules ({@link parseLine}) stay the single definition of what a
 * line means. A test holds the two paths to the same output on every fixture and on
 * generated edge cases.
 * @module
 */
import { NUMBER_LIMITS } from "./fields.ts";
import { COLUMNS, TEXT_COLUMN_SPECS } from "./columns.ts";
import { KEPT_FIELDS, type Layout, MAX_EPOCH_S, MIN_EPOCH_S } from "./parse-line.ts";
import { NUMBER_COLUMNS } from "./record.ts";
import { generations, type Row, ROW_TEXT } from "./row.ts";
import { idOfLogged, idOfValue, REFUSED, type ValueTable } from "./value-table.ts";
import { SCAN_LINES_WASM } from "./wasm/scan-lines.ts";

// Field slots: the numbers, then the date and time, then the text columns in ROW_TEXT
// order (status is text 0). The kernel reads five numbers: the column table's.
const TIMESTAMP = 0;
const BYTES = 1;
const TIME_TAKEN = 2;
const TTFB = 3;
const BYTES_IN = 4;
const DATE = 5;
const TIME = 6;
const TEXT0 = 7;
const SLOTS = TEXT0 + ROW_TEXT.length;
const STATUS = TEXT0 + ROW_TEXT.indexOf("status");
if (
  NUMBER_COLUMNS.join() !== "timestamp,bytes,time_taken_ms,ttfb_ms,bytes_in" ||
  NUMBER_COLUMNS.length !== TEXT0 - 2 || (1 + SLOTS) % 2 !== 0
) {
  throw new Error("scan-tsv: the kernel's number slots do not match the column table");
}
/** Per record column (COLUMNS order), its slot. */
const SLOT_OF_COLUMN = Int8Array.from(
  COLUMNS,
  (c) => (c.kind === "text" ? TEXT0 + ROW_TEXT.indexOf(c.name) : NUMBER_COLUMNS.indexOf(c.name)),
);
/** Slots of a query, empty unless it holds `utm_` (only those parameters are kept). */
const UTM_ONLY = new Set(
  TEXT_COLUMN_SPECS.filter((c) => c.utmOnly).map((c) =>
    TEXT0 + (ROW_TEXT as readonly string[]).indexOf(c.name)
  ),
);
/** Slots whose value is cut at the first `?` (the path: the query is not kept). */
const CUT_QUERY = new Set(
  TEXT_COLUMN_SPECS.filter((c) => c.cutQuery).map((c) =>
    TEXT0 + (ROW_TEXT as readonly string[]).indexOf(c.name)
  ),
);
const W_DATE = KEPT_FIELDS.indexOf("date");
const W_TIME = KEPT_FIELDS.indexOf("time");

/** A layout compiled for the byte kernel. */
export interface FastLayout {
  readonly width: number;
  /** Per column, the slot it fills, or -1. */
  readonly slotOf: Int8Array;
  /** Per slot, whether some column fills it. */
  readonly present: Uint8Array;
  /**
   * Per slot, what the kernel does beyond finding it: 0 nothing, 1 id, 2 cut at `?` and
   * id, 3 read a number, 4 empty unless it holds `utm_`, and id.
   */
  readonly what: Uint8Array;
  /**
   * Per column `j` below 256, the first tab at or after the `j`th that ends or begins a kept
   * field (255 when none): the kernel only counts the tabs before it.
   */
  readonly need: Uint8Array;
}

/** Columns the kernel's layout table holds (see scan-lines.wat). */
const MAX_WIDTH = 256;

/**
 * Compiles a layout for the fast path, or undefined when it has no time columns at all,
 * more columns than the kernel maps, or WebAssembly (with SIMD) is missing here: then
 * every line goes to the string parser, which gives the same records, only slower.
 */
export function compileFast(layout: Layout): FastLayout | undefined {
  const has = (name: string) => layout.fields.includes(name);
  if (!has("timestamp") && !(has("date") && has("time"))) return undefined;
  if (layout.fields.length > MAX_WIDTH || !kernelModule()) return undefined;
  // Each column's slot: that of the record column reading its field, if any does.
  const slotOfKept = new Int8Array(KEPT_FIELDS.length).fill(-1);
  layout.source.forEach((w, c) => {
    if (w >= 0) slotOfKept[w] = SLOT_OF_COLUMN[c];
  });
  slotOfKept[W_DATE] = DATE;
  slotOfKept[W_TIME] = TIME;
  const slotOf = Int8Array.from(layout.want, (w) => (w < 0 ? -1 : slotOfKept[w]));
  const present = new Uint8Array(SLOTS);
  for (const s of slotOf) if (s >= 0) present[s] = 1;
  const what = present.map((p, s) =>
    !p || s === DATE || s === TIME
      ? 0
      : s < TEXT0
      ? 3
      : CUT_QUERY.has(s)
      ? 2
      : UTM_ONLY.has(s)
      ? 4
      : 1
  );
  const kept = (j: number) => j < slotOf.length && slotOf[j] >= 0;
  const need = new Uint8Array(MAX_WIDTH).fill(255);
  for (let j = MAX_WIDTH - 2; j >= 0; j--) need[j] = kept(j) || kept(j + 1) ? j : need[j + 1];
  return { width: layout.fields.length, slotOf, present, what, need };
}

/** One instance of the kernel: its index maps bytes to the ids of one set of tables. */
interface Kernel {
  bytes: Uint8Array;
  ints: Int32Array;
  floats: Float64Array;
  /** Per text column the layout lacks, the id of "" (its value on every line). */
  absent: Int32Array;
  next: WebAssembly.Global;
  missSlot: WebAssembly.Global;
  missHash: WebAssembly.Global;
  scan: (
    from: number,
    to: number,
    out: number,
    max: number,
    width: number,
    slots: number,
  ) => number;
  remember: (slot: number, hash: number, start: number, end: number, id: number) => void;
  forget: () => void;
}

// Kernel memory (see scan-lines.wat): the layout table at 0, slot actions at 256, the
// needed tabs at 512, records at OUT, the text at INPUT; the index from INDEX_AT on is the
// kernel's own.
const WHAT_AT = 256;
const NEED_AT = 512;
const OUT = 768;
const RECORD_INTS = 3 * (1 + SLOTS) + 10;
const MAX_RECORDS = 1024;
const INPUT = 448 * 1024;
/** Text scanned at once (a longer line goes to the string parser). */
const MAX_INPUT = 1024 * 1024;
/** Where the kernel's index begins (its $TABLE). */
const INDEX_AT = 0x180000;
// The kernel writes a whole batch of records before the first is read: they must not
// reach the text, nor the text (and the 32 bytes read past it) the index.
if (OUT + MAX_RECORDS * RECORD_INTS * 4 > INPUT || INPUT + MAX_INPUT + 32 > INDEX_AT) {
  throw new Error("scan-tsv: the kernel's memory regions overlap");
}

let compiled: WebAssembly.Module | null | undefined;

/** The kernel's module, compiled on first use; null where WebAssembly SIMD is missing. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(
        Uint8Array.from(atob(SCAN_LINES_WASM), (c) => c.charCodeAt(0)),
      );
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const kernels = new WeakMap<ValueTable[], Kernel>();

/** The kernel instance whose index holds ids of `tables`. */
function kernelFor(tables: ValueTable[]): Kernel {
  let k = kernels.get(tables);
  if (!k) {
    const e = new WebAssembly.Instance(kernelModule()!).exports;
    const buffer = (e.memory as WebAssembly.Memory).buffer;
    k = {
      bytes: new Uint8Array(buffer),
      ints: new Int32Array(buffer),
      floats: new Float64Array(buffer),
      absent: new Int32Array(ROW_TEXT.length),
      next: e.next as WebAssembly.Global,
      missSlot: e.missSlot as WebAssembly.Global,
      missHash: e.missHash as WebAssembly.Global,
      scan: e.scan as Kernel["scan"],
      remember: e.remember as Kernel["remember"],
      forget: e.forget as Kernel["forget"],
    };
    kernels.set(tables, k);
  }
  return k;
}

/** Two ASCII digits at `i` as a number, or NaN. */
function two(b: Uint8Array, i: number): number {
  const hi = b[i] - 48;
  const lo = b[i + 1] - 48;
  return hi >>> 0 > 9 || lo >>> 0 > 9 ? NaN : hi * 10 + lo;
}

/**
 * Epoch ms of a standard log's `YYYY-MM-DD` and `HH:MM:SS` (UTC), or NaN for anything
 * else: fractions, days past the 28th and years outside 2000-2099 go to the string
 * parser, which knows every calendar rule.
 */
function dateTime(b: Uint8Array, ds: number, de: number, ts: number, te: number): number {
  if (de - ds !== 10 || te - ts !== 8) return NaN;
  if (b[ds + 4] !== 45 || b[ds + 7] !== 45 || b[ts + 2] !== 58 || b[ts + 5] !== 58) return NaN;
  const year = two(b, ds) * 100 + two(b, ds + 2);
  const month = two(b, ds + 5);
  const day = two(b, ds + 8);
  const hour = two(b, ts);
  const minute = two(b, ts + 3);
  const second = two(b, ts + 6);
  if (
    !(year >= 2000 && year < 2100 && month >= 1 && month <= 12 && day >= 1 && day <= 28 &&
      hour <= 23 &&
      minute <= 59 && second <= 59)
  ) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** What the scanner calls back with. */
export interface ScanTarget {
  /** The compiled layout, or undefined to send every line to `onOther`. May change in `onOther`. */
  fast: FastLayout | undefined;
  tables: ValueTable[];
  /** The fast path's row: its `ids` become the kernel's records (a row of its own, then). */
  row: Row;
  /** A record of the common shape, in `row`. */
  onRow: (row: Row) => void;
  /** A line the fast path does not take, without its terminator (a CR before LF included). */
  onOther: (bytes: Uint8Array, start: number, end: number) => void;
  /** Lines the fast path takes until it hands one to `onSample` (which sets it anew). */
  sampleIn: number;
  /** A line the fast path took, to be checked as a sample of the object's values. */
  onSample: (bytes: Uint8Array, start: number, end: number) => void;
}

/**
 * Parses the complete lines of `bytes` from `from` on and returns where the first
 * incomplete line starts (`bytes.length` when the last line is complete).
 */
export function scanLines(bytes: Uint8Array, from: number, t: ScanTarget): number {
  let pos = from;
  while (pos < bytes.length) {
    const fast = t.fast;
    const used = fast && scanWithKernel(bytes, pos, fast, t);
    if (used) {
      pos += used;
      continue;
    }
    if (fast && bytes.length - pos <= MAX_INPUT) return pos; // an incomplete line
    const nl = bytes.indexOf(10, pos);
    if (nl === -1) return pos;
    t.onOther(bytes, pos, nl > pos && bytes[nl - 1] === 13 ? nl - 1 : nl);
    pos = nl + 1;
  }
  return pos;
}

/**
 * Runs the kernel over `bytes[from..]` (at most MAX_INPUT bytes) until the last complete
 * line, or until a line changes the layout (a `#Fields:` header), and returns the bytes it
 * consumed.
 */
function scanWithKernel(bytes: Uint8Array, from: number, fast: FastLayout, t: ScanTarget): number {
  const k = kernelFor(t.tables);
  const { bytes: mem, ints } = k;
  const length = Math.min(bytes.length - from, MAX_INPUT);
  mem.set(fast.slotOf, 0);
  mem.set(fast.what, WHAT_AT);
  mem.set(fast.need, NEED_AT);
  mem.set(bytes.subarray(from, from + length), INPUT);
  const to = INPUT + length;
  const { width } = fast;
  let pos = INPUT;
  const row = t.row;
  row.ids = ints;
  while (pos < to) {
    // Once a batch, not once a line: the id of "" for each column the layout lacks (which
    // the kernel never writes). A table starting over ends the batch (below), or here.
    const before = generations(t.tables);
    for (let c = 0; c < ROW_TEXT.length; c++) {
      if (!fast.present[TEXT0 + c]) k.absent[c] = idOfValue(t.tables[c], "");
    }
    row.generation = generations(t.tables);
    if (row.generation !== before) k.forget();
    const n = k.scan(pos, to, OUT, MAX_RECORDS, width, SLOTS);
    const next = k.next.value as number;
    for (let c = 0; c < ROW_TEXT.length; c++) {
      if (fast.present[TEXT0 + c]) continue;
      for (let j = 0, f = (OUT >> 2) + IDS + TEXT0 + c; j < n; j++, f += RECORD_INTS) {
        ints[f] = k.absent[c];
      }
    }
    // A value a table refused (a closed field's value that does not fit) sends its line to
    // the string parser, which calls it malformed; while none was refused, no id is checked.
    let refused = false;
    for (const table of t.tables) if (table.refused > 0) refused = true;
    for (let j = 0, r = OUT >> 2; j < n; j++, r += RECORD_INTS) {
      if (
        ints[r + 2] === width && fillRow(mem, ints, k.floats, r, fast, row) &&
        !(refused && refusedIn(ints, r))
      ) {
        if (--t.sampleIn <= 0) t.onSample(mem, ints[r], ints[r + 1]);
        t.onRow(row);
        continue;
      }
      const g = generations(t.tables);
      t.onOther(mem, ints[r], ints[r + 1]);
      const restart = j + 1 < n ? ints[r + RECORD_INTS] : next;
      if (t.fast !== fast) return restart - INPUT;
      if (generations(t.tables) !== g) {
        k.forget(); // the index may hold ids of the generation before
        return restart - INPUT;
      }
    }
    const slot = k.missSlot.value as number;
    if (slot >= 0) learn(k, t, (OUT >> 2) + n * RECORD_INTS + 3 + 2 * slot, slot);
    else if (n === 0) break; // the rest is an incomplete line
    pos = next;
  }
  return pos - INPUT;
}

/** Finds or makes the id of the value the index lacked (at record offset `f`), and adds it. */
function learn(k: Kernel, t: ScanTarget, f: number, slot: number): void {
  const table = t.tables[slot - TEXT0];
  const generation = table.generation;
  const start = k.ints[f];
  const end = k.ints[f + 1];
  const id = idOfLogged(table, k.bytes, start, end);
  if (table.generation !== generation) k.forget();
  k.remember(slot, k.missHash.value as number, start, end, id);
}

// A line record: start, end, columns, then per slot (at 3 + 2 * slot) start and end, then
// per slot (at IDS + slot) the id: a row's text ids are read where the kernel wrote them;
// then the numbers (at NUMBERS).
const AT_STATUS = 3 + 2 * STATUS;
const AT_TIMESTAMP = 3 + 2 * TIMESTAMP;
const AT_DATE = 3 + 2 * DATE;
const AT_TIME = 3 + 2 * TIME;
const IDS = 3 + 2 * SLOTS;
/** Then per number slot (below 5) a double: -1 for a missing value, NaN for one not plain. */
const NUMBERS = 3 * (1 + SLOTS);

/** Does the line record at `r` hold an id a table refused? */
function refusedIn(ints: Int32Array, r: number): boolean {
  for (let c = r + IDS + TEXT0, end = c + ROW_TEXT.length; c < end; c++) {
    if (ints[c] === REFUSED) return true;
  }
  return false;
}

const MAX_BYTES = NUMBER_LIMITS["sc-bytes"];
const MAX_TAKEN = NUMBER_LIMITS["time-taken"];
const MAX_TTFB = NUMBER_LIMITS["time-to-first-byte"];
const MAX_BYTES_IN = NUMBER_LIMITS["cs-bytes"];

/** Fills the row from the line record at `r`; false when the line needs the string parser. */
function fillRow(
  b: Uint8Array,
  ints: Int32Array,
  floats: Float64Array,
  r: number,
  fast: FastLayout,
  row: Row,
): boolean {
  const present = fast.present;
  // sc-status: three digits.
  const ss = ints[r + AT_STATUS];
  if (
    ints[r + AT_STATUS + 1] - ss !== 3 || (b[ss] - 48) >>> 0 > 9 ||
    (b[ss + 1] - 48) >>> 0 > 9 || (b[ss + 2] - 48) >>> 0 > 9
  ) return false;
  const f = (r + NUMBERS) >> 1; // records start at even ints: the doubles are aligned
  if (present[TIMESTAMP]) {
    // timestamp: epoch seconds, 9 to 16 characters, within the plausible range.
    if (ints[r + AT_TIMESTAMP + 1] - ints[r + AT_TIMESTAMP] < 9) return false;
    const ms = Math.round(floats[f + TIMESTAMP] * 1000);
    if (!(ms >= MIN_EPOCH_S * 1000 && ms < MAX_EPOCH_S * 1000)) return false;
    row.timestamp = ms;
  } else {
    const ms = dateTime(
      b,
      ints[r + AT_DATE],
      ints[r + AT_DATE + 1],
      ints[r + AT_TIME],
      ints[r + AT_TIME + 1],
    );
    if (Number.isNaN(ms)) return false;
    row.timestamp = ms;
  }
  // Missing bytes are 0; missing times NaN; a value not plain goes to the string parser.
  const bytes = present[BYTES] ? floats[f + BYTES] : -1;
  const taken = present[TIME_TAKEN] ? floats[f + TIME_TAKEN] : -1;
  const ttfb = present[TTFB] ? floats[f + TTFB] : -1;
  const bytesIn = present[BYTES_IN] ? floats[f + BYTES_IN] : -1;
  // NaN (not plain), past its field's limit, or a fraction of a byte: the string parser's.
  if (
    !(bytes <= MAX_BYTES && taken <= MAX_TAKEN && ttfb <= MAX_TTFB && bytesIn <= MAX_BYTES_IN)
  ) return false;
  if (bytes !== Math.floor(bytes) || bytesIn !== Math.floor(bytesIn)) return false;
  row.bytes = bytes === -1 ? 0 : bytes;
  row.bytes_in = bytesIn === -1 ? 0 : bytesIn;
  row.time_taken_ms = taken === -1 ? NaN : Math.round(taken * 1000);
  row.ttfb_ms = ttfb === -1 ? NaN : Math.round(ttfb * 1000);
  row.at = r + IDS + TEXT0;
  return true;
}
