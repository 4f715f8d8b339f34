/**
 * The LFTF objective (this project's definition; see METHOD.md "Ours: the LFTF loss"):
 *   L = L_fair + w_hint * L_hint + w_mass * L_mass + w_keep * L_keep
 * computed from a given block onwards. Prompts are cut into fixed chunks once, each one packed
 * batch; the hidden state entering the lowest trained block is cached per chunk (PrefixCache:
 * reused while the frozen blocks below are unchanged), so a step runs only the blocks from there
 * up. PromptSet scores prompts and TextSet dev text (dev evaluation); TrainSet holds the steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LftfError } from '../errors.js';
import type { DecoderModel, TokenBatch } from '../engine/model.js';
import { packPlan, planContinuations, targetLogProbs } from '../score/continuations.js';
import { planPerplexity, type PerplexityOptions, type PerplexityResult } from '../score/perplexity.js';
import type { PromptRow } from '../score/pronouns.js';
import { makeRng, shuffled } from '../util/random.js';
import { PrefixCache } from './prefix.js';

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
  prefix: PrefixCache;
}

/** Consecutive slices of `size` items (the last may be shorter). */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let c = 0; c < items.length; c += size) out.push(items.slice(c, c + size));
  return out;
}

/** Items shuffled with `seed`, then cut into chunks of `size`: how every LFTF set orders its data. */
export function shuffledChunks<T>(items: readonly T[], size: number, seed: number): T[][] {
  return chunksOf(shuffled(items, makeRng(seed)), size);
}

/** L_fair from log P(he), log P(she) per prompt: mean (P(he) - P(she))^2. */
export function fairTerm(logHe: tf.Tensor1D, logShe: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.exp(logHe).sub(tf.exp(logShe)))) as tf.Scalar);
}

/** Pronoun prompts cut into fixed chunks, each with its plan and cached prefix. */
export class PromptSet {
  readonly chunks: Chunk[] = [];
  readonly size: number;

  /** Rows are shuffled with `seed` and cut into chunks of `chunkSize` (at most `maxChunks`). */
  constructor(readonly model: DecoderModel, rows: readonly PromptRow[], chunkSize: number, seed: number,
    opts: { pronouns?: { male: string; female: string }; maxChunks?: number } = {}) {
    const pronouns = opts.pronouns ?? { male: 'he', female: 'she' };
    const chunks = shuffledChunks(rows, chunkSize, seed).slice(0, opts.maxChunks);
    this.size = chunks.reduce((a, c) => a + c.length, 0);
    for (const chunkRows of chunks) {
      const plan = planContinuations(model.tokenizer, chunkRows.flatMap((r) => [
        { context: r.prompt, continuation: ` ${pronouns.male}` },
        { context: r.prompt, continuation: ` ${pronouns.female}` },
      ]));
      const batch = model.makeBatch(plan.seqs, { pack: true });
      const positions: number[] = [], targets: number[] = [];
      const Q = plan.requests.reduce((a, q) => a + q.length, 0);
      const assign = new Float32Array(plan.requests.length * Q);
      let q = 0;
      plan.requests.forEach((queries, r) => queries.forEach((query) => {
        positions.push(batch.at(query.seq, query.pos));
        targets.push(query.target);
        assign[r * Q + q++] = 1;
      }));
      this.chunks.push({ batch, positions, targets, assign: tf.tensor2d(assign, [plan.requests.length, Q]), rows: chunkRows, prefix: new PrefixCache(model, batch) });
    }
  }

  /** log P(he), log P(she) per prompt of chunk c, running blocks from `from` (differentiable). */
  logProbs(c: number, from: number): { he: tf.Tensor1D; she: tf.Tensor1D } {
    const chunk = this.chunks[c];
    const hidden = chunk.prefix.get(from);
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
    for (const c of this.chunks) {
      c.batch.dispose();
      c.assign.dispose();
      c.prefix.dispose();
    }
    this.chunks.length = 0;
  }
}

/**
 * Held-out text for dev perplexity, packed once exactly as `perplexity()` packs it (same
 * windows, batches and order, so the same numbers), each batch with its cached prefix.
 */
