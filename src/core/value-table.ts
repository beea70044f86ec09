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
  /** Turns the logged text of a value into the stored one ("-" → "", decode, redact). */
  clean: (logged: string) => string;
  /** Bumped whenever ids are reused after a reset. */
  generation: number;
}

/** An empty table whose values are made by `clean`. */
export function valueTable(clean: (logged: string) => string): ValueTable {
  return { values: [], byValue: new Map(), clean, generation: 0 };
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

/** The id of the value logged as `bytes[start, end)`: decoded and cleaned, then looked up. */
export function idOfLogged(t: ValueTable, bytes: Uint8Array, start: number, end: number): number {
  return idOfValue(t, t.clean(fieldDecoder.decode(bytes.subarray(start, end))));
}
