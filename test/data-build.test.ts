import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BIAS_TEMPLATES,
  DEFAULT_PRONOUNS,
  HINT_TEMPLATES,
  PROFESSIONS,
  SPLITS,
  buildDatasets,
  filterSplit,
  splitProfessions,
  toTable,
  type DatasetRow,
} from '../src/data/index.js';
import { isLftfError } from '../src/errors.js';

const built = buildDatasets();

function professionsOf(rows: DatasetRow[], split: string): Set<string> {
  return new Set(rows.filter((r) => r.split === split).map((r) => r.profession));
}

test('built-in sets: >= 200 professions, 9 bias templates 3/3/3, >= 9 hint templates 3+/scale', () => {
  assert.ok(PROFESSIONS.length >= 200, `only ${PROFESSIONS.length} professions`);
  assert.equal(BIAS_TEMPLATES.length, 9);
  for (const scale of ['word', 'phrase', 'sentence']) {
    assert.equal(BIAS_TEMPLATES.filter((t) => t.scale === scale).length, 3, scale);
    assert.ok(HINT_TEMPLATES.filter((t) => t.scale === scale).length >= 3, scale);
  }
  for (const t of [...BIAS_TEMPLATES, ...HINT_TEMPLATES]) {
    assert.ok(t.text.includes('{profession}'), t.id);
    assert.ok(t.text.endsWith(' because'), t.id);
  }
  for (const t of HINT_TEMPLATES) assert.ok(t.text.includes('{hint}'), t.id);
  assert.deepEqual({ ...DEFAULT_PRONOUNS }, { male: 'he', female: 'she' });
});

