/**
 * Our decoder against transformers on tiny random checkpoints made by transformers itself:
 * logits on a right-padded batch of prompts of different lengths, per family and backend, also
 * with several prompts packed into one row;
 * hidden states after every block; token ids against the Python tokenizers library; a model
 * we save loads in transformers with the same logits.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, saveModel } from '../src/engine/checkpoint.js';
import { TextTokenizer } from '../src/engine/tokenizer.js';
import { pythonJson, referenceCheckpoints, referencePython } from './helpers/python.js';
import { testBackends, useBackend } from './helpers/backends.js';

const FAMILIES = ['gpt2', 'llama', 'qwen2'] as const;
const PROMPTS = [
  'The accountant smiled because',
  'Hi',
  'The nurse said she was late. café 東京 😀',
  'number seven 3 14 2025 -- ... !',
  'The engineer stayed late at the office because he was finishing the report',
  'A',
];
const TOL = 1e-4;

interface RefRow { ids: number[]; logits: number[][]; hidden?: number[][][] }

const py = referencePython();
const skip = py.python ? false : py.reason;

function maxAbsDiff(ours: number[][][], ref: RefRow[], pick: (r: RefRow) => number[][]): number {
  let m = 0;
  ref.forEach((r, b) => pick(r).forEach((row, t) => row.forEach((v, j) => { m = Math.max(m, Math.abs(v - ours[b][t][j])); })));
  return m;
}

describe('decoder parity with transformers', { skip }, () => {
  let dir = '';
  const refs = new Map<string, RefRow[]>();
  before(() => {
    dir = referenceCheckpoints();
    for (const f of FAMILIES) refs.set(f, pythonJson<RefRow[]>('logits.py', [join(dir, f)], PROMPTS, ['--all-positions', '--hidden']));
  });

  test('logits on a padded batch, every family and backend, max |diff| <= 1e-4', async (t) => {
    const backends = await testBackends();
    if (!backends.includes('tensorflow')) t.diagnostic('native tensorflow backend unavailable here: wasm only');
    for (const backend of backends) {
      await useBackend(backend);
      for (const family of FAMILIES) {
        const before = tf.memory().numTensors;
        const model = loadModel(join(dir, family));
        const ref = refs.get(family)!;
        const seqs = PROMPTS.map((p) => model.tokenizer.encode(p));
        assert.deepEqual(seqs, ref.map((r) => r.ids), `${family}: token ids differ from the tokenizers library`);
        const batch = model.makeBatch(seqs);
        assert.ok(batch.T > Math.min(...batch.lengths), 'the batch must actually be padded');
        const out = model.forward(batch);
        const diff = maxAbsDiff((await out.logits!.array()) as number[][][], ref, (r) => r.logits);
        t.diagnostic(`${backend} ${family}: max |logit diff| = ${diff.toExponential(2)}`);
        assert.ok(diff <= TOL, `${backend} ${family}: max |diff| ${diff} > ${TOL}`);
        out.logits!.dispose(); out.hidden.dispose(); batch.dispose(); model.dispose();
        assert.equal(tf.memory().numTensors, before, `${backend} ${family}: tensors leaked`);
      }
    }
  });

  test('packed rows (several prompts in one row): the logits of transformers at every real token', async () => {
    for (const backend of await testBackends()) {
      await useBackend(backend);
      for (const family of FAMILIES) {
        const model = loadModel(join(dir, family));
        const ref = refs.get(family)!;
        const batch = model.makeBatch(ref.map((r) => r.ids), { pack: true });
        assert.ok(batch.B < ref.length, `${family}: the prompts must actually share rows (${batch.B} rows)`);
        const positions = ref.flatMap((r, s) => r.ids.map((_, t) => batch.at(s, t)));
        const out = model.forward(batch, { positions });
        const got = (await out.logits!.array()) as number[][];
        let n = 0, diff = 0;
        ref.forEach((r) => r.logits.forEach((row) => { row.forEach((v, j) => { diff = Math.max(diff, Math.abs(v - got[n][j])); }); n++; }));
        assert.ok(diff <= TOL, `${backend} ${family} packed: max |diff| ${diff} > ${TOL}`);
        tf.dispose([out.hidden, out.logits!]);
        batch.dispose(); model.dispose();
      }
    }
  });

  test('hidden state after every block, and logits only at chosen positions', async () => {
    await useBackend('wasm');
    for (const family of FAMILIES) {
      const model = loadModel(join(dir, family));
      const ref = refs.get(family)!;
      const batch = model.makeBatch(ref.map((r) => r.ids));
      const out = model.forward(batch, { collectHidden: true, positions: batch.lastPositions() });
      const L = model.numBlocks;
      // transformers: hidden_states[0] = embeddings, [i+1] = after block i; the last has the final norm.
      for (let i = 0; i < L; i++) {
        const ours = (i === L - 1 ? model.finalNorm(out.hiddens![i + 1]) : out.hiddens![i + 1]);
        const diff = maxAbsDiff((await ours.array()) as number[][][], ref, (r) => r.hidden![i + 1]);
        assert.ok(diff <= TOL, `${family} block ${i}: hidden diff ${diff}`);
        if (i === L - 1) ours.dispose();
      }
      const last = (await out.logits!.array()) as number[][];
      assert.deepEqual(out.logits!.shape, [ref.length, model.config.vocabSize]);
      ref.forEach((r, b) => r.logits[r.logits.length - 1].forEach((v, j) => assert.ok(Math.abs(v - last[b][j]) <= TOL)));
      // Resuming from block 1 on the stored hidden state gives the same logits.
      const resumed = model.forward(batch, { fromBlock: 1, hidden: out.hiddens![1], positions: batch.lastPositions() });
      const again = (await resumed.logits!.array()) as number[][];
      ref.forEach((r, b) => r.logits[r.logits.length - 1].forEach((v, j) => assert.ok(Math.abs(v - again[b][j]) <= TOL)));
      tf.dispose([out.hidden, out.logits!, ...out.hiddens!, resumed.hidden, resumed.logits!]);
      batch.dispose(); model.dispose();
    }
  });

  test('a model we save loads in transformers with the same logits', async () => {
    await useBackend('wasm');
    for (const family of FAMILIES) {
      const model = loadModel(join(dir, family));
      const out = mkdtempSync(join(tmpdir(), `lftf-save-${family}-`));
      saveModel(model, out);
      const ref = refs.get(family)!;
      const saved = pythonJson<RefRow[]>('logits.py', [out], PROMPTS, ['--all-positions']);
      const diff = maxAbsDiff(ref.map((r) => r.logits), saved, (r) => r.logits);
      assert.ok(diff <= 1e-6, `${family}: transformers logits changed after our save (${diff})`);
      // And we load our own save back.
      const back = loadModel(out);
      assert.equal(back.parameterCount(), model.parameterCount());
      back.dispose(); model.dispose();
    }
  });
});

/** 120 varied strings: spaces, punctuation, unicode, digits, mixed scripts, emoji. */
export function varietyStrings(): string[] {
  const base = [
    '', ' ', '  ', '\t', '\n', 'a', 'A', 'hello', ' hello', 'hello ', 'hello  world', 'Hello, World!',
    "don't", "it's", 'I\'m', 'e-mail', 'co-operate', 'U.S.A.', '...', '!!!', '?!', '(x)', '[1]', '{a: 1}',
    '"quoted"', '\'single\'', 'semi;colon', 'colon:', 'a/b', 'a\\b', '#hash', '@user', '$100', '50%', '3.14159',
    '2025-12-04', '12:30', '1,000,000', '007', '0', '-1', '+2', '1e-5', 'x^2', 'a_b', 'CamelCase', 'snake_case',
    'ALLCAPS', 'MiXeD', 'café', 'naïve', 'über', 'résumé', 'façade', 'Ångström', 'señor', 'Straße', 'ß', 'œuvre',
    '東京', '日本語のテキスト', '中文', '한국어', 'Русский текст', 'Ελληνικά', 'עברית', 'العربية', 'हिन्दी', 'ไทย',
    '😀', '👩‍⚕️', '🇫🇷', '∑∫√', '→←', '€£¥', '©®™', '\u00a0nbsp', 'zero\u200bwidth', 'tab\tinside',
    'line\nbreak', 'crlf\r\nend', 'The nurse said she was late.', 'The engineer smiled because he',
    'The accountant stayed late at the office because she', 'she', ' she', 'he', ' he', 'They', ' they',
    'himself', 'herself', 'his', 'her', 'The doctor finished the report before the deadline, and everyone was surprised because',
    'number seven 3 14 2025 -- ... !', 'repeat repeat repeat repeat', 'aaaaaaaaaaaaaaaaaaaa', 'abcdefghijklmnopqrstuvwxyz',
    '0123456789', 'The  double  spaces', ' leading', 'trailing ', '   three leading', 'http://example.com/path?q=1',
    'x = y + z;', 'if (a) { b(); }', '<html><body>hi</body></html>', '**bold** _it_', '- list item', '> quote',
  ];
  const out = [...base];
  for (let i = 0; out.length < 120; i++) out.push(`${base[(i * 7) % base.length]} ${base[(i * 13 + 5) % base.length]}`);
  return out;
}

describe('tokenizer ids equal the Python tokenizers library', { skip }, () => {
  const strings = varietyStrings();
  for (const [label, family] of [['byte-level BPE', 'gpt2'], ['Metaspace BPE with byte fallback', 'llama']] as const) {
    test(`${label}: ${strings.length} strings`, () => {
      const path = join(referenceCheckpoints(), family);
      const tok = TextTokenizer.fromFolder(path);
      const ref = pythonJson<number[][]>('token_ids.py', [join(path, 'tokenizer.json')], strings);
      const bad = strings.map((s, i) => [s, tok.encode(s), ref[i]] as const).filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b));
      assert.deepEqual(bad, [], `${bad.length} strings tokenized differently`);
    });
  }
});

after(() => { /* models are disposed per test */ });
