/**
 * Seeded percentile bootstrap for means (ours: METHOD.md "Ours: scoring").
 *
 * The unit of resampling is a group of values: each replicate draws as many groups as there are,
 * with replacement, and takes the mean over every value in the drawn groups. Plain row resampling
 * is the special case of one value per group. Groups let UB resample a male/female hint pair
 * together, so the pair's built-in balance survives in every replicate.
 */
import { LftfError } from '../errors.js';
import type { Estimate } from '../results.js';
import { makeRng, randInt } from '../util/random.js';

export interface BootstrapOptions {
  /** Number of bootstrap replicates; default 1000. */
  resamples?: number;
  /** RNG seed (mulberry32 from util/random); default 0. Same seed, same interval. */
  seed?: number;
  /** Coverage of the interval; default 0.95, i.e. the 2.5th and 97.5th percentiles. */
  level?: number;
}

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 0;
export const DEFAULT_LEVEL = 0.95;

interface ResolvedBootstrap {
  resamples: number;
  seed: number;
  level: number;
}

/** Checks bootstrap options once, at the edge; `where` names the caller for error messages. */
export function resolveBootstrapOptions(opts: BootstrapOptions = {}, where = 'options'): ResolvedBootstrap {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const seed = opts.seed ?? DEFAULT_SEED;
  const level = opts.level ?? DEFAULT_LEVEL;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new LftfError('bad-option', `resamples must be a positive integer, got ${resamples}`, `${where}.resamples`);
  }
  if (!Number.isInteger(seed)) {
    throw new LftfError('bad-option', `seed must be an integer, got ${seed}`, `${where}.seed`);
  }
  if (!(level > 0 && level < 1)) {
    throw new LftfError('bad-option', `level must lie strictly between 0 and 1, got ${level}`, `${where}.level`);
  }
  return { resamples, seed, level };
}

/**
 * Quantile of an ascending-sorted array with linear interpolation between order statistics
 * (numpy's default method, "linear" / Hyndman-Fan type 7): h = (n-1)q.
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) throw new LftfError('empty', 'quantile of an empty sample', 'quantileSorted');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Mean over every value in every group (not the mean of group means). */
function pooledMean(groups: readonly (readonly number[])[]): number {
  let sum = 0;
  let count = 0;
  for (const g of groups) {
    for (const v of g) sum += v;
    count += g.length;
  }
  return sum / count;
}

/**
 * Point estimate = pooled mean of all values; CI = percentile interval of the pooled mean over
 * `resamples` replicates, each drawing groups.length groups with replacement.
 */
export function bootstrapGroupedMean(
  groups: readonly (readonly number[])[],
  opts: BootstrapOptions = {},
): Estimate {
  const { resamples, seed, level } = resolveBootstrapOptions(opts);
  if (groups.length === 0 || groups.every((g) => g.length === 0)) {
    throw new LftfError('empty', 'cannot estimate a mean from zero values', 'bootstrap');
  }
  const value = pooledMean(groups);
  const rng = makeRng(seed);
  const stats = new Float64Array(resamples);
  const k = groups.length;
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < k; i++) {
      const g = groups[randInt(rng, k)];
      for (const v of g) sum += v;
      count += g.length;
    }
    // A replicate that drew only empty groups has no mean; fall back to the point estimate.
    stats[r] = count === 0 ? value : sum / count;
  }
  const sorted = Array.from(stats).sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { value, ci: [quantileSorted(sorted, tail), quantileSorted(sorted, 1 - tail)] };
}

/** Row bootstrap: every value is its own resampling unit. */
export function bootstrapMean(values: readonly number[], opts: BootstrapOptions = {}): Estimate {
  return bootstrapGroupedMean(
    values.map((v) => [v]),
    opts,
  );
}
