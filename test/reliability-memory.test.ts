/**
 * No tensor leaks: 1000 scoring batches and 200 tuning steps leave tf.memory().numTensors
 * where a warm-up left it (one-time caches, such as the rotary table, are made during warm-up);
 * BMI ranking run twice adds nothing the second time, and disposing its context frees it all.
 */
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../src/engine/checkpoint.js';
import { continuationLogProbs } from '../src/score/continuations.js';
import { scorePronouns } from '../src/score/pronouns.js';
import { prepareData } from '../src/lftf/pipeline.js';
import { rankBlocks } from '../src/lftf/locate.js';
import { TuneContext, tuneBlocks } from '../src/lftf/tune.js';
import { referenceCheckpoints, referencePython } from './helpers/python.js';
import { testBackends, useBackend } from './helpers/backends.js';

const py = referencePython();

describe('tensor leaks', { skip: py.python ? false : py.reason }, () => {
  test('1000 scoring batches: the tensor count does not grow', async (t) => {
    await useBackend('wasm');
    const model = loadModel(join(referenceCheckpoints(), 'llama'));
    const rows = prepareData({ maxDevPrompts: 40 }).data.biasDev.slice(0, 40);
    // Distinct contexts, batch size 1: one forward pass per sequence.
    const requests = Array.from({ length: 960 }, (_, i) => ({ context: `The worker number ${i} said`, continuation: ' he' }));
    scorePronouns(model, rows.slice(0, 2), { batchSize: 1 });
    continuationLogProbs(model, requests.slice(0, 2), { batchSize: 1 });
    const start = tf.memory().numTensors;
    const pron = scorePronouns(model, rows, { batchSize: 1 }); // 40 batches (he and she share one pass)
    const lp = continuationLogProbs(model, requests, { batchSize: 1 }); // 960 batches
    assert.equal(pron.length + lp.length, 1000);
    assert.ok(lp.every((r) => Number.isFinite(r.logprob)));
    const end = tf.memory().numTensors;
    t.diagnostic(`numTensors after warm-up ${start}, after 1000 batches ${end}`);
    assert.equal(end, start);
    model.dispose();
  });

  test('200 tuning steps (evalEvery 0): the tensor count does not grow', async (t) => {
    // Tensor counts are kept by the engine, the same on every backend: use the fastest one here.
    const backends = await testBackends();
    await useBackend(backends[0]);
    t.diagnostic(`backend ${backends[0]}`);
    const model = loadModel(join(referenceCheckpoints(), 'llama'));
    const prep = prepareData({ maxTrainPrompts: 8, maxDevPrompts: 8 });
    // Few general-text lines: the step count, not the text size, is what a leak would show in.
    const data = { ...prep.data, keepTexts: prep.data.keepTexts.slice(0, 4), devTexts: prep.data.devTexts.slice(0, 4) };
    const ctx = new TuneContext(model, data, 8, 0);
    tuneBlocks(ctx, [1], { steps: 2, lr: 1e-3, evalEvery: 0 }); // warm-up
    const start = tf.memory().numTensors;
    const during: number[] = [];
    const run = tuneBlocks(ctx, [1], { steps: 200, lr: 1e-3, evalEvery: 0, shouldStop: () => { during.push(tf.memory().numTensors); return false; } });
    assert.equal(run.steps.length, 200);
    const end = tf.memory().numTensors;
    // Within a run: constant once Adam's slots exist (after step 1).
    t.diagnostic(`numTensors: before ${start}, step 2 ${during[1]}, step 200 ${during[199]}, after ${end}`);
    assert.equal(during[199], during[1], 'no growth from step to step');
    assert.equal(end, start, 'nothing left behind by a finished run');
    ctx.dispose();
    model.dispose();
  });

  test('BMI ranking (trials, estimators, cached prefixes): nothing grows, disposing the context frees it', async (t) => {
    const backends = await testBackends();
    await useBackend(backends[0]);
    const model = loadModel(join(referenceCheckpoints(), 'llama'));
    const prep = prepareData({ maxTrainPrompts: 16, maxDevPrompts: 8 });
    const data = { ...prep.data, keepTexts: prep.data.keepTexts.slice(0, 4), devTexts: prep.data.devTexts.slice(0, 4) };
    // The rotary table is made once per model, on first use.
    const warm = model.makeBatch([[1, 2]]);
    const r = model.forward(warm);
    tf.dispose([r.hidden, r.logits!]);
    warm.dispose();
    const bare = tf.memory().numTensors;
    const ctx = new TuneContext(model, data, 8, 0);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      rankBlocks(ctx, { steps: 1, lr: 1e-3, estimatorChunks: 2 });
      counts.push(tf.memory().numTensors);
    }
    t.diagnostic(`numTensors: model ${bare}, after each ranking ${counts.join(', ')}`);
    assert.equal(counts[2], counts[1], 'a repeated ranking adds no tensor');
    ctx.dispose();
    assert.equal(tf.memory().numTensors, bare, 'disposing the context frees its batches, targets and prefix caches');
    model.dispose();
  });
});