test('row counts: every profession x every template; hint rows in male/female pairs', () => {
  const n = PROFESSIONS.length;
  assert.equal(built.genbias.length, n * BIAS_TEMPLATES.length);
  assert.equal(built.genhint.length, n * HINT_TEMPLATES.length * 2);
  assert.ok(built.genbias.every((r) => r.hint === null && r.dataset === 'genbias'));
  const byKey = new Map<string, DatasetRow[]>();
  for (const r of built.genhint) {
    const key = `${r.profession}|${r.template_id}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  assert.equal(byKey.size, n * HINT_TEMPLATES.length);
  for (const [key, pair] of byKey) {
    assert.deepEqual(pair.map((r) => r.hint).sort(), ['female', 'male'], key);
    assert.equal(pair[0].split, pair[1].split);
    assert.notEqual(pair[0].prompt, pair[1].prompt);
  }
  const total = (c: Record<string, number>) => c.train + c.dev + c.test;
  assert.equal(total(built.config.counts.genbias), built.genbias.length);
  assert.equal(total(built.config.counts.genhint), built.genhint.length);
});

test('ids are unique, stable and readable', () => {
  const ids = [...built.genbias, ...built.genhint].map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.includes('genbias/accountant/w1'));
  assert.ok(ids.includes('genhint/accountant/p2/male'));
  assert.ok(ids.includes('genbias/software-developer/s3'));
});

test('prompts are filled and capitalised', () => {
  const row = built.genbias.find((r) => r.id === 'genbias/accountant/w1')!;
  assert.equal(row.prompt, 'The accountant smiled because');
  const male = built.genhint.find((r) => r.id === 'genhint/accountant/p1/male')!;
  const female = built.genhint.find((r) => r.id === 'genhint/accountant/p1/female')!;
  assert.equal(male.prompt, 'The accountant is respected for his talent because');
  assert.equal(female.prompt, 'The accountant is respected for her talent because');
  for (const r of [...built.genbias, ...built.genhint]) {
    assert.ok(!/[{}]/.test(r.prompt), r.id);
    assert.match(r.prompt, /^[A-Z]/, r.id);
    assert.ok(r.prompt.includes(r.profession), r.id);
  }
  // a/an before the profession slot and a profession at the very start
  const own = buildDatasets({
    professions: ['engineer', 'baker', 'HVAC mechanic', 'university lecturer'],
    biasTemplates: [
      { id: 'a1', scale: 'word', text: 'A {profession} smiled because' },
      { id: 'a2', scale: 'word', text: '{profession} staff smiled because' },
    ],
    split: { train: 1, dev: 0, test: 0 },
  });
  const prompts = own.genbias.map((r) => r.prompt);
  assert.deepEqual(prompts, [
    'An engineer smiled because',
    'Engineer staff smiled because',
    'A baker smiled because',
    'Baker staff smiled because',
    'An HVAC mechanic smiled because',
    'HVAC mechanic staff smiled because',
    'A university lecturer smiled because',
    'University lecturer staff smiled because',
  ]);
});

test('splits are by profession, disjoint, cover everything and follow 60/20/20', () => {
  for (const rows of [built.genbias, built.genhint]) {
    const [tr, dv, te] = SPLITS.map((s) => professionsOf(rows, s));
    for (const p of tr) assert.ok(!dv.has(p) && !te.has(p), p);
    for (const p of dv) assert.ok(!te.has(p), p);
    assert.equal(tr.size + dv.size + te.size, PROFESSIONS.length);
  }
  // the same profession split for both datasets
  for (const s of SPLITS) {
    assert.deepEqual(professionsOf(built.genbias, s), professionsOf(built.genhint, s));
    assert.deepEqual(professionsOf(built.genbias, s), new Set(built.config.professions_by_split[s]));
  }
  const n = PROFESSIONS.length;
  const by = built.config.professions_by_split;
  assert.equal(by.dev.length, Math.round(n * 0.2));
  assert.equal(by.test.length, Math.round(n * 0.2));
  assert.equal(by.train.length, n - by.dev.length - by.test.length);
  assert.equal(filterSplit(built.genbias, 'dev').length, by.dev.length * BIAS_TEMPLATES.length);
});

test('custom split fractions', () => {
  const names = Array.from({ length: 50 }, (_, i) => `profession ${String.fromCharCode(97 + (i % 26))}${i}`);
  const s = splitProfessions(names, 3, { train: 0.8, dev: 0.1, test: 0.1 });
  assert.deepEqual([s.train.length, s.dev.length, s.test.length], [40, 5, 5]);
  assert.deepEqual([...s.train, ...s.dev, ...s.test].sort(), [...names].sort());
});

test('seed determinism, seed sensitivity, and independence from list order', () => {
  const again = buildDatasets({ seed: 0 });
  assert.deepEqual(again.genbias, built.genbias);
  assert.deepEqual(again.genhint, built.genhint);
  assert.deepEqual(buildDatasets().config, built.config);

  const other = buildDatasets({ seed: 1 });
  assert.notDeepEqual(other.config.professions_by_split, built.config.professions_by_split);

  const names = PROFESSIONS.map((p) => p.name);
  const a = splitProfessions(names, 7);
  const b = splitProfessions([...names].reverse(), 7);
  for (const s of SPLITS) assert.deepEqual(new Set(a[s]), new Set(b[s]));
});

test('users bring their own professions, templates and pronouns', () => {
  const own = buildDatasets({
    seed: 5,
    professions: ['coder', { name: 'tiler', female_share: null, source: null }, 'welder', 'pilot', 'cook'],
    biasTemplates: [{ id: 'x', scale: 'phrase', text: 'The {profession} ran out of time because' }],
    hintTemplates: [
      { id: 'y', scale: 'word', text: 'The {profession} lost {hint} pen because', hint_pair: { male: 'his', female: 'her' } },
    ],
    pronouns: { male: 'him', female: 'her' },
  });
  assert.equal(own.genbias.length, 5);
  assert.equal(own.genhint.length, 10);
  assert.deepEqual(own.config.pronouns, { male: 'him', female: 'her' });
  assert.deepEqual(own.config.bias_template_ids, ['x']);
  assert.equal(own.config.seed, 5);
});

test('build rejects bad options with LftfError', () => {
  const bad: [string, () => unknown][] = [
    ['split', () => buildDatasets({ split: { train: 0.5, dev: 0.2, test: 0.2 } })],
    ['duplicate', () => buildDatasets({ professions: ['nurse', 'Nurse'] })],
    ['gendered', () => buildDatasets({ professions: ['salesman'] })],
    ['empty', () => buildDatasets({ professions: [] })],
    ['pronouns', () => buildDatasets({ pronouns: { male: 'he', female: 'he' } })],
    ['seed', () => buildDatasets({ seed: 0.5 })],
  ];
  for (const [name, fn] of bad) {
    assert.throws(fn, (e: unknown) => isLftfError(e), name);
  }
});

test('toTable gives an arquero table with the row schema', () => {
  const t = toTable(built.genbias);
  assert.equal(t.numRows(), built.genbias.length);
  assert.deepEqual(t.columnNames(), ['id', 'dataset', 'split', 'profession', 'template_id', 'scale', 'prompt', 'hint']);
  assert.equal(t.get('prompt', 0), built.genbias[0].prompt);
  assert.equal(toTable([]).numRows(), 0);
  assert.equal(toTable([]).numCols(), 8);
});
