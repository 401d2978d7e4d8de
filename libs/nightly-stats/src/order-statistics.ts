/**
 * An order-statistics multiset over a value universe known in advance (the distinct values,
 * sorted): adding a value and finding the k-th smallest take O(log U) for U distinct values,
 * which makes exact quantiles of a growing multiset (all visits through each night) cost
 * O(N log N) overall instead of the O(N · nights) of re-sorting or merging after every night.
 *
 * The universe is cut into buckets of 64 consecutive distinct values. A Fenwick (binary
 * indexed) tree counts the values per bucket, and a flat array per distinct value. With 2
 * million distinct values a tree over every value would take a cache miss at most of its ~21
 * levels; the bucket tree is 64 times smaller and stays in cache, so an insertion or a search
 * touches main memory about twice.
 */
export class OrderStatistics {
  private static readonly SHIFT = 6;
  private readonly counts: Int32Array;
  /** The first distinct value of each bucket, to find a value's bucket by binary search in cache. */
  private readonly bucketFirst: Float64Array;
  private readonly tree: Int32Array;
  private readonly topStep: number;
  private total = 0;

  /** `distinct` must be sorted ascending without duplicates (and without NaN). */
  constructor(private readonly distinct: Float64Array) {
    const buckets = (distinct.length + (1 << OrderStatistics.SHIFT) - 1) >> OrderStatistics.SHIFT;
    this.counts = new Int32Array(distinct.length);
    this.bucketFirst = new Float64Array(buckets);
    for (let b = 0; b < buckets; b++) this.bucketFirst[b] = distinct[b << OrderStatistics.SHIFT];
    this.tree = new Int32Array(buckets + 1);
    let step = 1;
    while (step * 2 <= buckets) step *= 2;
    this.topStep = step;
  }

  /** The number of values added so far. */
  get size(): number {
    return this.total;
  }

  /** Adds `count` copies of `distinct[index]`. */
  addAt(index: number, count: number): void {
    this.counts[index] += count;
    for (let i = (index >> OrderStatistics.SHIFT) + 1; i < this.tree.length; i += i & -i) this.tree[i] += count;
    this.total += count;
  }

  /** The k-th smallest value added (k from 0): a descent of the bucket tree, then a scan of one bucket. */
  select(k: number): number {
    if (k < 0 || k >= this.total) throw new RangeError(`order statistic ${k} of ${this.total} values`);
    let bucket = 0;
    let remaining = k + 1;
    for (let step = this.topStep; step > 0; step >>= 1) {
      const next = bucket + step;
      if (next < this.tree.length && this.tree[next] < remaining) {
        bucket = next;
        remaining -= this.tree[next];
      }
    }
    let index = bucket << OrderStatistics.SHIFT;
    while (remaining > this.counts[index]) remaining -= this.counts[index++];
    return this.distinct[index];
  }
}

/**
 * The distinct values of a NaN-free array, sorted ascending, and the rank (index among them)
 * of every element, by an LSD radix sort of the values' bit patterns (4 passes of 16 bits).
 * Looking ranks up by binary search instead costs ~20 dependent cache misses per value (over a
 * second for 2 million values); the radix passes stream through memory.
 */
export function rankDistinct(values: Float64Array): { distinct: Float64Array; rankOf: Int32Array } {
  const n = values.length;
  // Sortable keys: IEEE 754 bits with the sign bit flipped for positives and all bits for negatives.
  const bits = new Uint32Array(new Float64Array(values.map((v) => v + 0)).buffer); // v + 0 turns -0 into +0: equal values, one rank
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let payload = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const h = bits[2 * i + 1];
    const l = bits[2 * i];
    const negative = h >>> 31 === 1;
    hi[i] = negative ? ~h >>> 0 : (h | 0x80000000) >>> 0;
    lo[i] = negative ? ~l >>> 0 : l;
    payload[i] = i;
  }
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  let payload2 = new Int32Array(n);
  const counts = new Int32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(word[i] >>> shift) & 0xffff]++;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = counts[(word[i] >>> shift) & 0xffff]++;
      hi2[at] = hi[i];
      lo2[at] = lo[i];
      payload2[at] = payload[i];
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    [payload, payload2] = [payload2, payload];
  }
  const rankOf = new Int32Array(n);
  const distinct = new Float64Array(n);
  let rank = -1;
  for (let i = 0; i < n; i++) {
    if (i === 0 || hi[i] !== hi[i - 1] || lo[i] !== lo[i - 1]) distinct[++rank] = values[payload[i]] + 0;
    rankOf[payload[i]] = rank;
  }
  return { distinct: distinct.slice(0, rank + 1), rankOf };
}