export class TextSet {
  private readonly batches: { batch: TokenBatch; positions: number[]; targets: number[]; prefix: PrefixCache }[] = [];
  readonly tokens: number;

  constructor(readonly model: DecoderModel, texts: readonly string[], opts: PerplexityOptions = {}) {
    for (const { batch, positions, targets } of packPlan(model, planPerplexity(model, texts, opts), opts)) {
      this.batches.push({ batch, positions, targets, prefix: new PrefixCache(model, batch) });
    }
    this.tokens = this.batches.reduce((a, b) => a + b.targets.length, 0);
    if (this.tokens === 0) throw new LftfError('empty-text', 'no tokens to score in the dev texts (texts empty or one token long)');
  }

  /** Perplexity, running blocks from `from` on cached prefixes (no gradient). */
  perplexity(from: number): PerplexityResult {
    let total = 0;
    for (const { batch, positions, targets, prefix } of this.batches) {
      const hidden = prefix.get(from);
      const lp = tf.tidy(() => targetLogProbs(this.model.forward(batch, { fromBlock: from, hidden, positions }).logits as tf.Tensor2D, targets));
      for (const v of lp.dataSync()) total -= v;
      lp.dispose();
    }
    return { ppl: Math.exp(total / this.tokens), nll: total / this.tokens, tokens: this.tokens };
  }

  dispose(): void {
    for (const b of this.batches) {
      b.batch.dispose();
      b.prefix.dispose();
    }
    this.batches.length = 0;
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
  /** Which keep chunk (c mod nk) the chunk holds; -1 without keep text. */
  keepChunk: number;
  biasLogMass0?: tf.Tensor1D;
  hintLogMass0?: tf.Tensor1D;
  prefix: PrefixCache;
}

/**
 * The training data of one LFTF run, cut into fixed step chunks. Chunk c holds bias chunk
 * c mod nb, hint chunk c mod nh and keep chunk c mod nk as ONE packed batch, so a step is one
 * forward and one backward pass; step s uses chunk s mod N. The data a step sees is therefore a
 * function of the step number alone, and a resumed run sees the same data.
 */
export class TrainSet {
  readonly chunks: StepChunk[] = [];
  /** Chunks whose starting-model targets are recorded (0..recorded-1). */
  recorded = 0;
  /** log P0 at the keep positions [nKeep, V], per keep chunk: shared by the step chunks that
   *  hold it (a sequence's logits do not depend on what else is in its batch). */
  private keepLogP0: (tf.Tensor2D | undefined)[] = [];

