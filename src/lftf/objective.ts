/**
 * The LFTF objective (this project's definition; see METHOD.md "Ours: the LFTF loss"):
 *   L = L_fair + w_hint * L_hint + w_mass * L_mass + w_keep * L_keep
 * computed from a given block onwards. Prompts are cut into fixed chunks once; the hidden state
 * entering the lowest trained block is computed once per chunk and reused at every step (the
 * frozen blocks below never change), so a step runs only the blocks from there up.
 * PromptSet scores prompts (dev evaluation); TrainSet holds the training steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LftfError } from '../errors.js';
import type { DecoderModel, TokenBatch } from '../engine/model.js';
import { planContinuations, targetLogProbs } from '../score/continuations.js';
import type { PromptRow } from '../score/pronouns.js';
import { makeRng, shuffled } from '../util/random.js';

export interface LossWeights {
  hint: number;
  mass: number;
  keep: number;
}

export const DEFAULT_WEIGHTS: LossWeights = { hint: 0.5, mass: 0.5, keep: 4.0 };

interface Chunk {
  batch: TokenBatch;
  positions: number[];
  targets: number[];
  /** [2n, Q] 0/1: request r (prompt i: he = 2i, she = 2i+1) sums its token log-probs. */
  assign: tf.Tensor2D;
  rows: PromptRow[];
  /** Hidden state entering block `cachedFrom`, computed once. */
  prefix?: tf.Tensor3D;
  cachedFrom?: number;
}

function prefixFor(model: DecoderModel, chunk: { batch: TokenBatch; prefix?: tf.Tensor3D; cachedFrom?: number }, from: number): tf.Tensor3D | undefined {
  if (from === 0) return undefined;
  if (chunk.cachedFrom !== from) {
    chunk.prefix?.dispose();
    // Kept: callers run inside tidy / variableGrads scopes that would otherwise free the cache.
    chunk.prefix = tf.keep(tf.tidy(() => model.forward(chunk.batch, { toBlock: from, positions: 'none' }).hidden));
    chunk.cachedFrom = from;
  }
  return chunk.prefix;
}

/** Pronoun prompts cut into fixed chunks, each with its plan and cached prefix. */
export class PromptSet {
  readonly chunks: Chunk[] = [];
  readonly size: number;

  constructor(readonly model: DecoderModel, rows: readonly PromptRow[], chunkSize: number, seed: number, pronouns = { male: 'he', female: 'she' }) {
    this.size = rows.length;
    const order = shuffled(rows.map((_, i) => i), makeRng(seed));
    for (let c = 0; c < order.length; c += chunkSize) {
      const chunkRows = order.slice(c, c + chunkSize).map((i) => rows[i]);
      const plan = planContinuations(model.tokenizer, chunkRows.flatMap((r) => [
        { context: r.prompt, continuation: ` ${pronouns.male}` },
        { context: r.prompt, continuation: ` ${pronouns.female}` },
      ]));
      const batch = model.makeBatch(plan.seqs);
      const positions: number[] = [], targets: number[] = [];
      const Q = plan.requests.reduce((a, q) => a + q.length, 0);
      const assign = new Float32Array(plan.requests.length * Q);
      let q = 0;
      plan.requests.forEach((queries, r) => queries.forEach((query) => {
        positions.push(batch.at(query.seq, query.pos));
        targets.push(query.target);
        assign[r * Q + q++] = 1;
      }));
      this.chunks.push({ batch, positions, targets, assign: tf.tensor2d(assign, [plan.requests.length, Q]), rows: chunkRows });
    }
  }

  /** log P(he), log P(she) per prompt of chunk c, running blocks from `from` (differentiable). */
  logProbs(c: number, from: number): { he: tf.Tensor1D; she: tf.Tensor1D } {
    const chunk = this.chunks[c];
    const hidden = prefixFor(this.model, chunk, from);
    return tf.tidy(() => {
      const { logits } = this.model.forward(chunk.batch, { fromBlock: from, hidden, positions: chunk.positions });
      const tokenLp = targetLogProbs(logits as tf.Tensor2D, chunk.targets);
      const req = tf.matMul(chunk.assign, tokenLp.expandDims(1)).reshape([-1, 2]);
      const [he, she] = tf.unstack(req, 1);
      return { he: he as tf.Tensor1D, she: she as tf.Tensor1D };
    });
  }

  /** Per-prompt probabilities (no gradient), from block `from` on cached prefixes. */
  probabilities(from: number): { row: PromptRow; p_he: number; p_she: number }[] {
    const out: { row: PromptRow; p_he: number; p_she: number }[] = [];
    this.chunks.forEach((chunk, c) => {
      const { he, she } = this.logProbs(c, from);
      const h = he.dataSync(), s = she.dataSync();
      chunk.rows.forEach((row, i) => out.push({ row, p_he: Math.exp(h[i]), p_she: Math.exp(s[i]) }));
      tf.dispose([he, she]);
    });
    return out;
  }

