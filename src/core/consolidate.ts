/**
 * Consolidation of one 30-minute window: its records grouped into exact per-path counts
 * and the window's mergeable summary state.
 * @module
 */
import {
  accumulateAudience,
  type AudienceAccumulator,
  audienceAccumulator,
  audienceKeyCount,
  audienceState,
  mergeAudienceAccumulator,
  reopenAudience,
} from "./audience.ts";
import type { RawEntry } from "./raw-entry.ts";
import { hllAdd, hllCreate, hllDecode, hllEncode, hllMerge } from "./sketches/hll.ts";
import {
  quantileCount,
  quantileCounts,
  quantileCountsMerge,
  quantileCountsOf,
  quantileFromCounts,
} from "./sketches/quantiles.ts";
import { TOP_KEEP, topFromFlat } from "./sketches/top-k.ts";
import {
  addCount,
  addCounters,
  type Counters,
  emptyCounters,
  EXACT_KEYS,
  normalizeState,
  OTHER_KEY,
  PATH_MEASURES,
  type SummaryState,
} from "./summary.ts";

/** Running totals for one window. */
export interface WindowAccumulator extends Counters {
  /** Per path, its row in `pathSums`. */
  paths: Map<string, number>;
  /** Per row, the path's {@link PATH_MEASURES} (held flat: a window may see many paths). */
  pathSums: Float64Array;
  pathsHll: Uint8Array;
  agentsHll: Uint8Array;
  agents: Set<string>;
  timeTaken: ReturnType<typeof quantileCounts>;
  audience: AudienceAccumulator;
}

/** An empty accumulator. */
export function windowAccumulator(): WindowAccumulator {
  return {
    ...emptyCounters(),
    paths: new Map(),
    pathSums: new Float64Array(64 * WIDTH),
    pathsHll: hllCreate(),
    agentsHll: hllCreate(),
    agents: new Set(),
    timeTaken: quantileCounts(),
    audience: audienceAccumulator(),
  };
}

/** Adds `col`'s values, counted per dictionary id first: a few adds per distinct value. */
function countColumn(
  into: Record<string, number>,
  col: RawEntry["text"][keyof RawEntry["text"]],
  max: number,
): void {
  const counts = col.counts;
  let size = Object.keys(into).length;
  col.dict.forEach((value, id) => {
    if (counts[id] > 0) size = addCount(into, value || "-", counts[id], size, max);
  });
}

const WIDTH = PATH_MEASURES.length;
const HITS = new Set(["Hit", "RefreshHit"]);

/**
 * Per distinct path of a raw entry, its {@link PATH_MEASURES} (WIDTH numbers a path),
 * with each record's result type and status class read through per-value flags.
 */
function pathSums(e: RawEntry): Float64Array {
  const paths = e.text.path;
  const sums = new Float64Array(paths.dict.length * WIDTH);
  const result = e.text.result_type;
  const status = e.text.status;
  // 1 hit, 2 miss, 3 error; per status value its class column (0: none) and 200-ness.
  const kind = Uint8Array.from(
    result.dict,
    (r) => HITS.has(r) ? 1 : r === "Miss" ? 2 : r === "Error" ? 3 : 0,
  );
  const classAt = Uint8Array.from(status.dict, (c) => {
    const at = PATH_MEASURES.indexOf(`${c[0]}xx` as (typeof PATH_MEASURES)[number]);
    return at === -1 ? 0 : at;
  });
  const is200 = Uint8Array.from(status.dict, (c) => (c === "200" ? 1 : 0));
  const bytes = e.numbers.bytes;
  for (let i = 0; i < e.count; i++) {
    const at = paths.index[i] * WIDTH;
    const k = kind[result.index[i]];
    const s = status.index[i];
    sums[at]++;
    sums[at + 1] += bytes[i];
    if (k === 1) sums[at + 2]++;
    else if (k === 2) {
      sums[at + 3]++;
      sums[at + 4] += bytes[i];
    } else if (k === 3 && is200[s] === 1) sums[at + 9]++;
    if (classAt[s] !== 0) sums[at + classAt[s]]++;
  }
  return sums;
}

/** The row of `path` in `acc.pathSums`, added (and counted in the HLL) when new. */
function rowOf(acc: WindowAccumulator, path: string): number {
  let row = acc.paths.get(path);
  if (row === undefined) {
    acc.paths.set(path, row = acc.paths.size);
    hllAdd(acc.pathsHll, path);
    if ((row + 1) * WIDTH > acc.pathSums.length) {
      const grown = new Float64Array(acc.pathSums.length * 2);
      grown.set(acc.pathSums);
      acc.pathSums = grown;
    }
  }
  return row;
}

