import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LftfError } from '../src/errors.js';
import { averageRanks, rankDescending, orderDescending, spearmanRho } from '../src/metrics/index.js';

test('average ranks for ties', () => {
  assert.deepEqual(averageRanks([10, 20, 20, 30]), [1, 2.5, 2.5, 4]);
  // 1s take ranks 1,2 -> 1.5; 2 -> 3; 4s take 4,5 -> 4.5
  assert.deepEqual(averageRanks([4, 4, 1, 1, 2]), [4.5, 4.5, 1.5, 1.5, 3]);
  assert.deepEqual(averageRanks([7, 7, 7]), [2, 2, 2]);
});

test('rankDescending and orderDescending', () => {
  assert.deepEqual(rankDescending([0.3, 0.9, 0.3]), [2.5, 1, 2.5]);
  assert.deepEqual(rankDescending([-1, 5, 2]), [3, 1, 2]);
  // ties keep input order
  assert.deepEqual(orderDescending([0.3, 0.9, 0.3, 1.0]), [3, 1, 0, 2]);
});

test('spearman with ties on one side, by hand', () => {
  // a = [1,2,2,3,5] -> ranks [1,2.5,2.5,4,5]; b = [2,1,4,3,5] -> ranks [2,1,4,3,5]; means 3, 3
  // deviations a: [-2,-0.5,-0.5,1,2], b: [-1,-2,1,0,2]
  // sxy = 2 + 1 - 0.5 + 0 + 4 = 6.5; sxx = 4 + .25 + .25 + 1 + 4 = 9.5; syy = 1 + 4 + 1 + 0 + 4 = 10
  // rho = 6.5 / sqrt(95) = 0.6668859288553503 (numpy corrcoef of the ranks: 0.66688592885535)
  const rho = spearmanRho([1, 2, 2, 3, 5], [2, 1, 4, 3, 5]);
  assert.ok(Math.abs(rho - 6.5 / Math.sqrt(95)) < 1e-12);
  assert.ok(Math.abs(rho - 0.66688592885535) < 1e-12);
});

test('spearman with ties on both sides, by hand', () => {
  // a = [4,4,1,1,2] -> [4.5,4.5,1.5,1.5,3]; b = [3,3,3,1,2] -> [4,4,4,1,2]; means 3, 3
  // dev a: [1.5,1.5,-1.5,-1.5,0]; dev b: [1,1,1,-2,-1]
  // sxy = 1.5 + 1.5 - 1.5 + 3 + 0 = 4.5; sxx = 4 * 2.25 = 9; syy = 1+1+1+4+1 = 8
  // rho = 4.5 / sqrt(72) = 0.5303300858899107 (numpy: 0.5303300858899106)
  const rho = spearmanRho([4, 4, 1, 1, 2], [3, 3, 3, 1, 2]);
  assert.ok(Math.abs(rho - 4.5 / Math.sqrt(72)) < 1e-12);
  // The no-ties shortcut 1 - 6 sum d^2 / (n(n^2-1)), d = [0.5,0.5,-2.5,0.5,1], sum d^2 = 8,
  // would give 1 - 48/120 = 0.6: wrong with ties, so not used.
  assert.ok(Math.abs(rho - 0.6) > 0.05);
});

test('spearman is rank-only: monotone maps give +-1; constant gives NaN', () => {
  const x = [0.1, 0.5, 0.2, 0.9, 0.3];
  assert.equal(spearmanRho(x, x.map((v) => Math.exp(10 * v))), 1);
  assert.equal(spearmanRho(x, x.map((v) => -v * v)), -1);
  assert.ok(Number.isNaN(spearmanRho(x, [1, 1, 1, 1, 1])));
});

test('spearman bad inputs', () => {
  assert.throws(() => spearmanRho([1, 2], [1, 2, 3]), (e: unknown) => e instanceof LftfError && e.code === 'length-mismatch');
  assert.throws(() => spearmanRho([1], [1]), (e: unknown) => e instanceof LftfError && e.code === 'too-few');
  assert.throws(() => spearmanRho([1, Number.NaN], [1, 2]), (e: unknown) => e instanceof LftfError && e.where === 'a[1]');
});
