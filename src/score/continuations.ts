/**
 * log P(continuation | context) under a model's own tokenization, by the chain rule, so
 * multi-token continuations are exact. This one planner serves pronoun scoring (" he" after a
 * prompt), multiple choice (lm-evaluation-harness style) and the LFTF training loss.
 *
 * Tokenization follows lm-evaluation-harness: trailing spaces of the context move to the
 * continuation; the context is encoded alone and with the continuation, and the continuation's
 * tokens are those after the shared prefix. When the context encodes to no tokens, the model's
 * BOS (else EOS) token stands in front, as the harness does.
 *
 * Work is planned as a set of distinct token sequences (the whole text minus its last token) and,
 * for each request, the positions whose logits predict each continuation token. Requests with the
 * same sequence share one run: " he" and " she" after the same prompt cost one forward pass when
 * both are single tokens.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LftfError } from '../errors.js';
import { firstFit, type DecoderModel, type TokenBatch } from '../engine/model.js';
import { oneHotFloat } from '../engine/layers.js';
import type { TextTokenizer } from '../engine/tokenizer.js';
import type { Progress } from '../notebook/progress.js';

export interface ContinuationRequest {
  context: string;
  continuation: string;
}

export interface TokenQuery {
  /** Index into plan.seqs. */
  seq: number;
  /** Position whose logits predict `target`. */
  pos: number;
  target: number;
}

export interface ContinuationPlan {
  /** Distinct token sequences to run. */
  seqs: number[][];
  /** Per request, its continuation tokens as queries. */
  requests: TokenQuery[][];
}

function commonPrefix(a: number[], b: number[]): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
}

/** Plan the forward passes for a list of (context, continuation) requests. */
export function planContinuations(tokenizer: TextTokenizer, requests: ContinuationRequest[]): ContinuationPlan {
  const seqs: number[][] = [];
  const seqIndex = new Map<string, number>();
  const ctxCache = new Map<string, number[]>();
  const prefixToken = tokenizer.bosId ?? tokenizer.eosId ?? 0;
  const plan: TokenQuery[][] = [];
  for (const r of requests) {
    let context = r.context;
    let continuation = r.continuation;
    const trimmed = context.replace(/ +$/, '');
    if (trimmed.length !== context.length) {
      continuation = context.slice(trimmed.length) + continuation;
      context = trimmed;
    }
    if (continuation.length === 0) throw new LftfError('bad-request', `empty continuation after context ${JSON.stringify(r.context)}`);
    let ctx = ctxCache.get(context);
    if (!ctx) {
      ctx = context.length ? tokenizer.encode(context) : [];
      ctxCache.set(context, ctx);
    }
    let whole = tokenizer.encode(context + continuation);
    let k = commonPrefix(ctx, whole);
    if (k === 0) {
      whole = [prefixToken, ...whole];
      k = 1;
    }
    if (k >= whole.length) throw new LftfError('bad-request', `continuation ${JSON.stringify(r.continuation)} encodes to no tokens after its context`);
    const input = whole.slice(0, -1);
    const key = input.join(',');
    let s = seqIndex.get(key);
    if (s === undefined) {
      s = seqs.length;
      seqs.push(input);
      seqIndex.set(key, s);
    }
    const queries: TokenQuery[] = [];
    for (let j = k; j < whole.length; j++) queries.push({ seq: s, pos: j - 1, target: whole[j] });
    plan.push(queries);
  }
  return { seqs, requests: plan };
}

/** log softmax(logits)[target] per row, differentiable on every backend. logits [N,V]. */
export function targetLogProbs(logits: tf.Tensor2D, targets: number[]): tf.Tensor1D {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const oneHot = oneHotFloat(tf.tensor1d(targets, 'int32'), logits.shape[1]);
    return tf.sum(logp.mul(oneHot), 1) as tf.Tensor1D;
  });
}

