/**
 * Rank blocks by BMI (this project's definition; METHOD.md "Ours: BMI"):
 *   BMI_b = (AFGB_dev(M) - AFGB_dev(M_b)) / AFGB_dev(M)
 * where M_b is M after tuning block b alone with the LFTF loss on the same budget, seed, data
 * order and learning rate for every block. Each trial restores the block afterwards.
 * Two fast estimators (ours) are reported with their Spearman rho against exact BMI:
 *   first_order      = || d L_fair / d theta_b ||^2 on the first training bias prompts (the loss
 *                      decrease one small gradient step on b alone predicts),
 *   hidden_influence = mean over dev bias prompts of 1 - cos(h_in, h_out) of block b at the
 *                      last token of each sequence.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderModel } from '../engine/model.js';
import { spearmanRho } from '../metrics/rank.js';
import type { Progress } from '../notebook/progress.js';
import type { BmiResult, BmiRow } from '../results.js';
import { fairTerm, PromptSet } from './objective.js';
import { restoreBlocks, snapshotBlocks, tuneBlocks, type TuneContext, type TuneOptions } from './tune.js';

export interface RankOptions extends TuneOptions {
  /** Trial budget per block (K steps). */
  steps?: number;
  /** Training chunks the first-order estimator averages over. */
  estimatorChunks?: number;
  /** Compute the two fast estimators and their rho against exact BMI (default true). */
  estimators?: boolean;
  /** Skip exact BMI and rank by this estimator. */
  estimatorOnly?: 'first_order' | 'hidden_influence';
  progressFor?: (label: string, total: number) => Progress;
}

/**
 * || d L_fair / d theta_b ||^2 per block, averaged over the first `chunks` chunks of training
 * bias prompts (the chunks the LFTF steps start with). Only L_fair is computed, on those prompts
 * alone. One backward pass yields every block's gradient, so blocks are taken in groups
 * (consecutive, at most `maxGroupParams` parameters whose gradients are held at once), each group
 * one pass from its lowest block on cached prefixes: for a small model, one pass per chunk.
 */
export function firstOrderScores(ctx: TuneContext, chunks = 4, maxGroupParams = 2 ** 27): number[] {
  const model = ctx.model;
  const scores = new Array<number>(model.numBlocks).fill(0);
  const set = new PromptSet(model, ctx.data.biasTrain, ctx.batchSize, ctx.seed, { maxChunks: chunks });
  const n = set.chunks.length;
  const groups: number[][] = [];
  for (let b = 0, size = 0; b < model.numBlocks; b++) {
    const params = model.parameterCount([b]);
    if (!groups.length || size + params > maxGroupParams) {
      groups.push([]);
      size = 0;
    }
    groups.at(-1)!.push(b);
    size += params;
  }
  for (const group of groups) {
    const owner = group.flatMap((b) => model.blockVariables(b).map(() => b));
    const vars = group.flatMap((b) => model.blockVariables(b));
    for (let c = 0; c < n; c++) {
      const { value, grads } = tf.variableGrads(() => {
        const { he, she } = set.logProbs(c, group[0]);
        return fairTerm(he, she);
      }, vars);
      const sq = tf.tidy(() => tf.stack(vars.map((v) => tf.sum(tf.square(grads[v.name])))).dataSync());
      sq.forEach((x, i) => { scores[owner[i]] += x / n; });
      tf.dispose([value, ...Object.values(grads)]);
    }
  }
  set.dispose();
  return scores;
}

export function hiddenInfluenceScores(ctx: TuneContext): number[] {
  const model = ctx.model;
  const totals = new Array<number>(model.numBlocks).fill(0);
  let count = 0;
  for (const chunk of ctx.devBias.chunks) {
    const batch = chunk.batch;
    const r = model.forward(batch, { collectHidden: true, positions: 'none' });
    const last = tf.tensor1d(batch.lastPositions(), 'int32');
    const values = tf.tidy(() => {
      const flat = r.hiddens!.map((h) => tf.gather(h.reshape([batch.B * batch.T, -1]), last));
      return tf.stack(flat.slice(1).map((out, b) => {
        const inp = flat[b];
        const cos = tf.sum(inp.mul(out), 1).div(tf.norm(inp, 'euclidean', 1).mul(tf.norm(out, 'euclidean', 1)).add(1e-12));
        return tf.sum(tf.sub(1, cos));
      }));
    });
    values.dataSync().forEach((v, b) => { totals[b] += v; });
    count += batch.seqs.length;
    tf.dispose([values, last, r.hidden, ...r.hiddens!]);
  }
  return totals.map((t) => t / count);
}

export function rankBlocks(ctx: TuneContext, opts: RankOptions = {}): BmiResult & { trials: { block: number; wall_s: number }[] } {
  const model = ctx.model;
  const L = model.numBlocks;
  const estimators = opts.estimators ?? true;
  const first = estimators || opts.estimatorOnly === 'first_order' ? firstOrderScores(ctx, opts.estimatorChunks) : new Array<number>(L).fill(NaN);
  const hidden = estimators || opts.estimatorOnly === 'hidden_influence' ? hiddenInfluenceScores(ctx) : new Array<number>(L).fill(NaN);
  // The trials start from the context's weights: their dev metrics are known or scored once.
  const base = opts.start ?? ctx.devMetrics(0);
  const rows: BmiRow[] = [];
  const trials: { block: number; wall_s: number }[] = [];
  const progress = opts.progressFor?.('exact BMI trials', L);
  for (let b = 0; b < L; b++) {
    let score = NaN, dUb = NaN, dPpl = NaN;
    if (!opts.estimatorOnly) {
      const snap = snapshotBlocks(model, [b]);
      const t0 = Date.now();
      // A trial measures what K steps do: keep the last weights, evaluate only at the end.
      const run = tuneBlocks(ctx, [b], { ...opts, select: 'last', evalEvery: 0, runDir: undefined, progress: undefined, start: base });
      trials.push({ block: b, wall_s: (Date.now() - t0) / 1000 });
      score = base.afgb > 0 ? (base.afgb - run.final.afgb) / base.afgb : 0;
      dUb = run.final.ub - base.ub;
      dPpl = run.final.ppl - base.ppl;
      restoreBlocks(model, [b], snap);
      tf.dispose(snap);
    }
    rows.push({ block: b, score, d_ub: dUb, d_ppl: dPpl, first_order: first[b], hidden_influence: hidden[b] });
    progress?.tick(1, { block: b, bmi: Number(score.toFixed(3)) });
  }
  progress?.done();
  const key = opts.estimatorOnly ?? 'score';
  const exact = rows.map((r) => r.score);
  const rho = opts.estimatorOnly || !estimators
    ? { first_order: NaN, hidden_influence: NaN }
    : { first_order: spearmanRho(exact, first), hidden_influence: spearmanRho(exact, hidden) };
  const top = [...rows].sort((a, b) => (b[key] as number) - (a[key] as number) || a.block - b.block)[0].block;
  return { kind: 'bmi', model: model.name, blocks: rows, rho, top_block: top, trials };
}
