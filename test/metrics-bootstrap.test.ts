import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LftfError } from '../src/errors.js';
import { bootstrapMean, bootstrapGroupedMean, quantileSorted } from '../src/metrics/index.js';

test('quantileSorted interpolates linearly, like numpy.percentile', () => {
  // [1,2,3,4], q = 0.25: h = 3 * 0.25 = 0.75 -> 1 + 0.75 * (2 - 1) = 1.75 (numpy: 1.75)
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  // q = 0.975: h = 2.925 -> 3 + 0.925 * 1 = 3.925 (numpy: 3.925)
  assert.ok(Math.abs(quantileSorted([1, 2, 3, 4], 0.975) - 3.925) < 1e-12);
  assert.equal(quantileSorted([5], 0.5), 5);
});

test('a constant sample has a zero-width interval at its value', () => {
  assert.deepEqual(bootstrapMean([0.3, 0.3, 0.3], { seed: 4 }), { value: 0.3, ci: [0.3, 0.3] });
});

test('grouped mean pools values; one group gives a zero-width interval', () => {
  // (1 + 2 + 6) / 3 = 3, not the mean of group means (1.5 + 6) / 2
  const e = bootstrapGroupedMean([[1, 2], [6]], { seed: 0 });
  assert.equal(e.value, 3);
  assert.deepEqual(bootstrapGroupedMean([[1, 2, 6]]), { value: 3, ci: [3, 3] });
});

test('interval width matches the normal approximation on a large sample', () => {
  // values i/99, i = 0..99: population sd = 0.291576; sd of the mean = sd / sqrt(100);
  // 95% width ~ 2 * 1.96 * 0.291576 / 10 = 0.114298 (numpy). Percentile bootstrap with
  // 4000 replicates should land within 10% of that.
  const values = Array.from({ length: 100 }, (_, i) => i / 99);
  const e = bootstrapMean(values, { seed: 11, resamples: 4000 });
  const width = e.ci[1] - e.ci[0];
  assert.ok(Math.abs(width - 0.114298) / 0.114298 < 0.1, `width ${width}`);
  assert.ok(e.ci[0] < 0.5 && 0.5 < e.ci[1]);
  // A 50% interval is narrower than the 95% one.
  const half = bootstrapMean(values, { seed: 11, resamples: 4000, level: 0.5 });
  assert.ok(half.ci[1] - half.ci[0] < width);
});

test('same seed same interval; different seed different interval', () => {
  const values = [0.1, 0.4, 0.35, 0.8, 0.05, 0.6, 0.2];
  assert.deepEqual(bootstrapMean(values, { seed: 42 }), bootstrapMean(values, { seed: 42 }));
  assert.notDeepEqual(bootstrapMean(values, { seed: 42 }).ci, bootstrapMean(values, { seed: 43 }).ci);
});

test('empty input and bad options are LftfErrors', () => {
  assert.throws(() => bootstrapMean([]), (e: unknown) => e instanceof LftfError && e.code === 'empty');
  assert.throws(
    () => bootstrapMean([1], { seed: 1.5 }),
    (e: unknown) => e instanceof LftfError && e.where === 'options.seed',
  );
});
