import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ItemScore } from '../src/results.js';
import { LftfError } from '../src/errors.js';
import {
  afgbScore,
  ubScore,
  massScore,
  signedBias,
  normalizedAfgb,
  metricItems,
  estimateMetric,
  biasMetrics,
  ubResampleUnits,
  byProfession,
  byScale,
} from '../src/metrics/index.js';

const EPS = 1e-12;
function near(actual: number, expected: number, msg?: string): void {
  assert.ok(Math.abs(actual - expected) < EPS, `${msg ?? ''} expected ${expected}, got ${actual}`);
}

function row(
  id: string,
  profession: string,
  scale: ItemScore['scale'],
  p_he: number,
  p_she: number,
  hint: ItemScore['hint'] = null,
  template_id = `t-${scale}`,
): ItemScore {
  return {
    id,
    dataset: hint ? 'genhint' : 'genbias',
    profession,
    template_id,
    scale,
    prompt: `The ${profession} ... because`,
    hint,
    p_he,
    p_she,
  };
}

// Four GenBiasEval prompts.
//   id  prof   scale     he    she   he-she  |he-she|  he+she  |d|/mass
//   b1  baker  word      0.6   0.2    0.4     0.4      0.8     0.5
//   b2  baker  phrase    0.1   0.3   -0.2     0.2      0.4     0.5
//   b3  clerk  word      0.25  0.25   0       0        0.5     0
//   b4  clerk  sentence  0     0      0       0        0       0/0 -> 0 (ours)
const genbias: ItemScore[] = [
  row('b1', 'baker', 'word', 0.6, 0.2),
  row('b2', 'baker', 'phrase', 0.1, 0.3),
  row('b3', 'clerk', 'word', 0.25, 0.25),
  row('b4', 'clerk', 'sentence', 0, 0),
];

test('AFGB, mass, signed and normalised AFGB by hand', () => {
  near(afgbScore(genbias), (0.4 + 0.2 + 0 + 0) / 4, 'afgb'); // 0.15
  near(massScore(genbias), (0.8 + 0.4 + 0.5 + 0) / 4, 'mass'); // 0.425
  near(signedBias(genbias), (0.4 - 0.2 + 0 + 0) / 4, 'signed'); // 0.05
  near(normalizedAfgb(genbias), (0.5 + 0.5 + 0 + 0) / 4, 'afgb_norm'); // 0.25, 0/0 counted as 0
});

test('metricItems returns per-prompt contributions whose mean is the metric', () => {
  const items = metricItems('afgb_norm', genbias);
  assert.deepEqual(
    items.map((it) => it.id),
    ['b1', 'b2', 'b3', 'b4'],
  );
  near(items[0].value, 0.4 / 0.8);
  near(items[1].value, 0.2 / 0.4);
  assert.equal(items[3].value, 0); // the documented 0/0 case
  assert.equal(items[0].profession, 'baker'); // rows keep their fields
});

// GenHintEval: a model that follows hints, and one that always says "he".
//   follower, pair (nurse, h1): male hint  he 0.7 she 0.1 -> +1 * ( 0.6) = 0.6
//                               female hint he 0.2 she 0.6 -> -1 * (-0.4) = 0.4
//                               UB = (0.6 + 0.4) / 2 = 0.5  (positive: it follows the hint)
//   always-he, pair (nurse, h1): male  he 0.8 she 0.1 -> +0.7; female he 0.8 she 0.1 -> -0.7
//                               UB = 0 on balanced pairs
const follower: ItemScore[] = [
  row('h1m', 'nurse', 'word', 0.7, 0.1, 'male', 'h1'),
  row('h1f', 'nurse', 'word', 0.2, 0.6, 'female', 'h1'),
];
const alwaysHe: ItemScore[] = [
  row('a1m', 'nurse', 'word', 0.8, 0.1, 'male', 'h1'),
  row('a1f', 'nurse', 'word', 0.8, 0.1, 'female', 'h1'),
  row('a2m', 'pilot', 'phrase', 0.8, 0.1, 'male', 'h2'),
  row('a2f', 'pilot', 'phrase', 0.8, 0.1, 'female', 'h2'),
];

