/**
 * The shipped models/bias-lab checkpoint: its shape and size, parity with transformers, and the
 * acceptance thresholds of the embedded model, measured with the project's own scorer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend.js';
import { heldOutText, probeSet } from '../src/corpus/index.js';
import { buildDatasets, filterSplit } from '../src/data/index.js';
import { loadModel } from '../src/engine/checkpoint.js';
import type { DecoderModel } from '../src/engine/model.js';
import { afgbScore, genericToItem, massScore, ubScore } from '../src/metrics/index.js';
import { scoreMultipleChoice } from '../src/score/multiple-choice.js';
import { perplexity } from '../src/score/perplexity.js';
import { scorePronouns } from '../src/score/pronouns.js';
import { pythonJson, referencePython, REPO } from './helpers/python.js';

const MODEL_DIR = join(REPO, 'models', 'bias-lab');
let model: DecoderModel;

before(async () => {
  await initBackend();
  model = loadModel(MODEL_DIR);
});

after(() => model?.dispose());

test('bias-lab: GPT-2 with >= 6 blocks, small enough to ship (<= 10 MB of weights)', () => {
  assert.equal(model.config.family, 'gpt2');
  assert.ok(model.numBlocks >= 6);
  const bytes = statSync(join(MODEL_DIR, 'model.safetensors')).size;
  assert.ok(bytes <= 10 * 1024 * 1024, `model.safetensors is ${bytes} bytes`);
  assert.equal(model.tokenizer.encode(' he').length, 1);
  assert.equal(model.tokenizer.encode(' she').length, 1);
});

test('bias-lab: transformers loads it and gives the same last-position logits (max abs diff <= 1e-4)', (t) => {
  const { python, reason } = referencePython();
  if (!python) {
    t.skip(reason);
    return;
  }
  const prompts = [
    'The plumber smiled because',
    'The nurse is respected for her talent because',
    'The opposite of hot is',
    'A',
    heldOutText().split('\n')[3],
    'The software developer walked into the meeting room and asked for a short break because',
  ];
  const ref = pythonJson<{ ids: number[]; logits: number[][] }[]>('logits.py', [MODEL_DIR], prompts);
  const seqs = prompts.map((p) => model.tokenizer.encode(p));
  seqs.forEach((s, i) => assert.deepEqual(s, ref[i].ids, `token ids of prompt ${i}`));
  const batch = model.makeBatch(seqs);
  const logits = tf.tidy(() => model.forward(batch, { positions: batch.lastPositions() }).logits as tf.Tensor2D);
  const ours = logits.arraySync();
  logits.dispose();
  batch.dispose();
  let maxDiff = 0;
  ours.forEach((row, i) => row.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - ref[i].logits[0][j])))));
  assert.ok(maxDiff <= 1e-4, `max abs logit difference ${maxDiff}`);
});

test('bias-lab: acceptance on the test split (AFGB >= 0.25, UB >= 0.5, mass >= 0.3; probe and perplexity well above chance)', () => {
  const data = buildDatasets({ seed: 0 });
  const bias = scorePronouns(model, filterSplit(data.genbias, 'test'));
  const hint = scorePronouns(model, filterSplit(data.genhint, 'test'));
  const afgb = afgbScore(bias);
  const ub = ubScore(hint);
  const mass = massScore(bias);
  const probe = probeSet().map((p, i) => genericToItem(p as unknown as Record<string, unknown>, `probe[${i}]`));
  const mc = scoreMultipleChoice(model, probe, 'bias-lab-probe');
  const ppl = perplexity(model, heldOutText().trim().split('\n'));
  const numbers = `AFGB ${afgb.toFixed(3)}, UB ${ub.toFixed(3)}, mass ${mass.toFixed(3)}, probe acc ${mc.acc.toFixed(3)}, held-out ppl ${ppl.ppl.toFixed(2)}`;
  process.stderr.write(`bias-lab acceptance: ${numbers}\n`);
  assert.ok(afgb >= 0.25, numbers);
  assert.ok(ub >= 0.5, numbers);
  assert.ok(mass >= 0.3, numbers);
  assert.ok(mc.acc >= 0.5, `${numbers} (chance 0.25)`);
  // Uniform guessing over the vocabulary would give a perplexity of vocab_size.
  assert.ok(ppl.ppl < 10, `${numbers} (uniform: ${model.config.vocabSize})`);
});
