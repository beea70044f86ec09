/**
 * The dictionary of one text column while an object is parsed: stored (decoded,
 * redacted) value ↔ id. Logs repeat the same paths, agents and edges millions of times,
 * so the fast path finds ids by the bytes as logged in the scan kernel's index
 * ({@link scanLines}) and comes here only for a value that index has not seen: that is
 * decoded, URL-decoded and redacted once. Different logged bytes that clean to the same
 * string share one id.
 *
 * Memory is bounded: past {@link TABLE_LIMIT} values the table starts over and bumps its
 * `generation`, so whoever holds ids (the raw builders, the kernel's index) knows to
 * forget them.
 * @module
 */

/** Distinct values after which a table starts over. */
export const TABLE_LIMIT = 100_000;

/** One column's dictionary. Mutable on purpose: it is the parser's hot-path state. */
export interface ValueTable {
  /** id → stored value. */
  values: string[];
  byValue: Map<string, number>;
  /**
   * Turns the logged text of a value into the stored one ("-" → "", decode, redact), or
   * null for a value that does not fit its field: a line holding it is malformed.
   */
  clean: (logged: string) => string | null;
  /** Bumped whenever ids are reused after a reset. */
  generation: number;
  /** How many logged values `clean` refused: while 0, no id can be {@link REFUSED}. */
  refused: number;
}

/**
 * The id of a logged value that does not fit its field (see {@link ValueTable.clean}):
 * never a table's own (tables start over long before), and not negative, which the scan
 * kernel's index reads as "not known".
 */
export const REFUSED = 0x7fffffff;

/** An empty table whose values are made by `clean`. */
export function valueTable(clean: (logged: string) => string | null): ValueTable {
  return { values: [], byValue: new Map(), clean, generation: 0, refused: 0 };
}

/** The id of a stored value, adding it when new. */
export function idOfValue(t: ValueTable, value: string): number {
  let id = t.byValue.get(value);
  if (id === undefined) {
    if (t.values.length >= TABLE_LIMIT) {
      t.values = [];
      t.byValue = new Map();
      t.generation++;
    }
    id = t.values.length;
    t.values.push(value);
    t.byValue.set(value, id);
  }
  return id;
}

const fieldDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The id of the value logged as `bytes[start, end)`: decoded and cleaned, then looked up;
 * {@link REFUSED} when it does not fit its field.
 */
export function idOfLogged(t: ValueTable, bytes: Uint8Array, start: number, end: number): number {
  const value = t.clean(fieldDecoder.decode(bytes.subarray(start, end)));
  if (value === null) {
    t.refused++;
    return REFUSED;
  }
  return idOfValue(t, value);
}
