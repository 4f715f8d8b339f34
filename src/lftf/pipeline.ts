/**
 * The main job, end to end: build data -> evaluate -> locate (BMI) -> tune the top block ->
 * re-evaluate -> baselines on the same loss and budget -> summary.json + report.html.
 * Every budget, weight and tolerance is an option (defaults sized for the embedded model).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderModel } from '../engine/model.js';
import { buildDatasets, filterSplit } from '../data/build.js';
import { heldOutText, probeSet } from '../corpus/world.js';
import { genericToItem, type MultipleChoiceItem } from '../metrics/multiple-choice.js';
import { evaluate } from '../score/evaluate.js';
import type { Progress } from '../notebook/progress.js';
import type { BmiResult, ComparisonResult, ComparisonRow, GeneralMetrics, ScoresResult, TuningRunResult } from '../results.js';
import { makeRng, randInt } from '../util/random.js';
import { ensureDir, writeFileAtomic } from '../util/fs-atomic.js';
import { rankBlocks } from './locate.js';
import { restoreBlocks, snapshotBlocks, TuneContext, tuneBlocks, type TuneData, type TuneOptions } from './tune.js';
import { renderReport } from './report.js';

export interface DemoOptions {
  seed?: number;
  /** Steps per exact-BMI trial (K). */
  bmiSteps?: number;
  /** Steps for the chosen block and every baseline. */
  tuneSteps?: number;
  lr?: number;
  batchSize?: number;
  /** Caps on prompts used for training and dev scoring (budget). */
  maxTrainPrompts?: number;
  maxDevPrompts?: number;
  randomSeeds?: number;
  baselines?: boolean;
  tune?: TuneOptions;
  outDir?: string;
  backend?: string;
  progressFor?: (label: string, total: number) => Progress;
  log?: (line: string) => void;
}

export interface DemoSummary {
  model: string;
  backend: string;
  seed: number;
  before: GeneralMetrics;
  after: GeneralMetrics;
  bmi: BmiResult['blocks'];
  rho: BmiResult['rho'];
  top_block: number;
  tuning: TuningRunResult;
  baselines: ComparisonRow[];
  /** Test-split bias per profession before and after LFTF (signed = mean P(he) - P(she)). */
  by_profession: { profession: string; female_share: number | null; before_signed: number; after_signed: number; before_afgb: number; after_afgb: number }[];
  timings: Record<string, number>;
}

export interface PreparedData {
  ds: ReturnType<typeof buildDatasets>;
  data: TuneData;
  testTexts: string[];
  mcItems: MultipleChoiceItem[];
}

/**
 * Datasets and general-ability text for locate / tune / demo: GenBiasEval and GenHintEval (train
 * and dev, optionally capped by an even stride), and the built-in general text cut in three
 * (L_keep targets, dev perplexity, test perplexity) plus the multiple-choice probe set.
 */
export function prepareData(opts: { seed?: number; maxTrainPrompts?: number; maxDevPrompts?: number } = {}): PreparedData {
  const seed = opts.seed ?? 0;
  const ds = buildDatasets({ seed });
  const lines = heldOutText(seed).split('\n').filter(Boolean);
  const third = Math.floor(lines.length / 3);
  const cap = <T>(rows: T[], n: number | undefined) => {
    if (!n || rows.length <= n) return rows;
    const stride = rows.length / n;
    return Array.from({ length: n }, (_, i) => rows[Math.floor(i * stride)]);
  };
  return {
    ds,
    data: {
      biasTrain: cap(filterSplit(ds.genbias, 'train'), opts.maxTrainPrompts),
      hintTrain: cap(filterSplit(ds.genhint, 'train'), opts.maxTrainPrompts),
      biasDev: cap(filterSplit(ds.genbias, 'dev'), opts.maxDevPrompts),
      hintDev: cap(filterSplit(ds.genhint, 'dev'), opts.maxDevPrompts),
      keepTexts: lines.slice(0, third),
      devTexts: lines.slice(third, 2 * third),
    },
    testTexts: lines.slice(2 * third),
    mcItems: probeSet(seed).map((p, i) => genericToItem(p as never, `probe[${i}]`)),
  };
}

export function generalMetrics(model: DecoderModel, ds: ReturnType<typeof buildDatasets>, testTexts: string[], mcItems: MultipleChoiceItem[], opts: { seed?: number } = {}): GeneralMetrics & { scores: ScoresResult } {
  const { result } = evaluate(model, ds, { split: 'test', pplTexts: testTexts, mc: [{ task: 'probe', items: mcItems }], batchSize: 64, resamples: 200, seed: opts.seed });
  return { afgb: result.metrics.afgb.value, ub: result.metrics.ub.value, mass: result.metrics.mass.value, ppl: result.ppl!, mc: result.mc![0].acc, scores: result };
}

const plain = ({ afgb, ub, mass, ppl, mc }: GeneralMetrics): GeneralMetrics => ({ afgb, ub, mass, ppl, mc });

