/**
 * The audience figures of a period, driven by the catalogue (dimensions.ts): counted per
 * 30-minute window from raw entries (each dimension's key is derived once per distinct
 * value of a part, never per line), merged exactly up to monthly (exact maps add up; top
 * lists merge with an error bound), and rendered into `data.json`.
 * @module
 */
import * as v from "valibot";
import { describeAgent } from "./agents.ts";
import { type Dimension, DIMENSIONS, isEntryReferer, isPageView, TOTALS } from "./dimensions.ts";
import type { RawEntry } from "./raw-entry.ts";
import { type TopList, topMerge, type TopRow } from "./sketches/top-k.ts";
import { topFromVectors } from "./sketches/top-k.ts";

const Exact = v.record(v.string(), v.array(v.number()));
const Top = v.object({
  floor: v.number(),
  entries: v.array(
    v.custom<TopRow>(
      (x) => Array.isArray(x) && typeof x[0] === "string" && x.slice(1).every(Number.isFinite),
      "a top-list row is [name, ...counts, error]",
    ),
  ),
});

/** The mergeable audience state of a period, beside the operational one. */
export const AudienceStateSchema = v.object({
  /** The record columns some request of the period was logged with (else: not logged). */
  logged: v.array(v.string()),
  page_views: v.number(),
  entries: v.number(),
  bots: v.number(),
  /** The catalogue's totals (absent in periods summarized before they existed). */
  totals: v.optional(v.record(v.string(), v.number())),
  exact: v.record(v.string(), Exact),
  top: v.record(v.string(), Top),
});
/** The audience state of a period. */
export type AudienceState = v.InferOutput<typeof AudienceStateSchema>;

/** One window's running audience counts. */
export interface AudienceAccumulator {
  logged: Set<string>;
  page_views: number;
  entries: number;
  bots: number;
  /** Per total (catalogue order), its sum so far. */
  totals: Float64Array;
  /** Per dimension (catalogue order), key → counts (the dimension's measures). */
  keys: Array<Map<string, Float64Array>>;
  /**
   * Per source column, each distinct value seen in the window → its slot; and per
   * dimension, per slot, the counts its key adds to (null: not counted). So a value's key
   * is derived once a window, and a part costs one lookup per distinct value and column.
   */
  slots: Map<string, Map<string, number>>;
  vectors: Array<Array<Float64Array | null>>;
}

/** An empty accumulator. */
export function audienceAccumulator(): AudienceAccumulator {
  return {
    logged: new Set(),
    page_views: 0,
    entries: 0,
    bots: 0,
    totals: new Float64Array(TOTALS.length),
    keys: DIMENSIONS.map(() => new Map()),
    slots: new Map(),
    vectors: DIMENSIONS.map(() => []),
  };
}

/** The measures in the order a sums array holds them, per value. */
const MEASURE_AT: Readonly<Record<Dimension["counts"][number], number>> = {
  requests: 0,
  bytes: 1,
  page_views: 2,
  entries: 3,
};
const SUMS = 4;

/** The records a dimension counts: 1 per record it counts, or null for every record. */
function filterOf(only: Dimension["only"], f: RecordFacts): Uint8Array | null {
  switch (only) {
    case "all":
      return null;
    case "humans":
      return f.human;
    case "page_views":
      return f.pageView;
    case "entries":
      return f.entry;
    case "not_found":
      return f.notFound;
    case "server_errors":
      return f.serverError;
  }
}

/** Per record of a raw entry: is it a bot's, a page view, an entry, a 404, a 5xx. */
export interface RecordFacts {
  bot: Uint8Array;
  human: Uint8Array;
  pageView: Uint8Array;
  entry: Uint8Array;
  notFound: Uint8Array;
  serverError: Uint8Array;
}

