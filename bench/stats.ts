// Numbers the load generator keeps: a monotonic microsecond clock shared by all its threads,
// and a latency histogram that is cheap to record into, merge across threads and query.

/** Microseconds on the monotonic clock (CLOCK_MONOTONIC): the same in every thread of a process. */
export function nowUs(): number {
  const t = process.hrtime();
  return t[0] * 1e6 + Math.floor(t[1] / 1e3);
}

// Log-linear buckets (HdrHistogram's idea): exact below 128 µs, then 128 buckets per power of
// two, so every value is kept within 1% and the whole range up to ~35 min fits 3,200 counters.
const SUB = 128;
const SUB_BITS = 7;
export const HISTOGRAM_BUCKETS = 25 * SUB;

function bucketOf(us: number): number {
  if (us < SUB) return us < 0 ? 0 : us;
  const msb = 31 - Math.clz32(us);
  const shift = msb - SUB_BITS;
  const idx = (shift + 1) * SUB + ((us >>> shift) - SUB);
  return idx < HISTOGRAM_BUCKETS ? idx : HISTOGRAM_BUCKETS - 1;
}

/** The middle of a bucket's range, in µs. */
export function bucketValue(idx: number): number {
  if (idx < SUB) return idx;
  const shift = Math.floor(idx / SUB) - 1;
  const low = (SUB + (idx % SUB)) * 2 ** shift;
  return low + (2 ** shift - 1) / 2;
}

/** Plain data so it crosses threads by structured clone (counts as a Float64Array). */
export interface HistogramData {
  counts: Float64Array;
  total: number;
  max: number;
  sum: number;
}

export class Histogram implements HistogramData {
  counts = new Float64Array(HISTOGRAM_BUCKETS);
  total = 0;
  max = 0;
  sum = 0;

  record(us: number): void {
    const v = us > 0x7fffffff ? 0x7fffffff : Math.floor(us);
    this.counts[bucketOf(v)]!++;
    this.total++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  /** Adds another histogram (possibly from another thread) into this one. */
  merge(other: HistogramData): this {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
    return this;
  }

  /** The value at quantile q (0..1), in µs; the exact max for q = 1. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    if (q >= 1) return this.max;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(bucketValue(i), this.max);
    }
    return this.max;
  }

  mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** (value µs, fraction ≤ value) for every non-empty bucket: the points of a CDF. */
  cdf(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      const c = this.counts[i]!;
      if (c === 0) continue;
      seen += c;
      out.push([Math.min(bucketValue(i), this.max), seen / this.total]);
    }
    return out;
  }

  static from(data: HistogramData): Histogram {
    return new Histogram().merge(data);
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(h: Histogram): LatencySummary {
  return { count: h.total, p50: h.quantile(0.5), p90: h.quantile(0.9), p99: h.quantile(0.99), max: h.max, mean: h.mean() };
}
