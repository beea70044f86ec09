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

/**
 * Characters of names a list keeps at most: with paths of up to 500 characters, a list of
 * long names keeps fewer candidates, so that its stored size is bounded whatever the input
 * (200,000 characters are at most 600 KB of UTF-8).
 */
export const TOP_NAME_CHARS = 200_000;

function order(a: TopEntry, b: TopEntry): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/**
 * Truncates candidates (sorted here) to `keep` and to {@link TOP_NAME_CHARS} characters of
 * names, raising the floor past what was dropped.
 */
function truncate(entries: TopEntry[], floor: number, keep: number): TopList {
  entries.sort(order);
  let kept = Math.min(keep, entries.length);
  let chars = 0;
  for (let i = 0; i < kept; i++) {
    chars += entries[i][0].length;
    if (chars > TOP_NAME_CHARS) kept = i;
  }
  let newFloor = floor;
  for (let i = kept; i < entries.length; i++) {
    newFloor = Math.max(newFloor, entries[i][1] + entries[i][3]);
  }
  return { floor: newFloor, entries: entries.slice(0, kept) };
}

/** A top list from exact counts `path → [requests, bytes]`. */
export function topFromCounts(counts: Map<string, [number, number]>, keep = TOP_KEEP): TopList {
  const entries: TopEntry[] = [];
  for (const [path, [requests, bytes]] of counts) entries.push([path, requests, bytes, 0]);
  return truncate(entries, 0, keep);
}

/**
 * Merges several lists into one of at most `keep` candidates. A path's error grows by the
 * floor of every list it is missing from (it may hold up to that many there): the sum of
 * all floors less the floors of the lists that have it, so one pass suffices.
 */
export function topMerge(lists: readonly TopList[], keep = TOP_KEEP): TopList {
  const merged = new Map<string, { entry: TopEntry; floorsPresent: number }>();
  let floorSum = 0;
  for (const list of lists) {
    floorSum += list.floor;
    for (const [path, requests, bytes, err] of list.entries) {
      const m = merged.get(path);
      if (m) {
        m.entry[1] += requests;
        m.entry[2] += bytes;
        m.entry[3] += err;
        m.floorsPresent += list.floor;
      } else merged.set(path, { entry: [path, requests, bytes, err], floorsPresent: list.floor });
    }
  }
  const entries: TopEntry[] = [];
  for (const { entry, floorsPresent } of merged.values()) {
    entry[3] += floorSum - floorsPresent;
    entries.push(entry);
  }
  return truncate(entries, floorSum, keep);
}
