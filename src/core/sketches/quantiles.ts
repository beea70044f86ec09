/**
 * Latency percentiles with a DDSketch-style log-bucket histogram (Masson et al. 2019):
 * every quantile is within 1% relative error of a true sample value, and merging is
 * adding bucket counts, so hourly, daily and monthly percentiles are as good as 30min ones.
 * @module
 */

/** Relative accuracy of every quantile returned. */
export const QUANTILE_RELATIVE_ERROR = 0.01;
const GAMMA = (1 + QUANTILE_RELATIVE_ERROR) / (1 - QUANTILE_RELATIVE_ERROR);
const LN_GAMMA = Math.log(GAMMA);

/** Mergeable state: values ≤ 0 in `zero`, others in `bins` keyed by log-bucket index. */
export interface QuantileSketch {
  count: number;
  zero: number;
  bins: Record<string, number>;
}

/** An empty sketch. */
export function quantileCreate(): QuantileSketch {
  return { count: 0, zero: 0, bins: {} };
}

/** The bucket of a value above 0. */
function bucketOf(value: number): number {
  return Math.ceil(Math.log(value) / LN_GAMMA);
}

/** Adds one non-negative value. */
export function quantileAdd(sketch: QuantileSketch, value: number): void {
  sketch.count++;
  if (value <= 0) {
    sketch.zero++;
    return;
  }
  const k = bucketOf(value);
  sketch.bins[k] = (sketch.bins[k] ?? 0) + 1;
}

/**
 * A sketch being filled a value at a time, its buckets counted in a typed array: adding a
 * whole number of milliseconds (nearly every latency) is a table lookup and an increment,
 * where {@link quantileAdd} takes a logarithm and a property write, once per record.
 * {@link quantileFromCounts} gives the sketch.
 */
export interface QuantileCounts {
  count: number;
  zero: number;
  /** Bucket k at k + OFFSET, for k in [-OFFSET, OFFSET): values from 1e-18 to 6e17. */
  dense: Float64Array;
  /** Buckets beyond those. */
  rest: QuantileSketch;
}

const OFFSET = 2048;
/** Whole numbers below this have their bucket looked up. */
const SMALL = 65_536;
let smallBuckets: Int16Array | undefined;

/** Empty counts. */
export function quantileCounts(): QuantileCounts {
  return { count: 0, zero: 0, dense: new Float64Array(2 * OFFSET), rest: quantileCreate() };
}

/** Adds one non-negative value (as {@link quantileAdd} would). */
export function quantileCount(c: QuantileCounts, value: number): void {
  if (value <= 0) {
    c.count++;
    c.zero++;
    return;
  }
  let k: number;
  if (value < SMALL && (value | 0) === value) {
    smallBuckets ??= Int16Array.from({ length: SMALL }, (_, v) => (v === 0 ? 0 : bucketOf(v)));
    k = smallBuckets[value];
  } else {
    k = bucketOf(value);
    if (!(k >= -OFFSET && k < OFFSET)) return quantileAdd(c.rest, value);
  }
  c.count++;
  c.dense[k + OFFSET]++;
}

/** The counts a sketch was made from: what {@link quantileFromCounts} undoes. */
export function quantileCountsOf(sketch: QuantileSketch): QuantileCounts {
  const c = quantileCounts();
  c.count = sketch.count;
  c.zero = sketch.zero;
  for (const [k, n] of Object.entries(sketch.bins)) {
    const at = Number(k) + OFFSET;
    if (at >= 0 && at < c.dense.length) c.dense[at] = n;
    else {
      c.rest.bins[k] = n;
      c.rest.count += n;
      c.count -= n; // counted in `rest` alone, as quantileCount does
    }
  }
  return c;
}

/** Adds the counts of `from` into `into`. */
export function quantileCountsMerge(into: QuantileCounts, from: QuantileCounts): void {
  into.count += from.count;
  into.zero += from.zero;
  for (let i = 0; i < into.dense.length; i++) into.dense[i] += from.dense[i];
  quantileMerge(into.rest, from.rest);
}

/** The sketch of what was counted. */
export function quantileFromCounts(c: QuantileCounts): QuantileSketch {
  const sketch = { count: c.count, zero: c.zero, bins: {} as Record<string, number> };
  for (let i = 0; i < c.dense.length; i++) if (c.dense[i] > 0) sketch.bins[i - OFFSET] = c.dense[i];
  quantileMerge(sketch, c.rest);
  return sketch;
}

/** Adds `other`'s counts into `into`. */
export function quantileMerge(into: QuantileSketch, other: QuantileSketch): void {
  into.count += other.count;
  into.zero += other.zero;
  for (const [k, c] of Object.entries(other.bins)) into.bins[k] = (into.bins[k] ?? 0) + c;
}

/** The q-quantile (0 ≤ q ≤ 1), or null for an empty sketch. */
export function quantileAt(sketch: QuantileSketch, q: number): number | null {
  if (sketch.count === 0) return null;
  const rank = Math.floor(q * (sketch.count - 1));
  if (rank < sketch.zero) return 0;
  let seen = sketch.zero;
  const keys = Object.keys(sketch.bins).map(Number).sort((a, b) => a - b);
  for (const k of keys) {
    seen += sketch.bins[k];
    if (seen > rank) return (2 * GAMMA ** k) / (GAMMA + 1);
  }
  return (2 * GAMMA ** keys[keys.length - 1]) / (GAMMA + 1);
}

/** A copy with keys in numeric order, so equal sketches serialize to equal JSON. */
export function quantileCanonical(sketch: QuantileSketch): QuantileSketch {
  const bins: Record<string, number> = {};
  for (const k of Object.keys(sketch.bins).map(Number).sort((a, b) => a - b)) {
    bins[k] = sketch.bins[k];
  }
  return { count: sketch.count, zero: sketch.zero, bins };
}