/** The facts of every record, each found once per distinct value and then read by index. */
export function recordFacts(e: RawEntry): RecordFacts {
  const t = e.text;
  const n = e.count;
  const botOf = Uint8Array.from(
    t.user_agent.dict,
    (a) => (describeAgent(a).device === "bot" ? 1 : 0),
  );
  const get = Uint8Array.from(t.method.dict, (m) => (m === "GET" ? 1 : 0));
  const codes = t.status.dict;
  const ok = Uint8Array.from(codes, (c) => (c[0] === "2" || c === "304" ? 1 : 0));
  const is404 = Uint8Array.from(codes, (c) => (c === "404" ? 1 : 0));
  const is5xx = Uint8Array.from(codes, (c) => (c[0] === "5" ? 1 : 0));
  // 1: a page's content type; 2: none, the path decides; 0: not a page.
  const pageType = Uint8Array.from(
    t.content_type.dict,
    (c) => c === "" ? 2 : isPageView("GET", "200", c, "", false) ? 1 : 0,
  );
  // Whether a path looks like a page, found only for the paths that need it: -1 unknown.
  const pagePathOf = new Int8Array(t.path.dict.length).fill(-1);
  const pagePath = (v: number) =>
    pagePathOf[v] >= 0
      ? pagePathOf[v]
      : (pagePathOf[v] = isPageView("GET", "200", "", t.path.dict[v], false) ? 1 : 0);
  const ua = t.user_agent.index;
  const method = t.method.index;
  const status = t.status.index;
  const ct = t.content_type.index;
  const path = t.path.index;
  const f: RecordFacts = {
    bot: new Uint8Array(n),
    human: new Uint8Array(n),
    pageView: new Uint8Array(n),
    entry: new Uint8Array(n),
    notFound: new Uint8Array(n),
    serverError: new Uint8Array(n),
  };
  let pageViews = false;
  for (let i = 0; i < n; i++) {
    const bot = botOf[ua[i]];
    const s = status[i];
    const ctp = pageType[ct[i]];
    f.bot[i] = bot;
    f.human[i] = 1 - bot;
    f.notFound[i] = is404[s];
    f.serverError[i] = is5xx[s];
    if (
      bot === 0 && get[method[i]] === 1 && ok[s] === 1 &&
      (ctp === 1 || (ctp === 2 && pagePath(path[i]) === 1))
    ) {
      f.pageView[i] = 1;
      pageViews = true;
    }
  }
  if (pageViews) {
    // An entry: per distinct (referer, host) pair, is the referer absent or another site?
    const ref = t.referer.index;
    const host = t.host.index;
    const hosts = t.host.dict.length;
    const entryOf = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      if (f.pageView[i] === 0) continue;
      const pair = ref[i] * hosts + host[i];
      let known = entryOf.get(pair);
      if (known === undefined) {
        known = isEntryReferer(t.referer.dict[ref[i]], t.host.dict[host[i]]) ? 1 : 0;
        entryOf.set(pair, known);
      }
      f.entry[i] = known;
    }
  }
  return f;
}

/**
 * Per distinct value of `index`'s column, the sums (requests, bytes, page views, entries)
 * of the records `only` counts: one tight pass over the records.
 */
function sumsByValue(
  index: Int32Array,
  values: number,
  only: Dimension["only"],
  f: RecordFacts,
  bytes: Float64Array,
): Float64Array {
  const sums = new Float64Array(values * SUMS);
  const filter = filterOf(only, f);
  for (let i = 0; i < index.length; i++) {
    if (filter !== null && filter[i] === 0) continue;
    const at = index[i] * SUMS;
    sums[at]++;
    sums[at + 1] += bytes[i];
    sums[at + 2] += f.pageView[i];
    sums[at + 3] += f.entry[i];
  }
  return sums;
}

/**
 * Per distinct tuple of two or three columns' values (numbered `(a * wb + b) * wc + c`),
 * the sums of the records `only` counts.
 */
function sumsByTuple(
  columns: ReadonlyArray<{ index: Int32Array; dict: string[] }>,
  only: Dimension["only"],
  f: RecordFacts,
  bytes: Float64Array,
): Map<number, Float64Array> {
  const tuples = new Map<number, Float64Array>();
  const filter = filterOf(only, f);
  const [a, b, c] = columns;
  const ia = a.index;
  const ib = b.index;
  const wb = b.dict.length;
  const ic = c?.index ?? new Int32Array(ia.length);
  const wc = c?.dict.length ?? 1;
  let last = -1;
  let sums: Float64Array | undefined;
  for (let i = 0; i < ia.length; i++) {
    if (filter !== null && filter[i] === 0) continue;
    const tuple = (ia[i] * wb + ib[i]) * wc + ic[i];
    if (tuple !== last) {
      sums = tuples.get(tuple);
      if (!sums) tuples.set(tuple, sums = new Float64Array(SUMS));
      last = tuple;
    }
    sums![0]++;
    sums![1] += bytes[i];
    sums![2] += f.pageView[i];
    sums![3] += f.entry[i];
  }
  return tuples;
}

