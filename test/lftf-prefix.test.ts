/**
 * The work-saving paths of locate/tune give the numbers of the plain paths:
 * - a cached prefix equals the forward pass to that block, advances by running only the blocks
 *   in between, and is recomputed when a weight below it changes (and only then);
 * - dev perplexity on cached prefixes equals perplexity() (itself checked against transformers
 *   in score-parity.test.ts);
 * - the first-order estimator gives the same per-block values in one grouped backward pass as
 *   in one pass per block;
 * - a tuning run's reported final dev metrics are those of the weights it leaves (not scored
 *   again when already known), for the last and the best weights; a context prepared for fewer
 *   steps than a run takes says so.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { embeddedModelDir, loadModel } from '../src/engine/checkpoint.js';
import type { DecoderModel } from '../src/engine/model.js';
import { firstOrderScores } from '../src/lftf/locate.js';
import { TextSet } from '../src/lftf/objective.js';
import { prepareData } from '../src/lftf/pipeline.js';
import { PrefixCache } from '../src/lftf/prefix.js';
import { restoreBlocks, snapshotBlocks, TuneContext, tuneBlocks } from '../src/lftf/tune.js';
import { perplexity } from '../src/score/perplexity.js';
import { useBackend } from './helpers/backends.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function forwardTo(model: DecoderModel, seqs: number[][], block: number): tf.Tensor3D {
  const batch = model.makeBatch(seqs);
  const h = model.forward(batch, { toBlock: block, positions: 'none' }).hidden;
  batch.dispose();
  return h;
}

describe('work-saving paths equal the plain ones (embedded model, wasm)', () => {
  test('PrefixCache: equals the forward pass, advances block by block, recomputes only when a weight below changes', async () => {
    await useBackend('wasm');
    const model = loadModel(embeddedModelDir());
    const seqs = ['The nurse said that', 'A carpenter went home because he was tired', 'Yesterday'].map((t) => model.tokenizer.encode(t));
    const batch = model.makeBatch(seqs);
    const cache = new PrefixCache(model, batch);
    assert.equal(cache.get(0), undefined, 'block 0 needs no prefix');

    const want2 = forwardTo(model, seqs, 2);
    assert.ok(maxAbsDiff(cache.get(2)!, want2) <= 1e-6);
    assert.equal(cache.blocksRun, 2);
    cache.get(2);
    assert.equal(cache.blocksRun, 2, 'a valid cache is not recomputed');

    const want4 = forwardTo(model, seqs, 4);
    assert.ok(maxAbsDiff(cache.get(4)!, want4) <= 1e-6);
    assert.equal(cache.blocksRun, 4, 'advancing 2 -> 4 runs blocks 2 and 3 only');

    // A change above the cached block leaves it valid.
    const snap5 = snapshotBlocks(model, [5]);
    model.blockVariables(5).forEach((v) => v.assign(tf.tidy(() => v.mul(1.5))));
    cache.get(4);
    assert.equal(cache.blocksRun, 4);

    // A change below it (block 1) invalidates it: recomputed from the embeddings.
    const snap1 = snapshotBlocks(model, [1]);
    model.blockVariables(1).forEach((v) => v.assign(tf.tidy(() => v.mul(0.5))));
    const changed4 = forwardTo(model, seqs, 4);
    assert.ok(maxAbsDiff(changed4, want4) > 1e-3, 'the test change must move the hidden state');
    assert.ok(maxAbsDiff(cache.get(4)!, changed4) <= 1e-6);
    assert.equal(cache.blocksRun, 8);

    // Restoring block 1 (restoreBlocks assigns) also invalidates; going down recomputes.
    restoreBlocks(model, [1], snap1);
    restoreBlocks(model, [5], snap5);
    assert.ok(maxAbsDiff(cache.get(3)!, forwardTo(model, seqs, 3)) <= 1e-6);
    assert.equal(cache.blocksRun, 11);

    tf.dispose([want2, want4, changed4, ...snap1, ...snap5]);
    cache.dispose();
    batch.dispose();
    model.dispose();
  });

  test('dev perplexity on cached prefixes equals perplexity(), from every block', async () => {
    await useBackend('wasm');
    const model = loadModel(embeddedModelDir());
    const texts = prepareData({}).data.devTexts.slice(0, 12);
    const want = perplexity(model, texts);
    const set = new TextSet(model, texts);
    assert.equal(set.tokens, want.tokens);
    for (const from of [0, 1, 3, 5, 2]) {
      const got = set.perplexity(from);
      assert.ok(Math.abs(got.nll - want.nll) <= 1e-6, `from ${from}: nll ${got.nll} vs ${want.nll}`);
    }
    const n0 = tf.memory().numTensors;
    set.perplexity(4);
    assert.equal(tf.memory().numTensors, n0, 'no tensor left behind');
    set.dispose();
    model.dispose();
  });

  test('first-order estimator: one grouped backward pass gives the per-block values', async () => {
    await useBackend('wasm');
    const model = loadModel(embeddedModelDir());
    const prep = prepareData({ maxTrainPrompts: 32, maxDevPrompts: 16 });
    const ctx = new TuneContext(model, prep.data, 8, 0);
    const grouped = firstOrderScores(ctx, 2);
    const perBlock = firstOrderScores(ctx, 2, 1);
    assert.equal(grouped.length, model.numBlocks);
    grouped.forEach((g, b) => {
      assert.ok(g > 0, `block ${b}: a positive gradient norm`);
      assert.ok(Math.abs(g - perBlock[b]) <= 1e-4 * perBlock[b], `block ${b}: ${g} vs ${perBlock[b]}`);
    });
    ctx.dispose();
    model.dispose();
  });

  test('a tuning run reports the dev metrics of the weights it leaves', async () => {
    await useBackend('wasm');
    const model = loadModel(embeddedModelDir());
    const prep = prepareData({ maxTrainPrompts: 32, maxDevPrompts: 32 });
    const ctx = new TuneContext(model, prep.data, 8, 0);
    const all = [...Array(model.numBlocks).keys()];
    const original = snapshotBlocks(model, all);
    const close = (a: { afgb: number; ub: number; ppl: number }, b: typeof a, what: string) => {
      for (const k of ['afgb', 'ub', 'ppl'] as const) assert.ok(Math.abs(a[k] - b[k]) <= 1e-9, `${what} ${k}: ${a[k]} vs ${b[k]}`);
    };
    // Last weights, evaluated only at the end (a BMI trial).
    const last = tuneBlocks(ctx, [3], { steps: 3, lr: 1e-3, evalEvery: 0, select: 'last' });
    close(last.final, ctx.devMetrics(3), 'last');
    close(last.final, { afgb: last.steps[2].dev_afgb!, ub: last.steps[2].dev_ub!, ppl: last.steps[2].dev_ppl! }, 'last = the step-3 evaluation');
    restoreBlocks(model, all, original);
    // Best-by-dev weights (evaluated every step; a large rate so the steps differ).
    const best = tuneBlocks(ctx, [2], { steps: 4, lr: 3e-3, evalEvery: 1, select: 'best', ubTolerance: 1, pplTolerance: 10 });
    assert.ok(best.best_step >= 1);
    close(best.final, ctx.devMetrics(2), 'best');
    restoreBlocks(model, all, original);
    // No evaluation within tolerance: back to the start.
    const none = tuneBlocks(ctx, [2], { steps: 2, lr: 3e-3, evalEvery: 1, select: 'best', pplTolerance: -1 });
    assert.equal(none.best_step, 0);
    close(none.final, none.start, 'start');
    close(none.final, ctx.devMetrics(0), 'start, scored again');
    tf.dispose(original);
    ctx.dispose();
    // A context prepared for 2 steps has no targets for a third chunk: a clear error, not NaN.
    const short = new TuneContext(model, prep.data, 8, 0, { steps: 2 });
    assert.equal(short.train.recorded, 2);
    assert.ok(short.train.chunks.length > 2);
    tuneBlocks(short, [5], { steps: 2, evalEvery: 0, select: 'last' });
    const n0 = tf.memory().numTensors;
    assert.throws(() => tuneBlocks(short, [5], { steps: 3, evalEvery: 0 }), /step 3 uses training chunk 2.*\{ steps: 3 \}/);
    assert.equal(tf.memory().numTensors, n0, 'a failed run frees its snapshots and optimiser');
    short.dispose();
    model.dispose();
  });
});
