/**
 * Step 2, Transform: every window with a pending marker is built from its ledgered raw
 * parts into one consolidated summary (exact per-path groups plus the mergeable state).
 * The summary is always that of all its committed sources, whatever order they came in,
 * which is what makes re-runs, crashes and late data harmless: a closed window is rebuilt
 * from every source; an open one adds its new sources to its stored exact counts, which
 * gives the same. A window that was already aggregated as final is sent back to partial,
 * with every period above it.
 * @module
 */
import * as v from "valibot";
import {
  accumulateEntry,
  accumulatorBytes,
  holdsOther,
  mergeAccumulator,
  reopenAccumulator,
  type WindowAccumulator,
  windowAccumulator,
  windowState,
} from "../core/consolidate.ts";
import { clockFinal, inputsStamp, type Meta } from "../core/finality.ts";
import {
  CONSOLIDATED_PREFIX,
  consolidatedKey,
  metaKey,
  parseWindowDir,
  PENDING_PREFIX,
  RAW_PREFIX,
  rawWindowPrefix,
  windowCountsKey,
  windowDir,
} from "../core/keys.ts";
import { parseRawEntry } from "../core/raw-entry.ts";
import { utf8Length } from "../core/sketches/top-k.ts";
import { PATH_MEASURES, SummaryStateSchema } from "../core/summary.ts";
import { iso, parentPeriod, type Period, periodKey, WINDOW_MS } from "../core/windows.ts";
import { getJson, listAll, putJson, type Store } from "../store/store.ts";
import { type Context, mapLimit } from "./context.ts";
import { type Handoff, takeOver } from "./handoff.ts";
import { type Ledger, readLedger } from "./ledger.ts";
import { listByWindow } from "./list-windows.ts";
import { readMeta } from "./meta.ts";
import { readStored, StoredDataError } from "./stored.ts";
import { lowerStoredWatermark } from "./watermark.ts";

/** The stored consolidated summary of one 30-minute window. */
export const ConsolidatedSchema = v.object({
  window: v.string(),
  key: v.string(),
  /** Hashes of the source objects whose records are included, sorted. */
  sources: v.array(v.string()),
  records: v.number(),
  /**
   * Identical requests grouped by path: [path, requests, bytes], most requested first; at
   * most {@link MAX_PATH_GROUPS} of them (and {@link PATH_GROUP_BYTES} bytes of paths).
   */
  paths: v.array(v.tuple([v.string(), v.number(), v.number()])),
  /** How many distinct paths the window had (more than `paths` lists when it was cut). */
  path_groups: v.optional(v.number()),
  state: SummaryStateSchema,
});

/** The sources of a stored summary alone: what checks of its inputs read, not its state. */
export const ConsolidatedSourcesSchema = v.pick(ConsolidatedSchema, ["sources"]);
/** A consolidated window. */
export type Consolidated = v.InferOutput<typeof ConsolidatedSchema>;

/** The result of a consolidate run. */
export interface ConsolidateResult {
  windows: number;
  records: number;
  /** Windows whose final aggregates were reopened by late data. */
  reopened: string[];
  /**
   * Windows that could not be rebuilt (a stored raw part that fails validation): each is
   * reported and keeps its pending markers; the other windows are rebuilt all the same.
   */
  failures: Array<{ window: string; error: string }>;
}

/** Path groups a window's summary lists at most: its size is bounded whatever the input. */
export const MAX_PATH_GROUPS = 10_000;
/** Bytes (UTF-8) of paths a window's summary lists at most. */
export const PATH_GROUP_BYTES = 1_000_000;

const PENDING = PENDING_PREFIX;
const RAW = RAW_PREFIX;

/**
 * Consolidates every window with pending raw entries, or only the `windows` named (window
 * starts, epoch ms: what one event's objects touched); with `rebuild`, every window that
 * has raw entries at all (to regenerate deleted consolidated output from raw).
 */