export function runDemo(model: DecoderModel, opts: DemoOptions = {}): DemoSummary {
  const seed = opts.seed ?? 0;
  const log = opts.log ?? (() => {});
  const timings: Record<string, number> = {};
  const clock = (name: string, t0: number) => { timings[name] = (Date.now() - t0) / 1000; };
  let t = Date.now();
  const { ds, data, testTexts, mcItems } = prepareData(opts);
  const rng = makeRng(seed);
  clock('data', t);

  t = Date.now();
  const beforeFull = generalMetrics(model, ds, testTexts, mcItems, opts);
  const before = plain(beforeFull);
  clock('eval_before', t);
  log(`before: AFGB ${before.afgb.toFixed(4)}  UB ${before.ub.toFixed(4)}  mass ${before.mass.toFixed(4)}  ppl ${before.ppl.toFixed(3)}  mc ${before.mc.toFixed(3)}`);

  t = Date.now();
  const tuneSteps = opts.tuneSteps ?? 40;
  const bmiSteps = opts.bmiSteps ?? 5;
  // Starting-model targets only for the training chunks these runs reach.
  const ctx = new TuneContext(model, data, opts.batchSize ?? 16, seed, { steps: Math.max(tuneSteps, bmiSteps) });
  const tuneOpts: TuneOptions = { lr: opts.lr ?? 5e-4, seed, ...opts.tune };
  const original = snapshotBlocks(model, [...Array(model.numBlocks).keys()]);
  // Every run below starts from these weights: score their dev metrics once.
  const startDev = ctx.devMetrics(0);
  clock('prepare', t);

  t = Date.now();
  const bmi = rankBlocks(ctx, { ...tuneOpts, start: startDev, steps: bmiSteps, progressFor: opts.progressFor });
  clock('locate', t);
  log(`BMI: ${bmi.blocks.map((b) => `${b.block}:${b.score.toFixed(3)}`).join('  ')}  top block ${bmi.top_block}  rho(first-order) ${bmi.rho.first_order.toFixed(3)}  rho(hidden) ${bmi.rho.hidden_influence.toFixed(3)}`);

  // Same blocks, loss, budget and seed give the same numbers: a repeated configuration (say the
  // random block equals the top block) reuses the earlier run instead of training again.
  const done = new Map<string, { row: ComparisonRow; run: TuningRunResult }>();
  let afterScores: ScoresResult | undefined;
  const runOne = (label: string, blocks: number[]): { row: ComparisonRow; run: TuningRunResult } => {
    const key = JSON.stringify([...blocks].sort((a, b) => a - b));
    const prev = done.get(key);
    if (prev) return { row: { ...prev.row, method: label, reused_from: prev.row.method }, run: prev.run };
    const result = trainAndScore(label, blocks);
    done.set(key, result);
    return result;
  };
  const trainAndScore = (label: string, blocks: number[]): { row: ComparisonRow; run: TuningRunResult } => {
    restoreBlocks(model, [...Array(model.numBlocks).keys()], original);
    const t1 = Date.now();
    const run = tuneBlocks(ctx, blocks, { ...tuneOpts, start: startDev, steps: tuneSteps, progress: opts.progressFor?.(`tune ${label}`, tuneSteps),
      runDir: opts.outDir && label === 'lftf' ? join(opts.outDir, 'run') : undefined, checkpointEvery: opts.outDir ? 20 : undefined });
    const wall = (Date.now() - t1) / 1000;
    const afterFull = generalMetrics(model, ds, testTexts, mcItems, opts);
    if (label === 'lftf') afterScores = afterFull.scores;
    return { row: { method: label, blocks, before, after: plain(afterFull), trainable_params: run.trainable_params, wall_s: wall }, run };
  };

  t = Date.now();
  const main = runOne('lftf', [bmi.top_block]);
  clock('tune', t);
  const after = main.row.after;
  const tunedWeights = snapshotBlocks(model, [...Array(model.numBlocks).keys()]);
  log(`after:  AFGB ${after.afgb.toFixed(4)}  UB ${after.ub.toFixed(4)}  mass ${after.mass.toFixed(4)}  ppl ${after.ppl.toFixed(3)}  mc ${after.mc.toFixed(3)}`);

  const baselines: ComparisonRow[] = [main.row];
  if (opts.baselines ?? true) {
    t = Date.now();
    const L = model.numBlocks;
    const lowest = [...bmi.blocks].sort((a, b) => a.score - b.score || a.block - b.block)[0].block;
    const configs: [string, number[]][] = [['all blocks', [...Array(L).keys()]], ['last block', [L - 1]], ['lowest-BMI block', [lowest]]];
    for (let s = 0; s < (opts.randomSeeds ?? 3); s++) configs.push([`random block (seed ${s})`, [randInt(rng, L)]]);
    for (const [label, blocks] of configs) {
      baselines.push(runOne(label, blocks).row);
      log(`baseline ${label} [${blocks}]: AFGB ${baselines.at(-1)!.after.afgb.toFixed(4)}`);
    }
    clock('baselines', t);
  }
  // Leave the model as LFTF tuned it.
  restoreBlocks(model, [...Array(model.numBlocks).keys()], tunedWeights);
  tf.dispose([...original, ...tunedWeights]);
  ctx.dispose();

  const summary: DemoSummary = {
    model: model.name, backend: opts.backend ?? tf.getBackend(), seed, before, after,
    bmi: bmi.blocks, rho: bmi.rho, top_block: bmi.top_block, tuning: main.run, baselines,
    by_profession: beforeFull.scores.by_profession.map((b) => {
      const a = afterScores!.by_profession.find((x) => x.profession === b.profession)!;
      return { profession: b.profession, female_share: b.female_share, before_signed: b.signed, after_signed: a.signed, before_afgb: b.afgb, after_afgb: a.afgb };
    }),
    timings,
  };
  if (opts.outDir) {
    ensureDir(opts.outDir, 'cannot create the output folder');
    writeFileAtomic(join(opts.outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    const comparison: ComparisonResult = { kind: 'comparison', model: model.name, rows: baselines };
    writeFileAtomic(join(opts.outDir, 'report.html'), renderReport(summary, { kind: 'bmi', model: model.name, blocks: bmi.blocks, rho: bmi.rho, top_block: bmi.top_block }, main.run, comparison));
  }
  return summary;
}
