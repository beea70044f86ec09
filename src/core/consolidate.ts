/**
 * Consolidation of one 30-minute window: its records grouped into exact per-path counts
 * and the window's mergeable summary state.
 * @module
 */
import {
  accumulateAudience,
  type AudienceAccumulator,
  audienceAccumulator,
  audienceState,
} from "./audience.ts";
import type { RawEntry } from "./raw-entry.ts";
import { hllAdd, hllCreate, hllEncode } from "./sketches/hll.ts";
import { quantileCount, quantileCounts, quantileFromCounts } from "./sketches/quantiles.ts";
import { topFromCounts } from "./sketches/top-k.ts";
import {
  addCount,
  emptyCounters,
  EXACT_KEYS,
  normalizeState,
  type SummaryState,
} from "./summary.ts";

/** Running totals for one window. */
export interface WindowAccumulator extends ReturnType<typeof emptyCounters> {
  paths: Map<string, [number, number]>;
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
  const reqs = new Float64Array(paths.dict.length);
  const sums = new Float64Array(paths.dict.length);
  for (let i = 0; i < e.count; i++) {
    const id = paths.index[i];
    reqs[id]++;
    sums[id] += bytes[i];
    acc.bytes += bytes[i];
    const t = tt[i];
    if (t === t) quantileCount(acc.timeTaken, t); // NaN: not logged
  }
  paths.dict.forEach((path, id) => {
    const p = acc.paths.get(path);
    if (p) {
      p[0] += reqs[id];
      p[1] += sums[id];
    } else {
      acc.paths.set(path, [reqs[id], sums[id]]);
      hllAdd(acc.pathsHll, path);
    }
  });
  for (const agent of e.text.user_agent.dict) {
    if (!acc.agents.has(agent)) {
      acc.agents.add(agent);
      hllAdd(acc.agentsHll, agent);
    }
  }
  accumulateAudience(acc.audience, e);
}

/** The window's summary state (top paths kept from exact counts, so their error is 0). */
export function windowState(acc: WindowAccumulator): SummaryState {
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
    top_paths: topFromCounts(acc.paths),
    audience: audienceState(acc.audience),
  });
}