/**
 * Adds every record of a raw entry to the audience counts. This runs for every record of
 * every window, so each fact is found once per distinct value, then a pass per column and
 * filter sums per distinct value, and only those sums meet the dimensions' keys.
 */
export function accumulateAudience(acc: AudienceAccumulator, e: RawEntry): void {
  const logged = new Set(e.logged);
  for (const c of logged) acc.logged.add(c);
  const f = recordFacts(e);
  const n = e.count;
  for (let i = 0; i < n; i++) {
    acc.bots += f.bot[i];
    acc.page_views += f.pageView[i];
    acc.entries += f.entry[i];
  }
  TOTALS.forEach((t, k) => {
    if (t.columns.every((c) => logged.has(c))) acc.totals[k] += t.sum(e);
  });
  const bytes = e.numbers.bytes;
  const passesBy = new Map<string, Float64Array>();
  const tuplesBy = new Map<string, Map<number, Float64Array>>();
  const slotsBy = new Map<string, Int32Array>();
  DIMENSIONS.forEach((d, k) => {
    // A part whose field list lacks the dimension's field says nothing of it (its
    // requests are not "-": they were not logged).
    if (!logged.has(d.columns[0])) return;
    const keys = acc.keys[k];
    const measures = Int8Array.from(d.counts, (m) => MEASURE_AT[m]);
    const vectorOf = (key: string | null) => key === null ? null : vectorFor(keys, d, key);
    const add = (vec: Float64Array, sums: Float64Array, at: number) => {
      for (let m = 0; m < measures.length; m++) vec[m] += sums[at + measures[m]];
    };
    const columns = d.columns.map((c) => e.text[c]);
    const a = columns[0];
    if (columns.length === 1) {
      const column = d.columns[0];
      const id = `${column} ${d.only}`;
      let sums = passesBy.get(id);
      if (!sums) passesBy.set(id, sums = sumsByValue(a.index, a.dict.length, d.only, f, bytes));
      let slotOf = slotsBy.get(column);
      if (!slotOf) {
        let window = acc.slots.get(column);
        if (!window) acc.slots.set(column, window = new Map());
        const w = window;
        slotOf = Int32Array.from(a.dict, (value) => {
          let slot = w.get(value);
          if (slot === undefined) w.set(value, slot = w.size);
          return slot;
        });
        slotsBy.set(column, slotOf);
      }
      const vectors = acc.vectors[k];
      for (let v = 0; v < a.dict.length; v++) {
        if (sums[v * SUMS] === 0) continue;
        const slot = slotOf[v];
        let vec = vectors[slot];
        if (vec === undefined) vec = vectors[slot] = vectorOf(d.key(a.dict[v], "", ""));
        if (vec !== null) add(vec, sums, v * SUMS);
      }
      return;
    }
    // Two or three columns: per distinct tuple of the records counted (entries: a few).
    const id = `${d.columns.join("+")} ${d.only}`;
    let tuples = tuplesBy.get(id);
    if (!tuples) tuplesBy.set(id, tuples = sumsByTuple(columns, d.only, f, bytes));
    const wb = columns[1].dict.length;
    const wc = columns[2]?.dict.length ?? 1;
    const third = columns[2]?.dict ?? [""];
    for (const [tuple, sums] of tuples) {
      const ab = Math.floor(tuple / wc);
      const key = d.key(a.dict[Math.floor(ab / wb)], columns[1].dict[ab % wb], third[tuple % wc]);
      const vec = vectorOf(key);
      if (vec !== null) add(vec, sums, 0);
    }
  });
}

/** The counts `key` adds to in `keys` (an exact map's bound sends new keys to `(other)`). */
function vectorFor(keys: Map<string, Float64Array>, d: Dimension, key: string): Float64Array {
  let vec = keys.get(key);
  if (!vec) {
    if (d.kind === "exact" && keys.size >= d.bound) key = "(other)";
    vec = keys.get(key) ?? new Float64Array(d.counts.length);
    keys.set(key, vec);
  }
  return vec;
}

/**
 * Adds `from` into `into`, as if `from`'s entries had been accumulated after `into`'s
 * (keys new to a full exact map go to `(other)` in the same order). `from` is left as is.
 */
