/**
 * Scoring against transformers on tiny random checkpoints: per-item P(he|p) and P(she|p) by the
 * chain rule (the Llama tokenizer makes " she" three tokens), multiple-choice acc / acc_norm by the
 * lm-evaluation-harness formulas, and sliding-window perplexity.
 */
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../src/engine/checkpoint.js';
import { buildDatasets } from '../src/data/build.js';
import { readMultipleChoiceJsonl } from '../src/metrics/multiple-choice.js';
import { scorePronouns } from '../src/score/pronouns.js';
import { choiceLogLikelihoods, scoreMultipleChoice } from '../src/score/multiple-choice.js';
import { perplexity } from '../src/score/perplexity.js';
import { planContinuations } from '../src/score/continuations.js';
import { pythonJson, referenceCheckpoints, referencePython, REPO } from './helpers/python.js';
import { useBackend } from './helpers/backends.js';

const py = referencePython();
const skip = py.python ? false : py.reason;

describe('scores equal transformers', { skip }, () => {
  test('P(he|p) and P(she|p) on 60 prompts, gpt2 and llama (multi-token " she"), |diff| <= 1e-5', async () => {
    await useBackend('wasm');
    const ds = buildDatasets({ seed: 0 });
    // 30 bias prompts and 30 hint prompts from different professions and templates.
    const rows = [...ds.genbias.filter((_, i) => i % 89 === 0).slice(0, 30), ...ds.genhint.filter((_, i) => i % 177 === 0).slice(0, 30)];
    assert.ok(rows.length >= 50);
    for (const family of ['gpt2', 'llama']) {
      const model = loadModel(join(referenceCheckpoints(), family));
      if (family === 'llama') {
        const plan = planContinuations(model.tokenizer, [{ context: rows[0].prompt, continuation: ' she' }]);
        assert.ok(plan.requests[0].length > 1, 'the llama test tokenizer must make " she" more than one token');
      }
      scorePronouns(model, rows.slice(0, 3)); // warm-up: lazily built tables (rotary cos/sin)
      const before = tf.memory().numTensors;
      const ours = scorePronouns(model, rows, { batchSize: 7 });
      assert.equal(tf.memory().numTensors, before, 'scoring leaked tensors');
      const ref = pythonJson<[number, number][]>('scores.py', ['pronouns', join(referenceCheckpoints(), family)], { prompts: rows.map((r) => r.prompt), male: 'he', female: 'she' });
      let worst = 0;
      ours.forEach((o, i) => { worst = Math.max(worst, Math.abs(o.p_he - ref[i][0]), Math.abs(o.p_she - ref[i][1])); });
      assert.ok(worst <= 1e-5, `${family}: max |diff| ${worst}`);
      assert.ok(ours.some((o) => o.p_he !== o.p_she), 'probabilities should differ between pronouns');
      model.dispose();
    }
  });

  test('multiple choice: log-likelihoods, acc and acc_norm as lm-evaluation-harness computes them', async () => {
    await useBackend('wasm');
    const model = loadModel(join(referenceCheckpoints(), 'gpt2'));
    for (const file of ['arc.jsonl', 'openbookqa.jsonl', 'copa.jsonl', 'generic.jsonl']) {
      const d = await readMultipleChoiceJsonl(join(REPO, 'test', 'fixtures', 'mc', file));
      const ref = pythonJson<{ lls: number[][]; acc: number; acc_norm: number }>('scores.py', ['mc', join(referenceCheckpoints(), 'gpt2')], d.items);
      const lls = choiceLogLikelihoods(model, d.items);
      lls.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - ref.lls[i][j]) <= 1e-4, `${file} item ${i} choice ${j}: ${v} vs ${ref.lls[i][j]}`)));
      const r = scoreMultipleChoice(model, d.items, d.task);
      assert.equal(r.acc, ref.acc, `${file} acc`);
      assert.equal(r.acc_norm, ref.acc_norm, `${file} acc_norm`);
    }
    model.dispose();
  });

  test('perplexity with a sliding window equals the transformers recipe', async () => {
    await useBackend('wasm');
    const texts = [
      'the engineer stayed late at the office because the report was due in the morning and everyone was surprised',
      'green river mountain blue quickly slowly number seven 3 14 2025 the teacher laughed because it was late',
      'short text',
    ];
    for (const family of ['gpt2', 'llama']) {
      const model = loadModel(join(referenceCheckpoints(), family));
      for (const [window, stride] of [[16, 8], [12, 12], [64, 32]]) {
        const ours = perplexity(model, texts, { window, stride });
        const ref = pythonJson<{ ppl: number; tokens: number }>('scores.py', ['ppl', join(referenceCheckpoints(), family)], { texts, window, stride });
        assert.equal(ours.tokens, ref.tokens, `${family} w${window}/s${stride}: scored token count`);
        assert.ok(Math.abs(ours.ppl - ref.ppl) / ref.ppl <= 1e-5, `${family} w${window}/s${stride}: ppl ${ours.ppl} vs ${ref.ppl}`);
      }
      model.dispose();
    }
  });
});