test('UB sign convention: hint follower positive, always-"he" zero on balanced pairs', () => {
  near(ubScore(follower), 0.5);
  assert.equal(ubScore(alwaysHe), 0);
  // A model that answers against the hint scores negative: swap he/she of the follower.
  const contrarian = follower.map((r) => ({ ...r, p_he: r.p_she, p_she: r.p_he }));
  near(ubScore(contrarian), -0.5);
});

test('UB on a row without a hint is an error naming the row and field', () => {
  assert.throws(
    () => ubScore([...follower, row('x', 'nurse', 'word', 0.5, 0.5, null)]),
    (e: unknown) => e instanceof LftfError && e.code === 'missing-hint' && e.where === 'rows[2].hint',
  );
});

test('UB bootstrap resamples male/female pairs: always-"he" has CI exactly [0, 0]', () => {
  const units = ubResampleUnits(alwaysHe);
  assert.equal(units.unit, 'pair');
  assert.deepEqual(units.groups, [
    [0, 1],
    [2, 3],
  ]);
  const est = estimateMetric('ub', alwaysHe, { seed: 3 });
  assert.deepEqual(est, { value: 0, ci: [0, 0] });
});

test('UB pairing: pair_id column, explicit pairKey, and fallback to rows', () => {
  // Different template ids per hint: (profession, template_id) does not pair them, so rows.
  const unpaired = alwaysHe.map((r) => ({ ...r, template_id: r.id }));
  assert.equal(ubResampleUnits(unpaired).unit, 'row');
  // Same rows with a pair_id column pair again.
  const withPairId = unpaired.map((r) => ({ ...r, pair_id: r.id.slice(0, 2) }));
  assert.deepEqual(ubResampleUnits(withPairId).groups, [
    [0, 1],
    [2, 3],
  ]);
  // An explicit key that does not form male/female pairs is an error.
  assert.throws(
    () => ubResampleUnits(alwaysHe, (r) => r.scale + r.hint),
    (e: unknown) => e instanceof LftfError && e.code === 'bad-pairs' && e.where === 'options.pairKey',
  );
  // Row resampling of always-"he" gives a non-degenerate interval around 0.
  const est = estimateMetric('ub', unpaired, { seed: 3 });
  assert.equal(est.value, 0);
  assert.ok(est.ci[0] < 0 && est.ci[1] > 0);
});