export function mergeAudienceAccumulator(
  into: AudienceAccumulator,
  from: AudienceAccumulator,
): void {
  for (const c of from.logged) into.logged.add(c);
  into.page_views += from.page_views;
  into.entries += from.entries;
  into.bots += from.bots;
  for (let t = 0; t < into.totals.length; t++) into.totals[t] += from.totals[t];
  DIMENSIONS.forEach((d, k) => {
    const keys = into.keys[k];
    for (const [key, vec] of from.keys[k]) {
      const to = vectorFor(keys, d, key);
      for (let m = 0; m < vec.length; m++) to[m] += vec[m];
    }
  });
}

/**
 * The accumulator a window's audience state was made from, when the state holds all of it:
 * no top list was cut (floor 0) and no exact map sent keys to `(other)` (which keys went
 * there depends on the order records came in). Undefined otherwise, or for a state from
 * before the totals existed.
 */
export function reopenAudience(state: AudienceState | undefined): AudienceAccumulator | undefined {
  if (state?.totals === undefined) return undefined;
  const acc = audienceAccumulator();
  for (const c of state.logged) acc.logged.add(c);
  acc.page_views = state.page_views;
  acc.entries = state.entries;
  acc.bots = state.bots;
  TOTALS.forEach((t, k) => (acc.totals[k] = state.totals![t.name] ?? 0));
  for (const [k, d] of DIMENSIONS.entries()) {
    const keys = acc.keys[k];
    if (d.kind === "exact") {
      const map = state.exact[d.name];
      if (map === undefined || Object.hasOwn(map, "(other)")) return undefined;
      for (const [key, counts] of Object.entries(map)) {
        if (counts.length !== d.counts.length) return undefined;
        keys.set(key, Float64Array.from(counts));
      }
    } else {
      const list = state.top[d.name];
      if (list === undefined || list.floor !== 0) return undefined;
      for (const row of list.entries) {
        if (row.length !== d.counts.length + 2) return undefined;
        keys.set(row[0], Float64Array.from(row.slice(1, -1) as number[]));
      }
    }
  }
  return acc;
}

/** Distinct keys held: what an accumulator's size grows with. */
export function audienceKeyCount(acc: AudienceAccumulator): number {
  let n = 0;
  for (const keys of acc.keys) n += keys.size;
  for (const slots of acc.slots.values()) n += slots.size;
  return n;
}

const sortedKeys = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));

/**
 * A window's audience state (top lists from exact counts, so their error is 0); `uncut`:
 * every key in every list, as {@link reopenAudience} needs.
 */
export function audienceState(acc: AudienceAccumulator, uncut = false): AudienceState {
  const exact: AudienceState["exact"] = {};
  const top: AudienceState["top"] = {};
  DIMENSIONS.forEach((d, k) => {
    const keys = acc.keys[k];
    if (d.kind === "exact") {
      exact[d.name] = sortedKeys(
        Object.fromEntries([...keys].map(([key, vec]) => [key, Array.from(vec)])),
      );
    } else {
      top[d.name] = uncut
        ? topFromVectors(keys, Infinity, Infinity)
        : topFromVectors(keys, d.bound, d.bytes);
    }
  });
  return {
    logged: [...acc.logged].sort(),
    page_views: acc.page_views,
    entries: acc.entries,
    bots: acc.bots,
    totals: Object.fromEntries(TOTALS.map((t, k) => [t.name, acc.totals[k]])),
    exact,
    top,
  };
}

/** Sums of the totals every state has (one summarized before a total existed lacks it). */
function mergeTotals(states: readonly AudienceState[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of TOTALS) {
    if (states.every((s) => s.totals?.[t.name] !== undefined)) {
      out[t.name] = states.reduce((n, s) => n + s.totals![t.name], 0);
    }
  }
  return out;
}