export async function consolidate(
  ctx:
    & Pick<Context, "store" | "now" | "log">
    & Partial<Pick<Context, "graceMs" | "metrics" | "handoff" | "summaries">>,
  options: { rebuild?: boolean; windows?: readonly number[] } = {},
): Promise<ConsolidateResult> {
  const byWindow = options.windows
    ? new Map(
      await Promise.all(options.windows.map(async (start) =>
        [
          start,
          (await listAll(ctx.store, `${PENDING}${windowDir(start)}/`)).map((e) => e.key),
        ] as const
      )),
    )
    : await listByWindow(ctx.store, PENDING);
  if (options.rebuild) {
    for (const start of (await listByWindow(ctx.store, RAW)).keys()) {
      if (!byWindow.has(start)) byWindow.set(start, []);
    }
  } else if (!options.windows) {
    for (const start of await unconsolidatedDays(ctx.store)) {
      if (!byWindow.has(start)) byWindow.set(start, []);
    }
  }
  const result: ConsolidateResult = { windows: 0, records: 0, reopened: [], failures: [] };
  const starts = [...byWindow.keys()].sort((a, b) => a - b);
  let done = 0;
  const rebuilt: Array<{ start: number; sources: Set<string>; changed: boolean }> = [];
  const ledgers: LedgerCache = new Map();
  await mapLimit(starts, 2, async (start) => {
    let c: Consolidated | undefined;
    let before: string | undefined;
    try {
      before = await sourcesOf(ctx.store, start);
      // An open window keeps its exact counts, to add the sources still to come to them.
      const open = !clockFinal(start + WINDOW_MS, ctx.now, ctx.graceMs);
      c = await consolidateWindow(ctx.store, start, ledgers, ctx.handoff, open && !options.rebuild);
    } catch (e) {
      result.failures.push({ window: iso(start), error: (e as Error).message });
      ctx.log(`FAILED window ${iso(start)}: ${(e as Error).message}`);
    }
    if (c) {
      ctx.summaries?.set(start, c);
      result.windows++;
      result.records += c.records;
      ctx.metrics?.(start, c.state);
      // New sources reopen a final window: pending markers say so (a crash may have left
      // them after the summary was written), or a summary of other sources than before (or,
      // where the summary was deleted, than its aggregate was computed from). A rebuild of
      // the same sources with no marker changes nothing.
      const changed = byWindow.get(start)!.length > 0 ||
        (before === undefined
          ? (await readMeta(ctx.store, "30min", c.key).catch(() => undefined))?.inputs !==
            inputsStamp(c.sources)
          : before !== c.sources.join());
      if (changed && await reopen(ctx.store, c.key, iso(ctx.now))) result.reopened.push(c.key);
      rebuilt.push({ start, sources: new Set(c.sources), changed });
    }
    if (++done % 50 === 0 || done === starts.length) {
      ctx.log(`consolidated ${done}/${starts.length} windows`);
    }
  });
  // Lower the aggregate watermark before clearing markers: a crash in between redoes the
  // window instead of leaving it below the mark, unseen by aggregate.
  const changed = rebuilt.filter((r) => r.changed);
  if (changed.length > 0) {
    await lowerStoredWatermark(ctx.store, Math.min(...changed.map((r) => r.start)));
  }
  for (const { start, sources } of rebuilt) {
    for (const k of byWindow.get(start)!) {
      if (sources.has(k.slice(k.lastIndexOf("/") + 1))) await ctx.store.delete(k);
    }
  }
  result.reopened.sort();
  result.failures.sort((a, b) => (a.window < b.window ? -1 : 1));
  return result;
}

/**
 * The windows of every day that has raw parts but no consolidated directory (one was
 * deleted): a run brings them back without --rebuild. Two listings of days a run, and
 * one of windows per such day; a single window deleted inside a day needs --rebuild.
 */
async function unconsolidatedDays(store: Store): Promise<number[]> {
  const done = new Set((await store.browse(CONSOLIDATED_PREFIX)).dirs);
  const starts: number[] = [];
  for (const day of (await store.browse(RAW)).dirs) {
    if (done.has(day)) continue;
    for (const hhmm of (await store.browse(`${RAW}${day}/`)).dirs) {
      const start = parseWindowDir(`${day}/${hhmm}`);
      if (start !== undefined) starts.push(start);
    }
  }
  return starts;
}

/** The sources the stored summary of a window was made of, or undefined (none, or unreadable). */
async function sourcesOf(store: Store, start: number): Promise<string | undefined> {
  const stored = await readStored(store, consolidatedKey(start), ConsolidatedSourcesSchema).catch(
    () => undefined,
  );
  return stored?.sources.join();
}

/** Rebuilds of one window in a row before giving up: other writers keep adding to it. */
const MAX_ROUNDS = 100;

/**
 * Rebuilds one window from its ledgered raw parts; undefined when none is ledgered yet.
 *
 * Safe with many writers at once without compare-and-swap: after writing, the window's
 * committed sources are listed again, and the window is rebuilt while they differ from
 * what the summary was made of. Every commit is followed by its writer's own rebuild and
 * check, so the last write of a window always holds every committed source.
 */