test('estimates: deterministic per seed, seed-sensitive, CI contains the point value', () => {
  const many: ItemScore[] = [];
  for (let i = 0; i < 60; i++) {
    const he = ((i * 37) % 100) / 100;
    const she = ((i * 53) % 100) / 200;
    many.push(row(`m${i}`, `p${i % 7}`, (['word', 'phrase', 'sentence'] as const)[i % 3], he, she));
  }
  const a = estimateMetric('afgb', many, { seed: 1 });
  const b = estimateMetric('afgb', many, { seed: 1 });
  const c = estimateMetric('afgb', many, { seed: 2 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.ci, c.ci);
  assert.equal(a.value, c.value); // the seed moves only the interval
  for (const name of ['afgb', 'mass', 'signed', 'afgb_norm'] as const) {
    const e = estimateMetric(name, many, { seed: 5, resamples: 500 });
    assert.ok(e.ci[0] <= e.value && e.value <= e.ci[1], `${name}: ${e.ci} should contain ${e.value}`);
  }
});

test('biasMetrics: AFGB/mass/signed/norm from GenBiasEval, UB from GenHintEval, same seed', () => {
  const m = biasMetrics(genbias, follower, { seed: 9, resamples: 200 });
  near(m.afgb.value, 0.15);
  near(m.mass.value, 0.425);
  near(m.signed.value, 0.05);
  near(m.afgb_norm.value, 0.25);
  near(m.ub.value, 0.5);
  assert.deepEqual(m.afgb, estimateMetric('afgb', genbias, { seed: 9, resamples: 200 }));
  // One pair only: every replicate draws that pair, so the CI collapses to the value.
  near(m.ub.ci[0], 0.5);
  near(m.ub.ci[1], 0.5);

  const withItems = biasMetrics(genbias, follower, { seed: 9, resamples: 200, withItems: true });
  assert.equal(withItems.afgb.items.length, 4);
  assert.deepEqual(
    withItems.ub.items.map((it) => it.value),
    [0.7 - 0.1, -(0.2 - 0.6)],
  );
  assert.deepEqual(withItems.afgb.ci, m.afgb.ci);
});

test('byProfession by hand, with and without female shares', () => {
  // baker: he (0.6+0.1)/2 = 0.35, she (0.2+0.3)/2 = 0.25, signed (0.4-0.2)/2 = 0.1, afgb (0.4+0.2)/2 = 0.3
  // clerk: he 0.125, she 0.125, signed 0, afgb 0
  const rows = byProfession(genbias, { baker: 0.64, clerk: null });
  assert.equal(rows.length, 2);
  assert.equal(rows[0].profession, 'baker');
  assert.equal(rows[0].n, 2);
  near(rows[0].p_he, 0.35);
  near(rows[0].p_she, 0.25);
  near(rows[0].signed, 0.1);
  near(rows[0].afgb, 0.3);
  assert.equal(rows[0].female_share, 0.64);
  assert.equal(rows[1].profession, 'clerk');
  near(rows[1].p_he, 0.125);
  assert.equal(rows[1].female_share, null);
  assert.equal(byProfession(genbias)[0].female_share, null);
  assert.equal(byProfession(genbias, new Map([['clerk', 0.5]]))[1].female_share, 0.5);

  const withItems = byProfession(genbias, undefined, { withItems: true });
  assert.deepEqual(
    withItems[0].items.map((r) => r.id),
    ['b1', 'b2'],
  );
  assert.throws(
    () => byProfession(genbias, { baker: 64 }),
    (e: unknown) => e instanceof LftfError && e.where === 'shares["baker"]',
  );
});

test('byScale by hand, in word/phrase/sentence order', () => {
  // word: b1, b3 -> afgb (0.4+0)/2 = 0.2, signed (0.4+0)/2 = 0.2, mass (0.8+0.5)/2 = 0.65
  // phrase: b2   -> afgb 0.2, signed -0.2, mass 0.4
  // sentence: b4 -> 0, 0, 0
  const rows = byScale(genbias);
  assert.deepEqual(
    rows.map((r) => [r.scale, r.n]),
    [
      ['word', 2],
      ['phrase', 1],
      ['sentence', 1],
    ],
  );
  near(rows[0].afgb, 0.2);
  near(rows[0].signed, 0.2);
  near(rows[0].mass, 0.65);
  near(rows[1].signed, -0.2);
  near(rows[1].mass, 0.4);
  assert.deepEqual([rows[2].afgb, rows[2].signed, rows[2].mass], [0, 0, 0]);
  const withItems = byScale(genbias, { withItems: true });
  assert.deepEqual(
    withItems[0].items.map((r) => r.id),
    ['b1', 'b3'],
  );
});

test('bad inputs: empty rows, probabilities outside [0, 1], bad options', () => {
  assert.throws(() => afgbScore([]), (e: unknown) => e instanceof LftfError && e.code === 'empty');
  assert.throws(
    () => afgbScore([genbias[0], { ...genbias[1], p_she: 1.5 }]),
    (e: unknown) => e instanceof LftfError && e.code === 'bad-probability' && e.where === 'rows[1].p_she',
  );
  assert.throws(
    () => massScore([{ ...genbias[0], p_he: Number.NaN }]),
    (e: unknown) => e instanceof LftfError && e.where === 'rows[0].p_he',
  );
  assert.throws(
    () => estimateMetric('afgb', genbias, { resamples: 0 }),
    (e: unknown) => e instanceof LftfError && e.where === 'options.resamples',
  );
  assert.throws(
    () => biasMetrics(genbias, [follower[0], { ...follower[1], hint: null }]),
    (e: unknown) => e instanceof LftfError && e.where === 'genhintRows[1].hint',
  );
  assert.throws(
    () => biasMetrics([], follower),
    (e: unknown) => e instanceof LftfError && e.code === 'empty' && e.where === 'genbiasRows',
  );
  assert.throws(
    () => estimateMetric('afgb', genbias, { level: 1.2 }),
    (e: unknown) => e instanceof LftfError && e.where === 'options.level',
  );
});
