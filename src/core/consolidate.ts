/**
 * Consolidation of one 30-minute window: its records grouped into exact per-path counts
 * and the window's mergeable summary state.
 * @module
 */
import type { LogRecord } from "./record.ts";
import { hllAdd, hllCreate, hllEncode } from "./sketches/hll.ts";
import { quantileAdd, quantileCreate } from "./sketches/quantiles.ts";
import { topFromCounts } from "./sketches/top-k.ts";
import { normalizeState, type SummaryState } from "./summary.ts";

/** Running totals for one window. */
export interface WindowAccumulator {
  requests: number;
  bytes: number;
  status_codes: Record<string, number>;
  methods: Record<string, number>;
  edge_locations: Record<string, number>;
  result_types: Record<string, number>;
  paths: Map<string, [number, number]>;
  pathsHll: Uint8Array;
  agentsHll: Uint8Array;
  agents: Set<string>;
  timeTaken: ReturnType<typeof quantileCreate>;
}

/** An empty accumulator. */
export function windowAccumulator(): WindowAccumulator {
  return {
    requests: 0,
    bytes: 0,
    status_codes: {},
    methods: {},
    edge_locations: {},
    result_types: {},
    paths: new Map(),
    pathsHll: hllCreate(),
    agentsHll: hllCreate(),
    agents: new Set(),
    timeTaken: quantileCreate(),
  };
}

const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

/** Adds one record. Missing text values count under "-". */
export function accumulate(acc: WindowAccumulator, r: LogRecord): void {
  acc.requests++;
  acc.bytes += r.bytes;
  bump(acc.status_codes, r.status);
  bump(acc.methods, r.method || "-");
  bump(acc.edge_locations, r.edge_location || "-");
  bump(acc.result_types, r.result_type || "-");
  const p = acc.paths.get(r.path);
  if (p) {
    p[0]++;
    p[1] += r.bytes;
  } else {
    acc.paths.set(r.path, [1, r.bytes]);
    hllAdd(acc.pathsHll, r.path);
  }
  if (!acc.agents.has(r.user_agent)) {
    acc.agents.add(r.user_agent);
    hllAdd(acc.agentsHll, r.user_agent);
  }
  if (r.time_taken_ms !== null) quantileAdd(acc.timeTaken, r.time_taken_ms);
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
    time_taken: acc.timeTaken,
    top_paths: topFromCounts(acc.paths),
  });
}
