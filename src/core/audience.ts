/**
 * The audience figures of a period, driven by the catalogue (dimensions.ts): counted per
 * 30-minute window from raw entries (each dimension's key is derived once per distinct
 * value of a part, never per line), merged exactly up to monthly (exact maps add up; top
 * lists merge with an error bound), and rendered into `data.json`.
 * @module
 */
import * as v from "valibot";
import { describeAgent } from "./agents.ts";
import { type Dimension, DIMENSIONS, isEntryReferer, isPageView } from "./dimensions.ts";
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
  /** Per dimension (catalogue order), key → counts (the dimension's measures). */
  keys: Array<Map<string, Float64Array>>;
}

/** An empty accumulator. */
export function audienceAccumulator(): AudienceAccumulator {
  return {
    logged: new Set(),
    page_views: 0,
    entries: 0,
    bots: 0,
    keys: DIMENSIONS.map(() => new Map()),
  };
}

/** The record columns of a raw entry that were logged (all, for parts written before this was kept). */
const ALL_COLUMNS = [
  "method",
  "status",
  "user_agent",
  "country",
  "protocol",
  "protocol_version",
  "content_type",
  "path",
  "referer",
  "host",
];

/** Per distinct value of `dict`, `f` of it. */
function perValue<T>(dict: readonly string[], f: (value: string) => T): T[] {
  return dict.map(f);
}

/** Adds every record of a raw entry to the audience counts. */
export function accumulateAudience(acc: AudienceAccumulator, e: RawEntry): void {
  for (const c of e.logged ?? ALL_COLUMNS) acc.logged.add(c);
  const t = e.text;
  const n = e.count;
  const bytes = e.numbers.bytes;
  // Facts per distinct value, then per record by index.
  const bot = perValue(t.user_agent.dict, (a) => describeAgent(a).device === "bot");
  const ua = t.user_agent.index;
  const method = t.method.index;
  const status = t.status.index;
  const ct = t.content_type.index;
  const path = t.path.index;
  const ref = t.referer.index;
  const host = t.host.index;
  const entryOf = new Map<number, boolean>();
  const hosts = t.host.dict.length;
  // The vectors each dimension adds to, per distinct value (or value pair) of its columns.
  const targets = DIMENSIONS.map((d, k) => dimensionTargets(d, e, acc.keys[k]));
  const counts = DIMENSIONS.map((d) => d.counts);
  for (let i = 0; i < n; i++) {
    const isBot = bot[ua[i]];
    const pv = isPageView(
      t.method.dict[method[i]],
      t.status.dict[status[i]],
      t.content_type.dict[ct[i]],
      t.path.dict[path[i]],
      isBot,
    );
    let entry = false;
    if (pv) {
      const pair = ref[i] * hosts + host[i];
      let known = entryOf.get(pair);
      if (known === undefined) {
        entryOf.set(pair, known = isEntryReferer(t.referer.dict[ref[i]], t.host.dict[host[i]]));
      }
      entry = known;
    }
    if (isBot) acc.bots++;
    if (pv) acc.page_views++;
    if (entry) acc.entries++;
    const code = t.status.dict[status[i]];
    for (let k = 0; k < DIMENSIONS.length; k++) {
      const d = DIMENSIONS[k];
      const only = d.only;
      if (
        (only === "humans" && isBot) || (only === "page_views" && !pv) ||
        (only === "entries" && !entry) || (only === "not_found" && code !== "404") ||
        (only === "server_errors" && code[0] !== "5")
      ) continue;
      const vec = targets[k](i);
      if (vec === undefined) continue;
      const ms = counts[k];
      for (let m = 0; m < ms.length; m++) {
        const what = ms[m];
        vec[m] += what === "requests"
          ? 1
          : what === "bytes"
          ? bytes[i]
          : what === "page_views"
          ? (pv ? 1 : 0)
          : (entry ? 1 : 0);
      }
    }
  }
}

/**
 * For one dimension and one raw entry: record → the counts vector its key adds to (or
 * undefined: not counted). Keys are derived per distinct value of the dimension's
 * columns (or per distinct pair, for two).
 */
function dimensionTargets(
  d: Dimension,
  e: RawEntry,
  keys: Map<string, Float64Array>,
): (i: number) => Float64Array | undefined {
  const vectorOf = (key: string | null) => {
    if (key === null) return undefined;
    let vec = keys.get(key);
    if (!vec) {
      if (d.kind === "exact" && keys.size >= d.bound) key = "(other)";
      vec = keys.get(key) ?? new Float64Array(d.counts.length);
      keys.set(key, vec);
    }
    return vec;
  };
  const [a, b] = d.columns.map((c) => e.text[c]);
  if (b === undefined) {
    const byValue = a.dict.map((value) => vectorOf(d.key([value])));
    const index = a.index;
    return (i) => byValue[index[i]];
  }
  const cache = new Map<number, Float64Array | undefined>();
  const ia = a.index;
  const ib = b.index;
  const width = b.dict.length;
  return (i) => {
    const pair = ia[i] * width + ib[i];
    if (cache.has(pair)) return cache.get(pair);
    const vec = vectorOf(d.key([a.dict[ia[i]], b.dict[ib[i]]]));
    cache.set(pair, vec);
    return vec;
  };
}

const sortedKeys = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));

/** A window's audience state (top lists from exact counts, so their error is 0). */
export function audienceState(acc: AudienceAccumulator): AudienceState {
  const exact: AudienceState["exact"] = {};
  const top: AudienceState["top"] = {};
  DIMENSIONS.forEach((d, k) => {
    const keys = acc.keys[k];
    if (d.kind === "exact") {
      exact[d.name] = sortedKeys(
        Object.fromEntries([...keys].map(([key, vec]) => [key, Array.from(vec)])),
      );
    } else top[d.name] = topFromVectors(keys, d.bound, d.chars);
  });
  return {
    logged: [...acc.logged].sort(),
    page_views: acc.page_views,
    entries: acc.entries,
    bots: acc.bots,
    exact,
    top,
  };
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
      top[d.name] = topMerge(lists, d.bound, d.chars);
    }
  }
  return {
    logged: [...new Set(present.flatMap((s) => s.logged))].sort(),
    page_views: present.reduce((n, s) => n + s.page_views, 0),
    entries: present.reduce((n, s) => n + s.entries, 0),
    bots: present.reduce((n, s) => n + s.bots, 0),
    exact,
    top,
  };
}

const Counts = v.record(v.string(), v.number());
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
  return out as AudienceFigures;
}