/** Adds every record of a raw entry, straight from its columns. */
export function accumulateEntry(acc: WindowAccumulator, e: RawEntry): void {
  const bytes = e.numbers.bytes;
  const tt = e.numbers.time_taken_ms;
  acc.requests += e.count;
  countColumn(acc.status_codes, e.text.status, EXACT_KEYS.status_codes);
  countColumn(acc.methods, e.text.method, EXACT_KEYS.methods);
  countColumn(acc.edge_locations, e.text.edge_location, EXACT_KEYS.edge_locations);
  countColumn(acc.result_types, e.text.result_type, EXACT_KEYS.result_types);

  const paths = e.text.path;
  const sums = pathSums(e);
  for (let i = 0; i < e.count; i++) {
    acc.bytes += bytes[i];
    const t = tt[i];
    if (t === t) quantileCount(acc.timeTaken, t); // NaN: not logged
  }
  paths.dict.forEach((path, id) => {
    const row = rowOf(acc, path);
    const into = acc.pathSums;
    for (let m = 0, at = id * WIDTH, to = row * WIDTH; m < WIDTH; m++) into[to + m] += sums[at + m];
  });
  for (const agent of e.text.user_agent.dict) {
    if (!acc.agents.has(agent)) {
      acc.agents.add(agent);
      hllAdd(acc.agentsHll, agent);
    }
  }
  accumulateAudience(acc.audience, e);
}

/**
 * Adds `from` (the accumulation of other parts of the same window) into `into`: the same
 * result as accumulating `from`'s entries after `into`'s. `from` is left as is.
 */
export function mergeAccumulator(into: WindowAccumulator, from: WindowAccumulator): void {
  addCounters(into, from);
  for (const [path, at] of from.paths) {
    const row = rowOf(into, path);
    for (let m = 0; m < WIDTH; m++) into.pathSums[row * WIDTH + m] += from.pathSums[at * WIDTH + m];
  }
  hllMerge(into.pathsHll, from.pathsHll);
  hllMerge(into.agentsHll, from.agentsHll);
  for (const agent of from.agents) into.agents.add(agent);
  quantileCountsMerge(into.timeTaken, from.timeTaken);
  mergeAudienceAccumulator(into.audience, from.audience);
}

/**
 * Measured on Node: an empty accumulator's maps take about 8 KB beyond its typed arrays,
 * and each distinct key (a path, an agent, a dimension's key or slot) about 250 bytes.
 */
const ACCUMULATOR_MAPS = 8 * 1024;
const KEY_BYTES = 250;

/** About how many bytes an accumulator holds: what a cache of them is bounded by. */
export function accumulatorBytes(acc: WindowAccumulator): number {
  const sketches = acc.pathsHll.length + acc.agentsHll.length + acc.timeTaken.dense.byteLength;
  const keys = acc.paths.size + acc.agents.size + audienceKeyCount(acc.audience);
  return acc.pathSums.byteLength + sketches + ACCUMULATOR_MAPS + keys * KEY_BYTES;
}

/**
 * The accumulator a window's state was made from, when the state holds all of it: every
 * path is in `top_paths` with all its measures, no list was cut and no exact map sent
 * keys to `(other)` (which keys went there depends on the order records came in). Then
 * adding a new source's records to it gives what rebuilding the window from all of its
 * sources gives. Undefined otherwise.
 */
export function reopenAccumulator(state: SummaryState): WindowAccumulator | undefined {
  const audience = reopenAudience(state.audience);
  if (audience === undefined || state.top_paths.floor !== 0 || holdsOther(state)) return undefined;
  const rows = state.top_paths.entries;
  if (rows.some((r) => r.length !== WIDTH + 2)) return undefined;
  const acc = windowAccumulator();
  acc.requests = state.requests;
  acc.bytes = state.bytes;
  Object.assign(acc.status_codes, state.status_codes);
  Object.assign(acc.methods, state.methods);
  Object.assign(acc.edge_locations, state.edge_locations);
  Object.assign(acc.result_types, state.result_types);
  for (const row of rows) {
    const at = rowOf(acc, row[0]) * WIDTH;
    for (let m = 0; m < WIDTH; m++) acc.pathSums[at + m] = row[m + 1] as number;
  }
  acc.pathsHll = hllDecode(state.paths_hll);
  acc.agentsHll = hllDecode(state.agents_hll);
  acc.timeTaken = quantileCountsOf(state.time_taken);
  acc.audience = audience;
  return acc;
}

/** Whether an exact map of `state` sent keys past its bound to `(other)`. */
export function holdsOther(state: SummaryState): boolean {
  const maps: object[] = [
    state.status_codes,
    state.methods,
    state.edge_locations,
    state.result_types,
    ...Object.values(state.audience?.exact ?? {}),
  ];
  return maps.some((m) => Object.hasOwn(m, OTHER_KEY));
}

/**
 * The window's summary state (top paths kept from exact counts, so their error is 0);
 * `uncut`: every path and key in every list, so that {@link reopenAccumulator} gives the
 * accumulator back.
 */
export function windowState(acc: WindowAccumulator, uncut = false): SummaryState {
  return normalizeState({
    requests: acc.requests,
    bytes: acc.bytes,
    status_codes: acc.status_codes,
    methods: acc.methods,
    edge_locations: acc.edge_locations,
    result_types: acc.result_types,
    paths_hll: hllEncode(acc.pathsHll),
    agents_hll: hllEncode(acc.agentsHll),
    time_taken: quantileFromCounts(acc.timeTaken),
    top_paths: uncut
      ? topFromFlat([...acc.paths.keys()], acc.pathSums, WIDTH, Infinity, Infinity)
      : topFromFlat([...acc.paths.keys()], acc.pathSums, WIDTH, TOP_KEEP),
    audience: audienceState(acc.audience, uncut),
  });
}
