/**
 * The mergeable summary of a period and its rendering to `data.json` (DESIGN §4).
 *
 * A 30-minute window's summary is built from its records; every coarser period is the
 * merge of its children's summaries, never a re-read of raw data. Counters are exact;
 * unique counts (HyperLogLog), percentiles (log buckets) and top paths (bounded lists)
 * are sketches with documented error bounds.
 * @module
 */
import * as v from "valibot";
import {
  HLL_PRECISION,
  HLL_STANDARD_ERROR,
  hllCreate,
  hllDecode,
  hllEncode,
  hllEstimate,
  hllMerge,
} from "./sketches/hll.ts";
import {
  QUANTILE_RELATIVE_ERROR,
  quantileAt,
  quantileCanonical,
  quantileCreate,
  quantileMerge,
  type QuantileSketch,
} from "./sketches/quantiles.ts";
import { TOP_KEEP, topMerge, type TopRow } from "./sketches/top-k.ts";
import { iso, type Period, periodBounds } from "./windows.ts";
import {
  audienceFigures,
  AudienceFiguresSchema,
  AudienceStateSchema,
  mergeAudience,
} from "./audience.ts";
import { AUDIENCE_MEANINGS } from "./dimensions.ts";

const Counts = v.record(v.string(), v.number());

/**
 * What `top_paths` counts per path, as AWS's popular-objects report does: requests and
 * bytes, hits (Hit, RefreshHit) and misses of x-edge-result-type, the bytes of misses,
 * requests per status class and incomplete downloads (status 200 with result type
 * Error). A state row is `[path, ...these, error]`; rows written before the details
 * existed hold requests and bytes only.
 */
export const PATH_MEASURES = [
  "requests",
  "bytes",
  "hits",
  "misses",
  "bytes_from_misses",
  "2xx",
  "3xx",
  "4xx",
  "5xx",
  "incomplete_downloads",
] as const;

/** The mergeable state of one period. Stored in every `data.json` under `state`. */
export const SummaryStateSchema = v.object({
  requests: v.number(),
  bytes: v.number(),
  status_codes: Counts,
  methods: Counts,
  edge_locations: Counts,
  result_types: Counts,
  paths_hll: v.string(),
  agents_hll: v.string(),
  time_taken: v.object({ count: v.number(), zero: v.number(), bins: Counts }),
  top_paths: v.object({
    floor: v.number(),
    entries: v.array(
      v.custom<TopRow>(
        (x) =>
          Array.isArray(x) && (x.length === 4 || x.length === PATH_MEASURES.length + 2) &&
          typeof x[0] === "string" && x.slice(1).every(Number.isFinite),
        "a top path is [path, requests, bytes, error] or [path, ...PATH_MEASURES, error]",
      ),
    ),
  }),
  /** The catalogue's figures (absent in periods summarized before it existed). */
  audience: v.optional(AudienceStateSchema),
});
/** The mergeable state of one period. */
export type SummaryState = v.InferOutput<typeof SummaryStateSchema>;

/** How many top paths `data.json` shows (it keeps {@link TOP_KEEP} in its state). */
export const TOP_SHOWN = 100;

/** What each estimated figure means, written into every `data.json`. */
export const ESTIMATES = {
  unique_paths: `HyperLogLog, 2^${HLL_PRECISION} registers: ±${
    (HLL_STANDARD_ERROR * 100).toFixed(2)
  }% standard error`,
  unique_agents: `distinct user-agent strings (not visitors), HyperLogLog: ±${
    (HLL_STANDARD_ERROR * 100).toFixed(2)
  }% standard error`,
  time_taken_ms: `log-bucket sketch: each percentile within ${
    QUANTILE_RELATIVE_ERROR * 100
  }% of a true value`,
  top_paths: `exact when "error" is 0; otherwise the true count is in [requests, requests + error]`,
  top_lists: `every top list: exact when "error" is 0; otherwise the first count's true value ` +
    `is in [count, count + error], and the others are lower bounds`,
  ...AUDIENCE_MEANINGS,
} as const;

/**
 * Per exact map, the keys it holds at most; the counts of further keys are kept under
 * {@link OTHER_KEY}. Real logs have some 600 edge locations and a few dozen result types:
 * the bounds only stop forged logs from growing a period's figures without end.
 */