/** Merges child states (the rollup). Children without an audience state add nothing. */
export function mergeAudience(states: ReadonlyArray<AudienceState | undefined>): AudienceState {
  const present = states.filter((s): s is AudienceState => s !== undefined);
  const exact: AudienceState["exact"] = {};
  const top: AudienceState["top"] = {};
  for (const d of DIMENSIONS) {
    if (d.kind === "exact") {
      const into: Record<string, number[]> = {};
      for (const s of present) {
        for (const [key, vec] of Object.entries(s.exact[d.name] ?? {})) {
          let k = key;
          if (into[k] === undefined && Object.keys(into).length >= d.bound) k = "(other)";
          const acc = into[k] ??= new Array(vec.length).fill(0);
          vec.forEach((x, m) => (acc[m] += x));
        }
      }
      exact[d.name] = sortedKeys(into);
    } else {
      const lists = present.map((s) => s.top[d.name]).filter((l): l is TopList<TopRow> =>
        l !== undefined
      );
      top[d.name] = topMerge(lists, d.bound, d.bytes);
    }
  }
  return {
    logged: [...new Set(present.flatMap((s) => s.logged))].sort(),
    page_views: present.reduce((n, s) => n + s.page_views, 0),
    entries: present.reduce((n, s) => n + s.entries, 0),
    bots: present.reduce((n, s) => n + s.bots, 0),
    totals: mergeTotals(present),
    exact,
    top,
  };
}

const Counts = v.record(v.string(), v.number());
const TotalFigure = v.nullable(v.number());
const ExactFigure = v.nullable(v.record(v.string(), v.union([v.number(), Counts])));
const TopFigure = v.nullable(
  v.array(v.record(v.string(), v.union([v.string(), v.number()]))),
);

/** The audience figures of `data.json`: one key per dimension, null when its field was not logged. */
export const AudienceFiguresSchema = v.object({
  page_views: v.nullable(v.number()),
  entries: v.nullable(v.number()),
  bots: v.nullable(v.number()),
  ...Object.fromEntries(
    DIMENSIONS.map((d) => [d.name, d.kind === "exact" ? ExactFigure : TopFigure]),
  ) as Record<string, typeof ExactFigure | typeof TopFigure>,
  ...Object.fromEntries(TOTALS.map((t) => [t.name, TotalFigure])) as Record<
    string,
    typeof TotalFigure
  >,
});
/** The audience figures. */
export type AudienceFigures = v.InferOutput<typeof AudienceFiguresSchema>;

/** One dimension's rows as the breakdown route and `data.json` show them. */
export function dimensionRows(
  d: Dimension,
  state: AudienceState,
  limit: number,
): Array<Record<string, string | number>> | Record<string, number | Record<string, number>> {
  if (d.kind === "exact") {
    const map = state.exact[d.name] ?? {};
    return Object.fromEntries(
      Object.entries(map).map(([key, vec]) => [
        key,
        d.counts.length === 1 ? vec[0] : Object.fromEntries(d.counts.map((m, i) => [m, vec[i]])),
      ]),
    );
  }
  const list = state.top[d.name] ?? { floor: 0, entries: [] };
  return list.entries.slice(0, limit).map((row) => ({
    [d.label]: row[0],
    ...Object.fromEntries(d.counts.map((m, i) => [m, row[i + 1] as number])),
    error: row[row.length - 1] as number,
    ...(d.extra?.(row[0]) ?? {}),
  }));
}

/**
 * One dimension's rows as a ranked list, whatever its kind (the breakdown route): an
 * exact map's keys become rows named `name`, largest first.
 */
export function breakdownRows(
  d: Dimension,
  state: AudienceState,
  limit: number,
): Array<Record<string, string | number>> {
  if (d.kind === "top") {
    return dimensionRows(d, state, limit) as Array<Record<string, string | number>>;
  }
  return Object.entries(state.exact[d.name] ?? {})
    .sort((a, b) => b[1][0] - a[1][0] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([name, vec]) => ({ name, ...Object.fromEntries(d.counts.map((m, i) => [m, vec[i]])) }));
}

/** Was a dimension's main column logged in the period? */
export function dimensionLogged(d: Dimension, state: AudienceState | undefined): boolean {
  return state !== undefined && state.logged.includes(d.columns[0]);
}

/** The audience figures of a state (null where the source field was not logged). */
export function audienceFigures(state: AudienceState | undefined): AudienceFigures {
  const logged = (c: string) => state !== undefined && state.logged.includes(c);
  const out: Record<string, unknown> = {
    page_views: logged("method") ? state!.page_views : null,
    entries: logged("method") && logged("referer") ? state!.entries : null,
    bots: logged("user_agent") ? state!.bots : null,
  };
  for (const d of DIMENSIONS) {
    out[d.name] = dimensionLogged(d, state) ? dimensionRows(d, state!, d.shown) : null;
  }
  for (const t of TOTALS) {
    const total = state?.totals?.[t.name];
    out[t.name] = total !== undefined && t.columns.every(logged) ? total : null;
  }
  return out as AudienceFigures;
}