  constructor(readonly model: DecoderModel, bias: readonly PromptRow[], hint: readonly PromptRow[], keepTexts: readonly string[],
    chunkSize: number, seed: number, pronouns = { male: 'he', female: 'she' }) {
    const biasChunks = shuffledChunks(bias, chunkSize, seed), hintChunks = shuffledChunks(hint, chunkSize, seed + 1);
    const keepSeqs = keepTexts.map((t) => model.tokenizer.encode(t).slice(0, model.config.maxPositions)).filter((x) => x.length > 1);
    const keepChunks = chunksOf(keepSeqs, chunkSize);
    if (!biasChunks.length || !hintChunks.length) throw new LftfError('empty-dataset', 'LFTF needs GenBiasEval and GenHintEval training prompts');
    const n = Math.max(biasChunks.length, hintChunks.length);
    for (let c = 0; c < n; c++) {
      const plan = (rows: PromptRow[]) => planContinuations(model.tokenizer, rows.flatMap((r) => [
        { context: r.prompt, continuation: ` ${pronouns.male}` }, { context: r.prompt, continuation: ` ${pronouns.female}` }]));
      const bRows = biasChunks[c % biasChunks.length], hRows = hintChunks[c % hintChunks.length];
      const bPlan = plan(bRows), hPlan = plan(hRows);
      const keep = keepChunks.length ? keepChunks[c % keepChunks.length] : [];
      const seqs = [...bPlan.seqs, ...hPlan.seqs, ...keep];
      const batch = model.makeBatch(seqs, { pack: true });
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
        keepChunk: keepChunks.length ? c % keepChunks.length : -1, hintIsMale: tf.tensor1d(hRows.map((r) => (r.hint === 'male' ? 1 : 0)), 'float32'), prefix: new PrefixCache(model, batch) });
    }
  }

  /** Logits at the chunk's positions, split into the bias, hint and keep parts. */
  private parts(c: number, from: number): { bias: tf.Tensor1D[]; hint: tf.Tensor1D[]; keepLogits: tf.Tensor2D | null } {
    const chunk = this.chunks[c];
    const hidden = chunk.prefix.get(from);
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

  /**
   * Record what the starting model gives: P0 for L_mass and the keep targets for L_keep, for the
   * chunks the first `steps` steps use (all chunks by default).
   */
  recordStart(steps = Infinity): void {
    this.recorded = Math.min(this.chunks.length, steps);
    this.disposeTargets();
    this.chunks.forEach((chunk, c) => {
      if (c >= this.recorded) return;
      const k = chunk.keepChunk;
      const [bm, hm, kp] = tf.tidy(() => {
        const p = this.parts(c, 0);
        return [
          tf.logSumExp(tf.stack(p.bias, 1), 1) as tf.Tensor1D,
          tf.logSumExp(tf.stack(p.hint, 1), 1) as tf.Tensor1D,
          ...(k >= 0 && !this.keepLogP0[k] ? [tf.logSoftmax(p.keepLogits!) as tf.Tensor2D] : []),
        ];
      });
      chunk.biasLogMass0 = tf.keep(bm);
      chunk.hintLogMass0 = tf.keep(hm);
      if (kp) this.keepLogP0[k] = tf.keep(kp as tf.Tensor2D);
    });
  }

  /** The four terms at `step`, running blocks from `from`: one forward pass. */
  loss(step: number, from: number, w: LossWeights): LossTerms {
    const c = step % this.chunks.length;
    const chunk = this.chunks[c];
    if (!chunk.biasLogMass0) {
      throw new LftfError('bad-call', `step ${step + 1} uses training chunk ${c}, whose starting-model targets were not recorded `
        + `(recorded for the first ${this.recorded} chunks): build the TuneContext with { steps: ${step + 1} } or more`, 'steps');
    }
    return tf.tidy(() => {
      const p = this.parts(c, from);
      const [bHe, bShe] = p.bias, [hHe, hShe] = p.hint;
      const fair = fairTerm(bHe, bShe);
      const hinted = tf.add(hHe.mul(chunk.hintIsMale), hShe.mul(tf.sub(1, chunk.hintIsMale)));
      const hMass = tf.logSumExp(tf.stack([hHe, hShe], 1), 1);
      const hint = tf.mean(tf.neg(hinted.sub(hMass))) as tf.Scalar;
      const bMass = tf.logSumExp(tf.stack([bHe, bShe], 1), 1);
      const mass = tf.mean(tf.concat([tf.square(bMass.sub(chunk.biasLogMass0!)), tf.square(hMass.sub(chunk.hintLogMass0!))])) as tf.Scalar;
      const logP0 = this.keepLogP0[chunk.keepChunk];
      const keep = (p.keepLogits && logP0
        ? tf.mean(tf.sum(tf.exp(logP0).mul(logP0.sub(tf.logSoftmax(p.keepLogits))), 1))
        : tf.scalar(0)) as tf.Scalar;
      const loss = fair.add(hint.mul(w.hint)).add(mass.mul(w.mass)).add(keep.mul(w.keep)) as tf.Scalar;
      return { loss, fair, hint, mass, keep };
    }) as unknown as LossTerms;
  }

  private disposeTargets(): void {
    for (const c of this.chunks) {
      tf.dispose([c.biasLogMass0, c.hintLogMass0].filter((x) => x !== undefined) as tf.Tensor[]);
      c.biasLogMass0 = c.hintLogMass0 = undefined;
    }
    tf.dispose(this.keepLogP0.filter((x) => x !== undefined) as tf.Tensor[]);
    this.keepLogP0 = [];
  }

  dispose(): void {
    this.disposeTargets();
    for (const c of this.chunks) {
      c.batch.dispose();
      tf.dispose([c.biasAssign, c.hintAssign, c.hintIsMale]);
      c.prefix.dispose();
    }
    this.chunks.length = 0;
  }
}