export const EXACT_KEYS: Readonly<Record<string, number>> = {
  status_codes: 1000,
  methods: 16,
  edge_locations: 2000,
  result_types: 100,
};
/** The key that counts the values past a map's bound. */
export const OTHER_KEY = "(other)";

/** Adds `n` to `into[key]`, or to {@link OTHER_KEY} when the map holds `max` keys already. */
export function addCount(
  into: Record<string, number>,
  key: string,
  n: number,
  size: number,
  max: number,
) {
  if (into[key] === undefined && size >= max) key = OTHER_KEY;
  const had = into[key] !== undefined;
  into[key] = (into[key] ?? 0) + n;
  return had ? size : size + 1;
}

/** Adds every count of `from` into `into`, bounded as {@link addCount} is. */
function addCounts(
  into: Record<string, number>,
  from: Record<string, number>,
  max: number,
): void {
  let size = Object.keys(into).length;
  for (const [k, n] of Object.entries(from)) size = addCount(into, k, n, size, max);
}

/** Keys in sorted order, so equal counts serialize to equal JSON. */
function sortedCounts(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(counts).sort()) out[k] = counts[k];
  return out;
}

/** The exact counters of a summary (and of a window's accumulator). */
export type Counters = ReturnType<typeof emptyCounters>;

/** Adds the exact counters of `from` into `into`, each map bounded by {@link EXACT_KEYS}. */
export function addCounters(into: Counters, from: Counters): void {
  into.requests += from.requests;
  into.bytes += from.bytes;
  addCounts(into.status_codes, from.status_codes, EXACT_KEYS.status_codes);
  addCounts(into.methods, from.methods, EXACT_KEYS.methods);
  addCounts(into.edge_locations, from.edge_locations, EXACT_KEYS.edge_locations);
  addCounts(into.result_types, from.result_types, EXACT_KEYS.result_types);
}

/** The exact counters every summary starts from. */
export function emptyCounters() {
  return {
    requests: 0,
    bytes: 0,
    status_codes: {} as Record<string, number>,
    methods: {} as Record<string, number>,
    edge_locations: {} as Record<string, number>,
    result_types: {} as Record<string, number>,
  };
}

/** The text of an empty HLL: a period with no requests has it, and merging it adds nothing. */
const EMPTY_HLL = hllEncode(hllCreate());

/** An empty state (a period with no requests). */
export function emptyState(): SummaryState {
  return {
    ...emptyCounters(),
    paths_hll: EMPTY_HLL,
    agents_hll: EMPTY_HLL,
    time_taken: quantileCreate(),
    top_paths: { floor: 0, entries: [] },
  };
}

/** Merges child states into one (the rollup step). Deterministic for a given child order. */
export function mergeStates(states: readonly SummaryState[]): SummaryState {
  const out = emptyCounters();
  const paths = hllCreate();
  const agents = hllCreate();
  const tt: QuantileSketch = quantileCreate();
  for (const s of states) {
    addCounters(out, s);
    if (s.paths_hll !== EMPTY_HLL) hllMerge(paths, hllDecode(s.paths_hll));
    if (s.agents_hll !== EMPTY_HLL) hllMerge(agents, hllDecode(s.agents_hll));
    quantileMerge(tt, s.time_taken);
  }
  return normalizeState({
    ...out,
    paths_hll: hllEncode(paths),
    agents_hll: hllEncode(agents),
    time_taken: tt,
    top_paths: mergeTopPaths(states.map((s) => s.top_paths)),
    audience: states.some((s) => s.audience)
      ? mergeAudience(states.map((s) => s.audience))
      : undefined,
  });
}

type TopPaths = SummaryState["top_paths"];

/** Merges top paths; rows without details (older states) make the merged ones plain too. */
function mergeTopPaths(lists: readonly TopPaths[]): TopPaths {
  const plain = lists.some((l) => l.entries.some((row) => row.length === 4));
  const rows = plain
    ? lists.map((l) => ({
      floor: l.floor,
      entries: l.entries.map((r) => [r[0], r[1], r[2], r[r.length - 1]] as TopRow),
    }))
    : lists;
  return topMerge(rows, TOP_KEEP);
}

/** Sorts every map so that equal states are byte-identical JSON. */
export function normalizeState(s: SummaryState): SummaryState {
  return {
    ...s,
    status_codes: sortedCounts(s.status_codes),
    methods: sortedCounts(s.methods),
    edge_locations: sortedCounts(s.edge_locations),
    result_types: sortedCounts(s.result_types),
    time_taken: quantileCanonical(s.time_taken),
  };
}

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

