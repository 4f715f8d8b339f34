/**
 * Ranks and Spearman's rho, used to compare fast BMI estimators with exact BMI
 * (METHOD.md "Ours: BMI").
 */
import { LftfError } from '../errors.js';

function checkValues(values: readonly number[], where: string): void {
  values.forEach((v, i) => {
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new LftfError('bad-number', `ranks need numbers, got ${String(v)}`, `${where}[${i}]`);
    }
  });
}

/**
 * 1-based ranks, ascending (smallest gets 1); tied values share the average of the ranks they
 * span, e.g. [10, 20, 20, 30] -> [1, 2.5, 2.5, 4] (scipy.stats.rankdata's "average").
 */
export function averageRanks(values: readonly number[]): number[] {
  checkValues(values, 'values');
  return ranksBy(values, (a, b) => a - b);
}

/**
 * 1-based ranks, descending (largest gets 1, as "rank blocks by BMI, descending");
 * ties share their average rank, e.g. [0.3, 0.9, 0.3] -> [2.5, 1, 2.5].
 */
export function rankDescending(values: readonly number[]): number[] {
  checkValues(values, 'values');
  return ranksBy(values, (a, b) => b - a);
}

/** Indices ordered by value, largest first; ties keep input order (stable). */
export function orderDescending(values: readonly number[]): number[] {
  checkValues(values, 'values');
  return values.map((_, i) => i).sort((i, j) => values[j] - values[i] || i - j);
}

function ranksBy(values: readonly number[], cmp: (a: number, b: number) => number): number[] {
  const order = values.map((_, i) => i).sort((i, j) => cmp(values[i], values[j]) || i - j);
  const ranks = new Array<number>(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[start]]) end++;
    // Positions start..end (0-based) hold ranks start+1..end+1; their mean is (start+end)/2 + 1.
    const avg = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]] = avg;
    start = end + 1;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Spearman's rho: Pearson correlation of the average ranks (so ties are handled exactly, not
 * with the 1 - 6 sum d^2 / (n(n^2-1)) shortcut, which is only right without ties).
 * NaN when either side is constant (no ranking to correlate), as scipy.stats.spearmanr gives.
 */
export function spearmanRho(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) {
    throw new LftfError('length-mismatch', `spearmanRho needs equal lengths, got ${a.length} and ${b.length}`, 'b');
  }
  if (a.length < 2) {
    throw new LftfError('too-few', `spearmanRho needs at least 2 pairs, got ${a.length}`, 'a');
  }
  checkValues(a, 'a');
  checkValues(b, 'b');
  const ra = ranksBy(a, (x, y) => x - y);
  const rb = ranksBy(b, (x, y) => x - y);
  const rho = pearson(ra, rb);
  // Rounding can push |rho| a hair past 1 for perfectly monotone inputs.
  return Number.isNaN(rho) ? NaN : Math.max(-1, Math.min(1, rho));
}
