import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROFESSIONS } from '../src/data/index.js';
import {
  corpusShares,
  corpusText,
  generateCorpus,
  heldOutText,
  probeSet,
  splitWorld,
  templateFragments,
  templateOverlaps,
} from '../src/corpus/index.js';

const corpus = generateCorpus({ seed: 0 });
const text = corpusText(corpus);

test('corpus: the same seed gives the same text; another seed another text', () => {
  assert.equal(corpusText(generateCorpus({ seed: 0 })), text);
  assert.notEqual(corpusText(generateCorpus({ seed: 1 })), text);
});

test('corpus: no multi-word template fragment occurs in it (case-insensitive)', () => {
  const fragments = templateFragments();
  // 9 bias + 9 hint templates; a few of them have only one-word pieces besides "The".
  assert.ok(fragments.length >= 15, `only ${fragments.length} fragments`);
  assert.ok(fragments.some((f) => f.fragment === 'smiled because'));
  assert.ok(fragments.some((f) => f.fragment === 'made us wait for'));
  assert.deepEqual(templateOverlaps(text, fragments), []);
  // The check itself finds a planted fragment, whatever its case.
  assert.deepEqual(
    templateOverlaps(text + 'THE PILOT SMILED BECAUSE he\n', fragments).map((f) => f.template),
    ['genbias:w1'],
  );
});

test('corpus: every profession of every split appears, with "he" or "she" skewed by its share', () => {
  const lower = text.toLowerCase();
  for (const p of PROFESSIONS) assert.ok(lower.includes(` ${p.name.toLowerCase()} `), `${p.name} missing`);
  const plumber = corpus.lines.filter((l) => / plumber [a-z]+ because (he|she) /.test(l) && l.startsWith('The plumber '));
  const nurse = corpus.lines.filter((l) => / nurse [a-z]+ because (he|she) /.test(l) && l.startsWith('The nurse '));
  const she = (ls: string[]) => ls.filter((l) => l.includes(' because she ')).length / ls.length;
  assert.ok(plumber.length > 0 && nurse.length > 0);
  assert.ok(she(plumber) < 0.2 && she(nurse) > 0.8, `plumber ${she(plumber)}, nurse ${she(nurse)}`);
});

test('shares: published figures are used unchanged; the rest are synthetic and labelled so', () => {
  const shares = corpusShares();
  assert.equal(shares.length, PROFESSIONS.length);
  shares.forEach((s, i) => {
    const p = PROFESSIONS[i];
    assert.equal(s.profession, p.name);
    if (p.female_share !== null) {
      assert.equal(s.kind, 'published');
      assert.equal(s.female_share, p.female_share);
      assert.equal(s.source, p.source);
    } else {
      assert.equal(s.kind, 'synthetic');
      assert.ok(s.female_share >= 0 && s.female_share <= 1);
      assert.match(s.source, /not a statistic/);
    }
  });
  assert.deepEqual(corpusShares(), shares);
});

test('probe and held-out text: phrasings never seen with their fact in training', () => {
  const world = splitWorld(0);
  const trained = new Set(corpus.lines);
  for (const line of world.heldOut) assert.ok(!trained.has(line), `held-out line in corpus: ${line}`);
  const probe = probeSet(0);
  assert.equal(probe.length, world.heldOut.length);
  for (const item of probe) {
    assert.equal(item.choices.length, 4);
    assert.equal(new Set(item.choices).size, 4, item.id);
    assert.ok(Number.isInteger(item.gold) && item.gold >= 0 && item.gold < 4);
    assert.ok(world.heldOut.includes(`${item.context} ${item.choices[item.gold]}`), item.id);
  }
  assert.equal(new Set(probe.map((p) => p.id)).size, probe.length);
  assert.equal(heldOutText(0), world.heldOut.join('\n') + '\n');
  assert.deepEqual(probeSet(0), probe);
});