const Percentile = v.nullable(v.number());

/** The figures of DESIGN §4, as `data.json` and the API show them. */
export const FiguresSchema = v.object({
  requests: v.number(),
  bytes: v.number(),
  status_codes: Counts,
  status_classes: Counts,
  methods: Counts,
  edge_locations: Counts,
  result_types: Counts,
  cache_hit_ratio: v.number(),
  errors_4xx: v.number(),
  errors_5xx: v.number(),
  top_paths: v.array(
    v.object({
      path: v.string(),
      requests: v.number(),
      bytes: v.number(),
      hits: v.optional(v.number()),
      misses: v.optional(v.number()),
      bytes_from_misses: v.optional(v.number()),
      status_classes: v.optional(Counts),
      incomplete_downloads: v.optional(v.number()),
      error: v.number(),
    }),
  ),
  unique_paths: v.number(),
  unique_agents: v.number(),
  time_taken_ms: v.nullable(v.object({ p50: Percentile, p95: Percentile, p99: Percentile })),
  ...AudienceFiguresSchema.entries,
  estimates: v.record(v.string(), v.string()),
});
/** The figures of a state. */
export type Figures = v.InferOutput<typeof FiguresSchema>;

/** Requests per status class (`2xx`...), from the exact status counts. */
export function statusClasses(state: SummaryState): Record<string, number> {
  const classes: Record<string, number> = {};
  for (const [code, n] of Object.entries(state.status_codes)) {
    classes[`${code[0]}xx`] = (classes[`${code[0]}xx`] ?? 0) + n;
  }
  return sortedCounts(classes);
}

/** (Hit + RefreshHit) / requests; 0 without requests. */
export function cacheHitRatio(state: SummaryState): number {
  const hits = (state.result_types["Hit"] ?? 0) + (state.result_types["RefreshHit"] ?? 0);
  return state.requests === 0 ? 0 : round(hits / state.requests);
}

/** A time-taken percentile in ms (3 decimals), or null when no request logged one. */
export function timeTakenAt(state: SummaryState, q: number): number | null {
  const x = quantileAt(state.time_taken, q);
  return x === null ? null : round(x, 3);
}

/** A `top_paths` row as `data.json` shows it (details where the state has them). */
function topPathFigure(row: TopPaths["entries"][number]): Figures["top_paths"][number] {
  const [path, ...n] = row;
  const [requests, bytes] = n;
  const error = n[n.length - 1];
  if (n.length === 3) return { path, requests, bytes, error };
  const [, , hits, misses, fromMisses, c2, c3, c4, c5, incomplete] = n;
  return {
    path,
    requests,
    bytes,
    hits,
    misses,
    bytes_from_misses: fromMisses,
    status_classes: { "2xx": c2, "3xx": c3, "4xx": c4, "5xx": c5 },
    incomplete_downloads: incomplete,
    error,
  };
}

/** The figures of a state (DESIGN §4), whatever span it covers. */
export function figures(state: SummaryState): Figures {
  const classes = statusClasses(state);
  const e4 = classes["4xx"] ?? 0;
  const e5 = classes["5xx"] ?? 0;
  const tt = state.time_taken;
  const pct = (q: number) => timeTakenAt(state, q);
  return {
    requests: state.requests,
    bytes: state.bytes,
    status_codes: state.status_codes,
    status_classes: classes,
    methods: state.methods,
    edge_locations: state.edge_locations,
    result_types: state.result_types,
    cache_hit_ratio: cacheHitRatio(state),
    errors_4xx: e4,
    errors_5xx: e5,
    top_paths: state.top_paths.entries.slice(0, TOP_SHOWN).map(topPathFigure),
    unique_paths: hllEstimate(hllDecode(state.paths_hll)),
    unique_agents: hllEstimate(hllDecode(state.agents_hll)),
    time_taken_ms: tt.count === 0 ? null : { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
    ...audienceFigures(state.audience),
    estimates: ESTIMATES,
  };
}

/** Renders the `data.json` document of a period from its state. */
export function renderAggregate(period: Period, key: string, state: SummaryState) {
  const { start, end } = periodBounds(period, key);
  return { period, key, start: iso(start), end: iso(end), ...figures(state), state };
}

/** The `data.json` document. */
export type AggregateDoc = ReturnType<typeof renderAggregate>;
