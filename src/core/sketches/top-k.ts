/**
 * Bounded top-K lists with honest error bounds, mergeable across periods.
 *
 * Each list keeps at most K candidates plus `floor`: the most requests any unlisted path
 * can have. When merging, a path missing from one side may have up to that side's floor
 * there, which is added to its `err`. So for every listed path the true count lies in
 * [requests, requests + err], and a list built from exact counts has err = 0.
 * @module
 */

/** One candidate: [path, requests, bytes, err]. Bytes are a lower bound when err > 0. */
export type TopEntry = [string, number, number, number];

/** A bounded list of candidates, most requested first. */
export interface TopList {
  floor: number;
  entries: TopEntry[];
}

/** Candidates kept per period: far more than the 100 shown, so merges stay accurate. */
export const TOP_KEEP = 1000;

function order(a: TopEntry, b: TopEntry): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/** Truncates candidates (sorted here) to `keep`, raising the floor past what was dropped. */
function truncate(entries: TopEntry[], floor: number, keep: number): TopList {
  entries.sort(order);
  let newFloor = floor;
  for (let i = keep; i < entries.length; i++) {
    newFloor = Math.max(newFloor, entries[i][1] + entries[i][3]);
  }
  return { floor: newFloor, entries: entries.slice(0, keep) };
}

/** A top list from exact counts `path → [requests, bytes]`. */
export function topFromCounts(counts: Map<string, [number, number]>, keep = TOP_KEEP): TopList {
  const entries: TopEntry[] = [];
  for (const [path, [requests, bytes]] of counts) entries.push([path, requests, bytes, 0]);
  return truncate(entries, 0, keep);
}

/** Merges several lists into one of at most `keep` candidates. */
export function topMerge(lists: readonly TopList[], keep = TOP_KEEP): TopList {
  const merged = new Map<string, TopEntry>();
  let floorSum = 0;
  for (const list of lists) floorSum += list.floor;
  for (const [li, list] of lists.entries()) {
    for (const [path, requests, bytes, err] of list.entries) {
      let e = merged.get(path);
      if (!e) {
        // Missing so far from lists 0..li-1: each may hold up to its floor.
        let missing = 0;
        for (let j = 0; j < li; j++) missing += lists[j].floor;
        e = [path, 0, 0, missing];
        merged.set(path, e);
      }
      e[1] += requests;
      e[2] += bytes;
      e[3] += err;
    }
    // Paths seen earlier but absent from this list may hold up to this list's floor.
    const here = new Set(list.entries.map((x) => x[0]));
    for (const e of merged.values()) if (!here.has(e[0]) && list.floor > 0) e[3] += list.floor;
  }
  return truncate([...merged.values()], floorSum, keep);
}