export interface EvalOptions {
  /** Most rows in one forward pass (short sequences share rows). */
  batchSize?: number;
  /** Most token slots (rows x length) in one forward pass. */
  maxBatchTokens?: number;
  progress?: Progress;
}

/** One forward pass of a plan: which sequences it runs and where each query's logits are. */
export interface PlanBatch {
  batch: TokenBatch;
  /** Flat positions (batch.at) whose logits predict `targets`. */
  positions: number[];
  targets: number[];
  /** For each position: request and query index in the plan. */
  owners: { req: number; q: number }[];
}

/**
 * Cut a plan into forward passes. Sequences go longest first; each pass packs them into rows of
 * its longest sequence's length (first fit: short sequences share a row, see TokenBatch), with at
 * most `batchSize` rows and `maxBatchTokens` slots (rows x length). Batches are made as they are
 * iterated (the caller disposes each).
 */
export function* packPlan(model: DecoderModel, plan: ContinuationPlan, opts: EvalOptions = {}): Generator<PlanBatch> {
  const batchSize = opts.batchSize ?? 32;
  const maxTokens = opts.maxBatchTokens ?? 8192;
  const bySeq = new Map<number, { req: number; q: number; query: TokenQuery }[]>();
  plan.requests.forEach((qs, req) => qs.forEach((query, q) => {
    let list = bySeq.get(query.seq);
    if (!list) bySeq.set(query.seq, (list = []));
    list.push({ req, q, query });
  }));
  const len = (s: number) => plan.seqs[s].length;
  const order = [...bySeq.keys()].sort((a, b) => len(b) - len(a) || a - b);
  for (let i = 0; i < order.length;) {
    const T = len(order[i]);
    const maxRows = Math.min(batchSize, Math.floor(Math.max(maxTokens, T) / T));
    const placed = firstFit(order.slice(i, i + maxRows * T).map(len), T, maxRows).length;
    const chunk = order.slice(i, i + placed);
    i += placed;
    // TokenBatch packs them with the same first fit, in the same order.
    const batch = model.makeBatch(chunk.map((s) => plan.seqs[s]), { pack: true });
    const positions: number[] = [];
    const targets: number[] = [];
    const owners: { req: number; q: number }[] = [];
    chunk.forEach((s, b) => {
      for (const { req, q, query } of bySeq.get(s)!) {
        positions.push(batch.at(b, query.pos));
        targets.push(query.target);
        owners.push({ req, q });
      }
    });
    yield { batch, positions, targets, owners };
  }
}

/**
 * Run a plan without gradients: returns, per request, the summed log-probability and the
 * per-token log-probabilities.
 */
export function evaluatePlan(model: DecoderModel, plan: ContinuationPlan, opts: EvalOptions = {}): { logprob: number; tokens: number[] }[] {
  const tokenLp = plan.requests.map((qs) => new Array<number>(qs.length).fill(NaN));
  opts.progress?.start(new Set(plan.requests.flatMap((qs) => qs.map((x) => x.seq))).size);
  for (const { batch, positions, targets, owners } of packPlan(model, plan, opts)) {
    const values = tf.tidy(() => {
      const { logits } = model.forward(batch, { positions });
      return targetLogProbs(logits as tf.Tensor2D, targets);
    });
    const lp = values.dataSync();
    values.dispose();
    batch.dispose();
    owners.forEach(({ req, q }, n) => { tokenLp[req][q] = lp[n]; });
    opts.progress?.tick(batch.seqs.length);
  }
  opts.progress?.done();
  return tokenLp.map((tokens) => ({ logprob: tokens.reduce((a, b) => a + b, 0), tokens }));
}

/** log P(continuation | context) for each request. */
export function continuationLogProbs(model: DecoderModel, requests: ContinuationRequest[], opts: EvalOptions = {}): { logprob: number; tokens: number[] }[] {
  return evaluatePlan(model, planContinuations(model.tokenizer, requests), opts);
}
