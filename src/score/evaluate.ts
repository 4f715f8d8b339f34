/**
 * One call from a model and datasets to a ScoresResult: per-item pronoun probabilities on a
 * split, AFGB / UB / mass / signed / normalised AFGB with bootstrap CIs, per-profession and
 * per-scale breakdowns, and general ability (perplexity, multiple choice) where data is given.
 */
import type { DecoderModel } from '../engine/model.js';
import { PROFESSIONS } from '../data/professions.js';
import { filterSplit, type DatasetRow, type Split } from '../data/build.js';
import { biasMetrics, byProfession, byScale } from '../metrics/bias.js';
import type { MultipleChoiceItem } from '../metrics/multiple-choice.js';
import type { ItemScore, MultipleChoiceResult, ScoresResult } from '../results.js';
import type { Progress } from '../notebook/progress.js';
import { scoreMultipleChoice } from './multiple-choice.js';
import { perplexity } from './perplexity.js';
import { scorePronouns } from './pronouns.js';

export interface McTaskData {
  task: string;
  items: MultipleChoiceItem[];
}

export interface EvaluateOptions {
  split?: Split;
  /** Bootstrap resamples and seed for the CIs. */
  resamples?: number;
  seed?: number;
  pronouns?: { male: string; female: string };
  pplTexts?: readonly string[];
  mc?: readonly McTaskData[];
  batchSize?: number;
  backend?: string;
  progress?: (label: string, total: number) => Progress;
}

export interface Evaluation {
  result: ScoresResult;
  items: ItemScore[];
}

export function evaluate(model: DecoderModel, data: { genbias: readonly DatasetRow[]; genhint: readonly DatasetRow[] }, opts: EvaluateOptions = {}): Evaluation {
  const split = opts.split ?? 'test';
  const bias = filterSplit(data.genbias, split);
  const hint = filterSplit(data.genhint, split);
  const eopts = { batchSize: opts.batchSize, pronouns: opts.pronouns };
  const items = scorePronouns(model, [...bias, ...hint], { ...eopts, progress: opts.progress?.('scoring prompts', 0) });
  const biasItems = items.slice(0, bias.length);
  const hintItems = items.slice(bias.length);
  const metrics = biasMetrics(biasItems, hintItems, { resamples: opts.resamples, seed: opts.seed });
  const shares = new Map(PROFESSIONS.map((p) => [p.name, p.female_share]));
  const result: ScoresResult = {
    kind: 'scores',
    model: model.name,
    backend: opts.backend ?? '',
    split,
    metrics,
    by_profession: byProfession(biasItems, shares),
    by_scale: byScale(biasItems),
  };
  if (opts.pplTexts?.length) result.ppl = perplexity(model, opts.pplTexts, { batchSize: opts.batchSize }).ppl;
  if (opts.mc?.length) {
    result.mc = opts.mc.map((t): MultipleChoiceResult => {
      const r = scoreMultipleChoice(model, t.items, t.task, { batchSize: opts.batchSize });
      return { task: t.task, n: r.n, acc: r.acc, acc_norm: r.acc_norm };
    });
  }
  return { result, items };
}
