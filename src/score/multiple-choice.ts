/**
 * Multiple-choice accuracy on the engine: the log-likelihood of each continuation after its
 * context (lm-evaluation-harness conventions, see ../metrics/multiple-choice.ts), then acc and
 * acc_norm.
 */
import type { DecoderModel } from '../engine/model.js';
import { mcAccuracy, type MultipleChoiceAccuracy, type MultipleChoiceItem } from '../metrics/multiple-choice.js';
import { continuationLogProbs, type EvalOptions } from './continuations.js';

export function choiceLogLikelihoods(model: DecoderModel, items: readonly MultipleChoiceItem[], opts: EvalOptions = {}): number[][] {
  const requests = items.flatMap((it) => it.continuations.map((c) => ({ context: it.context, continuation: c })));
  const lp = continuationLogProbs(model, requests, opts);
  let k = 0;
  return items.map((it) => it.continuations.map(() => lp[k++].logprob));
}

export function scoreMultipleChoice(model: DecoderModel, items: readonly MultipleChoiceItem[], task: string, opts: EvalOptions = {}): MultipleChoiceAccuracy {
  return mcAccuracy(items, choiceLogLikelihoods(model, items, opts), task);
}
