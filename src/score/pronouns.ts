/**
 * P(" he" | prompt) and P(" she" | prompt) for GenBiasEval / GenHintEval rows (any pronoun pair),
 * by the chain rule over the model's own tokenization.
 */
import type { DecoderModel } from '../engine/model.js';
import type { DatasetRow } from '../data/build.js';
import type { ItemScore } from '../results.js';
import { continuationLogProbs, type EvalOptions } from './continuations.js';

/** What scoring needs of a GenBiasEval / GenHintEval row (a DatasetRow without its split). */
export type PromptRow = Omit<DatasetRow, 'split'>;

export interface PronounOptions extends EvalOptions {
  /** The pair compared (default he/she). Each word is scored as " " + word after the prompt. */
  pronouns?: { male: string; female: string };
}

export function scorePronouns(model: DecoderModel, rows: readonly PromptRow[], opts: PronounOptions = {}): ItemScore[] {
  const { male, female } = opts.pronouns ?? { male: 'he', female: 'she' };
  const requests = rows.flatMap((r) => [
    { context: r.prompt, continuation: ` ${male}` },
    { context: r.prompt, continuation: ` ${female}` },
  ]);
  const lp = continuationLogProbs(model, requests, opts);
  return rows.map((r, i) => ({
    id: r.id, dataset: r.dataset, profession: r.profession, template_id: r.template_id, scale: r.scale,
    prompt: r.prompt, hint: r.hint,
    p_he: Math.exp(lp[2 * i].logprob),
    p_she: Math.exp(lp[2 * i + 1].logprob),
  }));
}