export async function consolidateWindow(
  store: Store,
  start: number,
  ledgers: LedgerCache = new Map(),
  handoff?: Handoff,
  counted = false,
): Promise<Consolidated | undefined> {
  for (let round = 1;; round++) {
    const counts = counted ? await readCounts(store, start) : undefined;
    const parts = await committedParts(store, start, ledgers, new Set(counts?.sources));
    if (parts.size === 0) return undefined;
    const { c, acc } = await buildWindow(store, start, parts, handoff, counts);
    // The counts first: a crash before the summary leaves the window pending, redone.
    if (counted && accumulatorBytes(acc) <= COUNTS_BYTES && !holdsOther(c.state)) {
      await putJson(store, windowCountsKey(start), {
        sources: c.sources,
        state: windowState(acc, true),
      });
    } else await store.delete(windowCountsKey(start));
    await putJson(store, consolidatedKey(start), c);
    const after = await committedParts(store, start, ledgers, new Set(c.sources));
    if ([...after.keys()].join() === c.sources.join()) return c;
    if (round === MAX_ROUNDS) {
      throw new Error(`window ${iso(start)} changed under ${round} rebuilds in a row`);
    }
  }
}

/**
 * The window's exact counts and the sources they hold (see windowCountsKey). Written only
 * for a window whose accumulator is at most this large: a larger one is rebuilt from all
 * of its sources.
 */
const COUNTS_BYTES = 4 * 1024 * 1024;
const WindowCountsSchema = v.object({ sources: v.array(v.string()), state: SummaryStateSchema });
type WindowCounts = v.InferOutput<typeof WindowCountsSchema>;

/** The window's stored exact counts, or undefined (none, or unreadable: rebuilt then). */
function readCounts(store: Store, start: number): Promise<WindowCounts | undefined> {
  return readStored(store, windowCountsKey(start), WindowCountsSchema).catch(() => undefined);
}

/**
 * Ledger entries read during one run, by hash. An entry is written once and never
 * changes, so a found one is kept; an absent one (an ingest under way) is read again. An
 * object spread over many windows is then read once, not once per window.
 */
export type LedgerCache = Map<string, Ledger>;

/** Entries a {@link LedgerCache} keeps at most. */
const LEDGERS_KEPT = 1000;

async function ledgerOf(store: Store, hash: string, cache: LedgerCache) {
  let ledger = cache.get(hash);
  if (ledger === undefined) {
    ledger = await readLedger(store, hash);
    if (ledger !== undefined) {
      if (cache.size >= LEDGERS_KEPT) cache.clear();
      cache.set(hash, ledger);
    }
  }
  return ledger;
}

/** The raw part keys of a window, by source hash, each list sorted. */
async function partsByHash(store: Store, start: number): Promise<Map<string, string[]>> {
  const prefix = rawWindowPrefix(start);
  const parts = new Map<string, string[]>();
  for (const e of await listAll(store, prefix)) {
    const m = /^([0-9a-f]+)-\d+\.json$/.exec(e.key.slice(prefix.length));
    if (!m) continue;
    const keys = parts.get(m[1]);
    if (keys) keys.push(e.key);
    else parts.set(m[1], [e.key]);
  }
  for (const keys of parts.values()) keys.sort();
  return parts;
}

/** @throws unless the ledger of `hash` says the window has exactly `keys.length` parts of it */
function checkParts(ledger: Ledger | undefined, hash: string, start: number, keys: string[]) {
  const expected = ledger?.windows[iso(start)];
  if (expected === undefined) {
    throw new Error(`source ${hash} has no ledger entry for ${iso(start)}`);
  }
  if (keys.length !== expected) {
    throw new Error(
      `raw parts of ${ledger!.key} for ${
        iso(start)
      }: found ${keys.length}, ledger says ${expected}`,
    );
  }
  // The parts are numbered 0 to n-1: a renamed or stray one is no part of the source.
  keys.forEach((key, i) => {
    if (partIndex(key) !== i) {
      throw new Error(`raw parts of ${ledger!.key} for ${iso(start)}: ${key} is out of sequence`);
    }
  });
}

/** The part number a raw part's key ends with (`…-0003.json` is 3). */
export function partIndex(key: string): number {
  return Number(/-(\d+)\.json$/.exec(key)?.[1] ?? NaN);
}

/**
 * The raw part keys of every source whose ledger says it is in the window, by hash, sorted.
 * A `known` source (one a stored summary of the window holds) was checked when it was
 * added: its ledger is not read again, so a window's next source costs what it brings.
 */
export async function committedParts(
  store: Store,
  start: number,
  ledgers: LedgerCache,
  known: ReadonlySet<string> = new Set(),
): Promise<Map<string, string[]>> {
  const parts = await partsByHash(store, start);
  const committed = new Map<string, string[]>();
  for (const hash of [...parts.keys()].sort()) {
    const keys = parts.get(hash)!;
    if (!known.has(hash)) {
      const ledger = await ledgerOf(store, hash, ledgers);
      // Not committed yet: an ingest is under way or crashed.
      if (ledger?.windows[iso(start)] === undefined) continue;
      checkParts(ledger, hash, start, keys);
    }
    committed.set(hash, keys);
  }
  return committed;
}