  dispose(): void {
    for (const c of this.chunks) tf.dispose([c.batch.ids, c.batch.mask, c.assign, ...(c.prefix ? [c.prefix] : [])]);
    this.chunks.length = 0;
  }
}

export interface LossTerms {
  loss: tf.Scalar;
  fair: tf.Scalar;
  hint: tf.Scalar;
  mass: tf.Scalar;
  keep: tf.Scalar;
}

interface StepChunk {
  batch: TokenBatch;
  /** Flat positions: bias queries, then hint queries, then keep positions. */
  positions: number[];
  targets: number[];
  nBiasQ: number;
  nHintQ: number;
  nKeep: number;
  /** [2 * prompts, Q] sums of token log-probs per request, for the bias and hint parts. */
  biasAssign: tf.Tensor2D;
  hintAssign: tf.Tensor2D;
  hintIsMale: tf.Tensor1D;
  keepLogP0?: tf.Tensor2D;
  biasLogMass0?: tf.Tensor1D;
  hintLogMass0?: tf.Tensor1D;
  prefix?: tf.Tensor3D;
  cachedFrom?: number;
}

/**
 * The training data of one LFTF run, cut into fixed step chunks. Chunk c holds bias chunk
 * c mod nb, hint chunk c mod nh and keep chunk c mod nk as ONE padded batch, so a step is one
 * forward and one backward pass; step s uses chunk s mod N. The data a step sees is therefore a
 * function of the step number alone, and a resumed run sees the same data.
 */
export class TrainSet {
  readonly chunks: StepChunk[] = [];

  constructor(readonly model: DecoderModel, bias: readonly PromptRow[], hint: readonly PromptRow[], keepTexts: readonly string[],
    chunkSize: number, seed: number, pronouns = { male: 'he', female: 'she' }) {
    const cut = <T>(items: readonly T[], s: number): T[][] => {
      const order = shuffled(items.map((_, i) => i), makeRng(s));
      const out: T[][] = [];
      for (let c = 0; c < order.length; c += chunkSize) out.push(order.slice(c, c + chunkSize).map((i) => items[i]));
      return out;
    };
    const biasChunks = cut(bias, seed), hintChunks = cut(hint, seed + 1);
    const keepSeqs = keepTexts.map((t) => model.tokenizer.encode(t).slice(0, model.config.maxPositions)).filter((x) => x.length > 1);
    const keepChunks: number[][][] = [];
    for (let c = 0; c < keepSeqs.length; c += chunkSize) keepChunks.push(keepSeqs.slice(c, c + chunkSize));
    if (!biasChunks.length || !hintChunks.length) throw new LftfError('empty-dataset', 'LFTF needs GenBiasEval and GenHintEval training prompts');
    const n = Math.max(biasChunks.length, hintChunks.length);
    for (let c = 0; c < n; c++) {
      const plan = (rows: PromptRow[]) => planContinuations(model.tokenizer, rows.flatMap((r) => [
        { context: r.prompt, continuation: ` ${pronouns.male}` }, { context: r.prompt, continuation: ` ${pronouns.female}` }]));
      const bRows = biasChunks[c % biasChunks.length], hRows = hintChunks[c % hintChunks.length];
      const bPlan = plan(bRows), hPlan = plan(hRows);
      const keep = keepChunks.length ? keepChunks[c % keepChunks.length] : [];
      const seqs = [...bPlan.seqs, ...hPlan.seqs, ...keep];
      const batch = model.makeBatch(seqs);
      const positions: number[] = [], targets: number[] = [];
      const assignFor = (p: typeof bPlan, offset: number) => {
        const Q = p.requests.reduce((a, q) => a + q.length, 0);
        const a = new Float32Array(p.requests.length * Q);
        let q = 0;
        p.requests.forEach((qs, r) => qs.forEach((query) => {
          positions.push(batch.at(offset + query.seq, query.pos));
          targets.push(query.target);
          a[r * Q + q++] = 1;
        }));
        return { assign: tf.tensor2d(a, [p.requests.length, Q]), Q };
      };
      const b = assignFor(bPlan, 0);
      const h = assignFor(hPlan, bPlan.seqs.length);
      let nKeep = 0;
      keep.forEach((sq, i) => { for (let t = 0; t < sq.length; t++) { positions.push(batch.at(bPlan.seqs.length + hPlan.seqs.length + i, t)); nKeep++; } });
      this.chunks.push({ batch, positions, targets, nBiasQ: b.Q, nHintQ: h.Q, nKeep, biasAssign: b.assign, hintAssign: h.assign,
        hintIsMale: tf.tensor1d(hRows.map((r) => (r.hint === 'male' ? 1 : 0)), 'float32') });
    }
  }

