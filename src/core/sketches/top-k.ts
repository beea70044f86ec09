/**
 * Bounded top-K lists with honest error bounds, mergeable across periods.
 *
 * Each list keeps at most K candidates plus `floor`: the most requests any unlisted path
 * can have. When merging, a path missing from one side may have up to that side's floor
 * there, which is added to its `err`. So for every listed path the true count lies in
 * [requests, requests + err], and a list built from exact counts has err = 0.
 * @module
 */

/**
 * One candidate: its name, its counts (the first one ranks it), then its error. The
 * error bounds the first count; the others are lower bounds when the error is not 0.
 */
export type TopRow = [string, ...number[]];

/** A path's candidate: [path, requests, bytes, err]. */
export type TopEntry = [string, number, number, number];

/** A bounded list of candidates, most requested first. */
export interface TopList<R extends TopRow = TopEntry> {
  floor: number;
  entries: R[];
}

/** Candidates kept per period: far more than the 100 shown, so merges stay accurate. */
export const TOP_KEEP = 1000;

/**
 * Bytes of names (UTF-8) a list keeps at most: with paths of up to 500 characters, a list
 * of long names keeps fewer candidates, so that its stored size is bounded whatever the
 * input and whatever its script.
 */
export const TOP_NAME_BYTES = 150_000;

/** The UTF-8 length of `s`: what it weighs in a stored JSON document. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}

function order(a: TopRow, b: TopRow): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/**
 * Truncates candidates (sorted here) to `keep` and to `budget` bytes of names (default
 * {@link TOP_NAME_BYTES}), raising the floor past what was dropped.
 */
function truncate<R extends TopRow>(
  entries: R[],
  floor: number,
  keep: number,
  budget = TOP_NAME_BYTES,
): TopList<R> {
  entries.sort(order);
  let kept = Math.min(keep, entries.length);
  let bytes = 0;
  for (let i = 0; i < kept; i++) {
    bytes += utf8Length(entries[i][0]);
    if (bytes > budget) kept = i;
  }
  let newFloor = floor;
  for (let i = kept; i < entries.length; i++) {
    const e = entries[i];
    newFloor = Math.max(newFloor, (e[1] as number) + (e[e.length - 1] as number));
  }
  return { floor: newFloor, entries: entries.slice(0, kept) };
}

/** A top list from exact counts `path → [requests, bytes]`. */
export function topFromCounts(counts: Map<string, [number, number]>, keep = TOP_KEEP): TopList {
  const entries: TopEntry[] = [];
  for (const [path, [requests, bytes]] of counts) entries.push([path, requests, bytes, 0]);
  return truncate(entries, 0, keep);
}

/** A top list from exact count vectors `name → counts` (the first count ranks). */
export function topFromVectors(
  counts: ReadonlyMap<string, ArrayLike<number>>,
  keep: number,
  budget = TOP_NAME_BYTES,
): TopList<TopRow> {
  const entries: TopRow[] = [];
  for (const [name, c] of counts) entries.push([name, ...Array.from(c), 0]);
  return truncate(entries, 0, keep, budget);
}

/**
 * A top list from exact counts held flat: `names[i]`'s counts are `sums[i * width ..]`.
 * Only the rows that can be kept are built (the list is the same as from all of them:
 * the first row left out bounds every other left out).
 */
export function topFromFlat(
  names: readonly string[],
  sums: Float64Array,
  width: number,
  keep: number,
  budget = TOP_NAME_BYTES,
): TopList<TopRow> {
  const ranked = Array.from(names.keys()).sort((a, b) =>
    sums[b * width] - sums[a * width] || (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0)
  );
  const rows = ranked.slice(0, keep + 1).map((i): TopRow => [
    names[i],
    ...sums.subarray(i * width, (i + 1) * width),
    0,
  ]);
  return truncate(rows, 0, keep, budget);
}

/**
 * Merges several lists into one of at most `keep` candidates. A name's error grows by the
 * floor of every list it is missing from (it may hold up to that many there): the sum of
 * all floors less the floors of the lists that have it, so one pass suffices. Counts
 * after the first add up; the error is the last element.
 */
export function topMerge<R extends TopRow = TopEntry>(
  lists: readonly TopList<R>[],
  keep = TOP_KEEP,
  budget = TOP_NAME_BYTES,
): TopList<R> {
  const merged = new Map<string, { entry: R; floorsPresent: number }>();
  let floorSum = 0;
  for (const list of lists) {
    floorSum += list.floor;
    for (const row of list.entries) {
      const m = merged.get(row[0]);
      if (m) {
        const e = m.entry as unknown as number[];
        for (let i = 1; i < row.length; i++) e[i] += row[i] as number;
        m.floorsPresent += list.floor;
      } else merged.set(row[0], { entry: [...row] as R, floorsPresent: list.floor });
    }
  }
  const entries: R[] = [];
  for (const { entry, floorsPresent } of merged.values()) {
    (entry as unknown as number[])[entry.length - 1] += floorSum - floorsPresent;
    entries.push(entry);
  }
  return truncate(entries, floorSum, keep, budget);
}