/**
 * The raw part keys of exactly `sources` (a summary's), each checked against its ledger:
 * what the summary was made of, whatever else the window holds now.
 * @throws when a source's parts are not all there
 */
export async function partsOf(
  store: Store,
  start: number,
  sources: readonly string[],
  ledgers: LedgerCache,
): Promise<Array<[string, string[]]>> {
  const parts = await partsByHash(store, start);
  const out: Array<[string, string[]]> = [];
  for (const hash of sources) {
    const keys = parts.get(hash) ?? [];
    checkParts(await ledgerOf(store, hash, ledgers), hash, start, keys);
    out.push([hash, keys]);
  }
  return out;
}

/**
 * The summary of a window from the raw parts of its committed sources, and the
 * accumulator it came from. When the window's stored exact `counts` reopen (see
 * reopenAccumulator) and their sources are still committed, only the sources they lack
 * are read and added: the same summary as a rebuild from every source, checked below
 * where the order of sources could matter.
 */
async function buildWindow(
  store: Store,
  start: number,
  parts: Map<string, string[]>,
  handoff?: Handoff,
  counts?: WindowCounts,
): Promise<{ c: Consolidated; acc: WindowAccumulator }> {
  const reopened = counts?.sources.every((h) => parts.has(h))
    ? reopenAccumulator(counts.state)
    : undefined;
  const had = new Set(reopened ? counts!.sources : []);
  // In source order, each new source's handed-over accumulation, or else its part keys.
  const steps = [...parts].flatMap(([hash, keys]): Array<WindowAccumulator | string> => {
    const held = handoff && takeOver(handoff, start, hash, keys.length);
    return had.has(hash) ? [] : held ? [held] : keys;
  });
  const first = steps[0];
  const acc = reopened ??
    (typeof first === "object" ? (steps.shift(), first) : windowAccumulator());
  const read = (i: number) => {
    const step = steps[i];
    if (typeof step !== "string") return undefined;
    const json = getJson(store, step);
    json.catch(() => {}); // awaited in its turn; a throw before that must not be unobserved
    return json;
  };
  let next = read(0);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const json = await next;
    // The next part is read while this one is added up.
    next = read(i + 1);
    if (typeof step === "string") accumulateEntry(acc, parseRawEntry(json));
    else mergeAccumulator(acc, step);
  }
  // Most requested first; only the groups kept are built (a window may see many paths).
  const names = [...acc.paths.keys()];
  const w = PATH_MEASURES.length;
  const sums = acc.pathSums;
  const ranked = Array.from(names.keys()).sort((a, b) =>
    sums[b * w] - sums[a * w] || (names[a] < names[b] ? -1 : 1)
  );
  let kept = Math.min(ranked.length, MAX_PATH_GROUPS);
  for (let i = 0, bytes = 0; i < kept; i++) {
    if ((bytes += utf8Length(names[ranked[i]])) > PATH_GROUP_BYTES) kept = i;
  }
  const paths: Consolidated["paths"] = ranked.slice(0, kept).map((i) => [
    names[i],
    sums[i * w],
    sums[i * w + 1],
  ]);
  const state = windowState(acc);
  // Which keys an exact map sent to (other) depends on the order sources came in.
  if (reopened && holdsOther(state)) return await buildWindow(store, start, parts, handoff);
  const c = {
    window: iso(start),
    key: periodKey("30min", start),
    sources: [...parts.keys()],
    records: acc.requests,
    paths,
    path_groups: names.length,
    state,
  };
  return { c, acc };
}

/** Sends a final 30min aggregate and all its ancestors back to partial. True if it was final. */
async function reopen(store: Store, key30: string, nowIso: string): Promise<boolean> {
  let reopened = false;
  let period: Period | undefined = "30min";
  const at = Date.parse(`${key30.slice(0, 10)}T${key30.slice(11, 13)}:${key30.slice(13, 15)}:00Z`);
  while (period) {
    const key = periodKey(period, at);
    // A meta that fails validation is replaced by a partial one: the aggregate step
    // recomputes the period.
    const meta = await readMeta(store, period, key).catch((e) => {
      if (!(e instanceof StoredDataError)) throw e;
      return {
        status: "final",
        computed_at: nowIso,
        source_count: 0,
        sources_final: false,
      } as Meta;
    });
    if (meta) {
      if (meta.status === "final") {
        if (period === "30min") reopened = true;
        const next: Meta = { ...meta, status: "partial", computed_at: nowIso, late_data: true };
        await putJson(store, metaKey(period, key), next);
      }
    }
    period = parentPeriod(period);
  }
  return reopened;
}