  /** Logits at the chunk's positions, split into the bias, hint and keep parts. */
  private parts(c: number, from: number): { bias: tf.Tensor1D[]; hint: tf.Tensor1D[]; keepLogits: tf.Tensor2D | null } {
    const chunk = this.chunks[c];
    const hidden = prefixFor(this.model, chunk, from);
    const { logits } = this.model.forward(chunk.batch, { fromBlock: from, hidden, positions: chunk.positions });
    const all = logits as tf.Tensor2D;
    const nQ = chunk.nBiasQ + chunk.nHintQ;
    const tokenLp = targetLogProbs(all.slice([0, 0], [nQ, -1]), chunk.targets);
    const pair = (assign: tf.Tensor2D, start: number, size: number) =>
      tf.unstack(tf.matMul(assign, tokenLp.slice([start], [size]).expandDims(1)).reshape([-1, 2]), 1) as tf.Tensor1D[];
    return {
      bias: pair(chunk.biasAssign, 0, chunk.nBiasQ),
      hint: pair(chunk.hintAssign, chunk.nBiasQ, chunk.nHintQ),
      keepLogits: chunk.nKeep ? all.slice([nQ, 0], [chunk.nKeep, -1]) : null,
    };
  }

  /** Record what the starting model gives: P0 for L_mass and the keep targets for L_keep. */
  recordStart(): void {
    this.chunks.forEach((chunk, c) => {
      tf.dispose([chunk.keepLogP0, chunk.biasLogMass0, chunk.hintLogMass0].filter((x) => x !== undefined) as tf.Tensor[]);
      const [bm, hm, kp] = tf.tidy(() => {
        const p = this.parts(c, 0);
        return [
          tf.logSumExp(tf.stack(p.bias, 1), 1) as tf.Tensor1D,
          tf.logSumExp(tf.stack(p.hint, 1), 1) as tf.Tensor1D,
          p.keepLogits ? tf.logSoftmax(p.keepLogits) as tf.Tensor2D : tf.zeros([0, 1]) as tf.Tensor2D,
        ];
      });
      chunk.biasLogMass0 = tf.keep(bm);
      chunk.hintLogMass0 = tf.keep(hm);
      chunk.keepLogP0 = tf.keep(kp);
    });
  }

  /** The four terms at `step`, running blocks from `from`: one forward pass. */
  loss(step: number, from: number, w: LossWeights): LossTerms {
    const c = step % this.chunks.length;
    const chunk = this.chunks[c];
    if (!chunk.biasLogMass0) throw new Error('internal: TrainSet.recordStart() was not called');
    return tf.tidy(() => {
      const p = this.parts(c, from);
      const [bHe, bShe] = p.bias, [hHe, hShe] = p.hint;
      const fair = tf.mean(tf.square(tf.exp(bHe).sub(tf.exp(bShe)))) as tf.Scalar;
      const hinted = tf.add(hHe.mul(chunk.hintIsMale), hShe.mul(tf.sub(1, chunk.hintIsMale)));
      const hMass = tf.logSumExp(tf.stack([hHe, hShe], 1), 1);
      const hint = tf.mean(tf.neg(hinted.sub(hMass))) as tf.Scalar;
      const bMass = tf.logSumExp(tf.stack([bHe, bShe], 1), 1);
      const mass = tf.mean(tf.concat([tf.square(bMass.sub(chunk.biasLogMass0!)), tf.square(hMass.sub(chunk.hintLogMass0!))])) as tf.Scalar;
      const keep = (p.keepLogits
        ? tf.mean(tf.sum(tf.exp(chunk.keepLogP0!).mul(chunk.keepLogP0!.sub(tf.logSoftmax(p.keepLogits))), 1))
        : tf.scalar(0)) as tf.Scalar;
      const loss = fair.add(hint.mul(w.hint)).add(mass.mul(w.mass)).add(keep.mul(w.keep)) as tf.Scalar;
      return { loss, fair, hint, mass, keep };
    }) as unknown as LossTerms;
  }

  dispose(): void {
    for (const c of this.chunks) {
      tf.dispose([c.batch.ids, c.batch.mask, c.biasAssign, c.hintAssign, c.hintIsMale,
        ...([c.keepLogP0, c.biasLogMass0, c.hintLogMass0, c.prefix].filter((x) => x !== undefined) as tf.Tensor[])]);
    }
    this.chunks.length = 0;
  }
}
