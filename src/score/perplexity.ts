/**
 * Perplexity of held-out text, with the sliding window of the transformers docs: windows of
 * `window` tokens advance by `stride`; each token is scored once, with as much left context as
 * the window allows. The first token of a text has no prediction and is not scored.
 */
import { LftfError } from '../errors.js';
import type { DecoderModel } from '../engine/model.js';
import { evaluatePlan, type ContinuationPlan, type EvalOptions, type TokenQuery } from './continuations.js';

export interface PerplexityOptions extends EvalOptions {
  /** Tokens per window (default: the model's positions, at most 1024). */
  window?: number;
  /** Tokens the window advances by (default window / 2). */
  stride?: number;
}

export interface PerplexityResult {
  ppl: number;
  /** Mean negative log-likelihood per scored token (nats). */
  nll: number;
  tokens: number;
}

export function planPerplexity(model: DecoderModel, texts: readonly string[], opts: PerplexityOptions = {}): ContinuationPlan {
  const window = opts.window ?? Math.min(model.config.maxPositions, 1024);
  const stride = opts.stride ?? Math.max(1, Math.floor(window / 2));
  if (window < 2 || window > model.config.maxPositions) throw new LftfError('bad-option', `window must be in 2..${model.config.maxPositions}, got ${window}`, 'window');
  if (stride < 1 || stride > window) throw new LftfError('bad-option', `stride must be in 1..window, got ${stride}`, 'stride');
  const seqs: number[][] = [];
  const requests: TokenQuery[][] = [];
  for (const text of texts) {
    const ids = model.tokenizer.encode(text);
    let prevEnd = 0;
    for (let begin = 0; begin < ids.length; begin += stride) {
      const end = Math.min(begin + window, ids.length);
      const from = Math.max(prevEnd, begin + 1);
      if (from < end) {
        const s = seqs.length;
        seqs.push(ids.slice(begin, end - 1));
        const queries: TokenQuery[] = [];
        for (let t = from; t < end; t++) queries.push({ seq: s, pos: t - 1 - begin, target: ids[t] });
        requests.push(queries);
      }
      prevEnd = end;
      if (end === ids.length) break;
    }
  }
  return { seqs, requests };
}

export function perplexity(model: DecoderModel, texts: readonly string[], opts: PerplexityOptions = {}): PerplexityResult {
  const plan = planPerplexity(model, texts, opts);
  const scored = evaluatePlan(model, plan, opts);
  let total = 0;
  let count = 0;
  for (const r of scored) {
    total -= r.logprob;
    count += r.tokens.length;
  }
  if (count === 0) throw new LftfError('empty-text', 'no tokens to score (texts empty or one token long)');
  return { ppl: Math.exp(total / count), nll: total / count, tokens: count };
}
