import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusText, generateCorpus, tokenizerJson, trainBpe, END_OF_TEXT } from '../src/corpus/index.js';
import { TextTokenizer } from '../src/engine/tokenizer.js';
import { makeRng, shuffled } from '../src/util/random.js';
import { DEFAULT_BIAS_LAB_OPTIONS } from '../src/train/bias-lab.js';
import { pythonJson, referencePython, REPO } from './helpers/python.js';

const MODEL_DIR = join(REPO, 'models', 'bias-lab');
const shippedJson = JSON.parse(readFileSync(join(MODEL_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
const shippedCfg = JSON.parse(readFileSync(join(MODEL_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
const shipped = TextTokenizer.fromJSON(shippedJson, shippedCfg);
const corpus = generateCorpus({ seed: DEFAULT_BIAS_LAB_OPTIONS.seed });

const ODD_STRINGS = [
  '', ' ', '  ', '\n', 'a\n\nb', '\tTabs\tand  two  spaces ', '   leading', 'trailing   ',
  "don't we'll it's they're I've", 'HVAC mechanic', '12345 and 3.14 and 1,000',
  'café naïve Straße', '“quotes” — dash…', '😀 emoji 👩‍⚕️', '中文 日本語 한국어',
  `${END_OF_TEXT}`, `before${END_OF_TEXT}after`, 'The plumber smiled because',
  'THE NURSE SHOUTED!!! because?', 'x'.repeat(200),
];

test('tokenizer: retraining on the seed-0 corpus reproduces the shipped tokenizer.json', () => {
  const bpe = trainBpe(corpus.lines, { vocabSize: DEFAULT_BIAS_LAB_OPTIONS.vocabSize });
  assert.deepEqual(JSON.parse(JSON.stringify(tokenizerJson(bpe))), shippedJson);
});

test('tokenizer: " he" and " she" are single tokens; decode inverts encode', () => {
  assert.equal(shipped.encode(' he').length, 1);
  assert.equal(shipped.encode(' she').length, 1);
  for (const s of [...ODD_STRINGS.filter((x) => !x.includes(END_OF_TEXT)), ...corpus.lines.slice(0, 50)]) {
    const ids = shipped.encode(s);
    if (ids.length) assert.equal(shipped.decode(ids), s);
  }
});

test('tokenizer: ids equal Python tokenizers on corpus lines and odd strings', (t) => {
  const { python, reason } = referencePython();
  if (!python) {
    t.skip(reason);
    return;
  }
  const sample = shuffled(corpus.lines, makeRng(11)).slice(0, 200);
  const strings = [...sample, corpusText(corpus).slice(0, 3000), ...ODD_STRINGS];
  const ours = strings.map((s) => shipped.encode(s));
  const ref = pythonJson<number[][]>('token_ids.py', [join(MODEL_DIR, 'tokenizer.json')], strings);
  strings.forEach((s, i) => assert.deepEqual(ours[i], ref[i], `ids differ for ${JSON.stringify(s.slice(0, 60))}`));
});
