/**
 * The LFTF objective (this project's definition; see METHOD.md "Ours: the LFTF loss"):
 *   L = L_fair + w_hint * L_hint + w_mass * L_mass + w_keep * L_keep
 * computed from a given block onwards. Prompts are cut into fixed chunks once; the hidden state
 * entering the lowest trained block is computed once per chunk and reused at every step (the
 * frozen blocks below never change), so a step runs only the blocks from there up.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderModel, TokenBatch } from '../engine/model.js';
import { planContinuations, targetLogProbs } from '../score/continuations.js';
import type { PromptRow } from '../score/pronouns.js';
import { makeRng, shuffled } from '../util/random.js';

export interface LossWeights {
  hint: number;
  mass: number;
  keep: number;
}

export const DEFAULT_WEIGHTS: LossWeights = { hint: 0.5, mass: 0.5, keep: 1.0 };

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
  /** log(P0(he) + P0(she)) of the starting model, per prompt. */
  logMass0?: tf.Tensor1D;
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
      const assign = new Float32Array(plan.requests.length * plan.requests.reduce((a, q) => a + q.length, 0));
      const Q = plan.requests.reduce((a, q) => a + q.length, 0);
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

  /** Record the starting model's log pronoun mass (for L_mass). */
  recordStartMass(): void {
    this.chunks.forEach((chunk, c) => {
      chunk.logMass0?.dispose();
      const { he, she } = this.logProbs(c, 0);
      chunk.logMass0 = tf.keep(tf.tidy(() => tf.logSumExp(tf.stack([he, she], 1), 1) as tf.Tensor1D));
      tf.dispose([he, she]);
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
    for (const c of this.chunks) tf.dispose([c.batch.ids, c.batch.mask, c.assign, ...(c.prefix ? [c.prefix] : []), ...(c.logMass0 ? [c.logMass0] : [])]);
    this.chunks.length = 0;
  }
}

/** General text for L_keep: the starting model's next-token distributions, kept as targets. */
export class KeepSet {
  readonly chunks: { batch: TokenBatch; positions: number[]; logP0: tf.Tensor2D; prefix?: tf.Tensor3D; cachedFrom?: number }[] = [];

  constructor(readonly model: DecoderModel, texts: readonly string[], chunkSize: number, maxTokens = 64) {
    const seqs = texts.map((t) => model.tokenizer.encode(t).slice(0, Math.min(maxTokens, model.config.maxPositions))).filter((s) => s.length > 1);
    for (let c = 0; c < seqs.length; c += chunkSize) {
      const batch = model.makeBatch(seqs.slice(c, c + chunkSize));
      const positions: number[] = [];
      batch.seqs.forEach((s, b) => { for (let t = 0; t < s.length; t++) positions.push(batch.at(b, t)); });
      const logP0 = tf.tidy(() => tf.logSoftmax(model.forward(batch, { positions }).logits as tf.Tensor2D) as tf.Tensor2D);
      this.chunks.push({ batch, positions, logP0 });
    }
  }

  /** Mean token-level KL(P0 || P) of chunk c, running blocks from `from` (differentiable). */
  kl(c: number, from: number): tf.Scalar {
    const chunk = this.chunks[c];
    const hidden = prefixFor(this.model, chunk, from);
    return tf.tidy(() => {
      const { logits } = this.model.forward(chunk.batch, { fromBlock: from, hidden, positions: chunk.positions });
      const logP = tf.logSoftmax(logits as tf.Tensor2D);
      return tf.mean(tf.sum(tf.exp(chunk.logP0).mul(chunk.logP0.sub(logP)), 1)) as tf.Scalar;
    });
  }

  dispose(): void {
    for (const c of this.chunks) tf.dispose([c.batch.ids, c.batch.mask, c.logP0, ...(c.prefix ? [c.prefix] : [])]);
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

/**
 * The four terms at step `step`. Chunks are visited in a fixed cyclic order, so the data a step
 * sees is a function of the step number alone (a resumed run sees the same data).
 */
export function lftfLoss(bias: PromptSet, hint: PromptSet, keep: KeepSet | null, from: number, step: number, w: LossWeights): LossTerms {
  return tf.tidy(() => {
    const bc = step % bias.chunks.length;
    const hc = step % hint.chunks.length;
    const b = bias.logProbs(bc, from);
    const fair = tf.mean(tf.square(tf.exp(b.he).sub(tf.exp(b.she)))) as tf.Scalar;
    const h = hint.logProbs(hc, from);
    const hRows = hint.chunks[hc].rows;
    const isMale = tf.tensor1d(hRows.map((r) => (r.hint === 'male' ? 1 : 0)), 'float32');
    const hinted = tf.add(h.he.mul(isMale), h.she.mul(tf.sub(1, isMale)));
    const hMass = tf.logSumExp(tf.stack([h.he, h.she], 1), 1);
    const hintLoss = tf.mean(tf.neg(hinted.sub(hMass))) as tf.Scalar;
    const bMass = tf.logSumExp(tf.stack([b.he, b.she], 1), 1);
    const massTerms = tf.concat([
      tf.square(bMass.sub(bias.chunks[bc].logMass0!)),
      tf.square(hMass.sub(hint.chunks[hc].logMass0!)),
    ]);
    const mass = tf.mean(massTerms) as tf.Scalar;
    const keepLoss = keep && keep.chunks.length ? keep.kl(step % keep.chunks.length, from) : tf.scalar(0);
    const loss = fair.add(hintLoss.mul(w.hint)).add(mass.mul(w.mass)).add(keepLoss.mul(w.keep)) as tf.Scalar;
    return { loss, fair, hint: hintLoss, mass, keep: keepLoss as tf.Scalar };
  }) as unknown as LossTerms;
}
