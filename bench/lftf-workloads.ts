/**
 * The LFTF workloads of the bench (our halves; the reference halves are in reference.py):
 *   W2 one LFTF training step on block b (b = 0, L/2, L-1),
 *   W3 exact BMI over all blocks (K steps + a dev evaluation per block),
 *   W4 the whole demo pipeline (runDemo) on the embedded model.
 * Both sides get the same rows, in the same step composition: plan() cuts the training data the
 * way TrainSet does (bias shuffled with `seed`, hint with `seed + 1`, keep texts in order, chunks
 * of 16) and sends the per-step composition to the reference; our side builds its TrainSet from
 * the flat lists and must land on the same chunks (the agreement check compares loss terms).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderModel } from '../src/engine/model.js';
import { rankBlocks } from '../src/lftf/locate.js';
import { chunksOf, DEFAULT_WEIGHTS, shuffledChunks, TrainSet, type LossWeights } from '../src/lftf/objective.js';
import { prepareData, runDemo, type DemoOptions } from '../src/lftf/pipeline.js';
import { TuneContext, type TuneData } from '../src/lftf/tune.js';
import type { PromptRow } from '../src/score/pronouns.js';
import { makeRng, randInt } from '../src/util/random.js';
import type { Agreement, ModelFacts, OursSession, Workload, WorkloadPlan } from './workloads.js';

const CHUNK = 16;
/** The 124M model: one LFTF step takes seconds on 2 cores, so its W2/W3 are in the full run only. */
const isBig = (model: ModelFacts): boolean => model.numBlocks * model.hiddenSize > 4096;
const bigFullOnly = (model: ModelFacts, quick: boolean): string | null =>
  quick && isBig(model) ? 'full run only (one step on this model takes seconds on 2 cores; --quick stays near a minute)' : null;
const LR = 5e-4;
const SEED = 0;

/** What both sides need of a prompt row. */
interface Prompt { prompt: string; hint: 'male' | 'female' | null; profession?: string }
interface StepData { bias: string[]; hint: [string, 'male' | 'female'][]; keep: string[] }

interface TrainInput {
  lr: number;
  weights: LossWeights;
  seed: number;
  chunkSize: number;
  /** Flat lists (ours builds its TrainSet from these) ... */
  bias: Prompt[];
  hint: Prompt[];
  keep: string[];
  /** ... and the per-step composition they give (the reference's batches), step s = chunk s mod N. */
  steps: StepData[];
}

const toRow = (p: Prompt, i: number, dataset: 'genbias' | 'genhint'): PromptRow => ({
  id: `bench/${dataset}/${i}`, dataset, profession: p.profession ?? '', template_id: '', scale: 'word', prompt: p.prompt, hint: p.hint,
});

/** TrainSet's chunking (src/lftf/objective.ts, the same helpers), replayed on plain rows. */
function composition(bias: Prompt[], hint: Prompt[], keep: readonly string[], chunkSize: number, seed: number, keepOk: (t: string) => boolean): StepData[] {
  const b = shuffledChunks(bias, chunkSize, seed), h = shuffledChunks(hint, chunkSize, seed + 1);
  const k = chunksOf(keep.filter(keepOk), chunkSize);
  const n = Math.max(b.length, h.length);
  return Array.from({ length: n }, (_, c) => ({
    bias: b[c % b.length].map((r) => r.prompt),
    hint: h[c % h.length].map((r) => [r.prompt, r.hint!] as [string, 'male' | 'female']),
    keep: k.length ? k[c % k.length] : [],
  }));
}

function trainInput(model: ModelFacts, bias: Prompt[], hint: Prompt[], keep: readonly string[]): TrainInput {
  const keepOk = (t: string) => model.keepTokens(t) > 1;
  return { lr: LR, weights: DEFAULT_WEIGHTS, seed: SEED, chunkSize: CHUNK, bias, hint, keep: [...keep], steps: composition(bias, hint, keep, CHUNK, SEED, keepOk) };
}

const asPrompt = (r: { prompt: string; hint: 'male' | 'female' | null; profession: string }): Prompt => ({ prompt: r.prompt, hint: r.hint, profession: r.profession });

/** Evenly strided pick of n rows (prepareData's cap). */
function stride<T>(rows: readonly T[], n: number): T[] {
  if (rows.length <= n) return [...rows];
  const s = rows.length / n;
  return Array.from({ length: n }, (_, i) => rows[Math.floor(i * s)]);
}

function relDiff(a: number[], b: number[]): number {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-6, Math.abs(b[i])));
  return Number.isNaN(m) ? Infinity : m;
}

// ---------------------------------------------------------------------------------------------
// W2: one LFTF step on block b.

interface StepInput extends TrainInput {
  block: number;
  stepsPerRun: number;
}

function blockAt(model: ModelFacts, where: 'first' | 'mid' | 'last'): number {
  return where === 'first' ? 0 : where === 'mid' ? Math.floor(model.numBlocks / 2) : model.numBlocks - 1;
}

/** Sizes of W2: chunks of training data, warm-up steps (one per chunk, so every prefix is cached), timed steps. */
export function stepSizes(model: ModelFacts, quick: boolean): { chunks: number; stepsPerRun: number; min: number; max: number; budgetMs: number } {
  if (isBig(model)) return { chunks: 1, stepsPerRun: 1, min: 2, max: 4, budgetMs: 40_000 };
  return quick ? { chunks: 2, stepsPerRun: 4, min: 2, max: 2, budgetMs: 0 } : { chunks: 2, stepsPerRun: 10, min: 5, max: 10, budgetMs: 10_000 };
}

function stepWorkload(where: 'first' | 'mid' | 'last'): Workload {
  return {
    id: `w2-step-${where}`,
    title: `W2 LFTF step, ${where === 'first' ? 'b=0' : where === 'mid' ? 'b=L/2' : 'b=L-1'}`,
    skip: bigFullOnly,
    plan(model, quick) {
      const z = stepSizes(model, quick);
      const { data } = prepareData({ seed: SEED });
      const n = z.chunks * CHUNK;
      const input: StepInput = {
        ...trainInput(model, stride(data.biasTrain, n).map(asPrompt), stride(data.hintTrain, n).map(asPrompt), data.keepTexts.slice(0, n)),
        block: blockAt(model, where), stepsPerRun: z.stepsPerRun,
      };
      return {
        input, items: z.stepsPerRun, unit: 'steps',
        // Warm-up: one step per chunk, so every chunk's frozen prefix is cached before timing.
        repeat: { warmup: Math.ceil(z.chunks / z.stepsPerRun), min: z.min, max: z.max, budgetMs: z.budgetMs },
        label: `block ${input.block}/${model.numBlocks}, ${z.stepsPerRun} step(s) per rep, each ${CHUNK} bias + ${CHUNK} hint prompts + ${CHUNK} keep texts, ${z.chunks} chunk(s), Adam lr ${LR}`,
        // Leak check: 100 more steps (quick: only on the cheapest block).
        soak: isBig(model) || (quick && where !== 'last') ? 0 : 100,
      } satisfies WorkloadPlan;
    },
    ours(model, raw) {
      const input = raw as StepInput;
      const train = new TrainSet(model, input.bias.map((p, i) => toRow(p, i, 'genbias')), input.hint.map((p, i) => toRow(p, i, 'genhint')),
        input.keep, input.chunkSize, input.seed);
      train.recordStart();
      const vars = model.blockVariables(input.block);
      const snap = vars.map((v) => tf.keep(v.clone()));
      const opt = tf.train.adam(input.lr) as tf.AdamOptimizer;
      let step = 0;
      // tuneBlocks' step (src/lftf/tune.ts): loss + variableGrads on the block's variables, the
      // four terms read back for the log, Adam.
      const one = (): number[] => {
        let terms: number[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const t = train.loss(step, input.block, input.weights);
          terms = [t.fair, t.hint, t.mass, t.keep].map((x) => x.dataSync()[0]);
          return t.loss;
        }, vars);
        const loss = value.dataSync()[0];
        opt.applyGradients(grads as tf.NamedTensorMap as never);
        tf.dispose([value, ...Object.values(grads)]);
        step++;
        return [loss, ...terms];
      };
      return {
        run() {
          const first = one();
          for (let i = 1; i < input.stepsPerRun; i++) one();
          return first;
        },
        summarize(terms) { return terms; },
        release() {},
        dispose() {
          vars.forEach((v, i) => v.assign(snap[i]));
          tf.dispose(snap);
          opt.dispose();
          train.dispose();
        },
      } satisfies OursSession<number[]>;
    },
    compare(ours, reference) {
      // The loss terms of the first timed step: both sides have taken the same warm-up steps.
      // Adam divides by sqrt(v): float32 differences in near-zero gradient entries give
      // different updates, so the sides drift apart a little with every step (1e-5..1e-3 seen).
      const value = relDiff(ours as number[], reference as number[]);
      return { metric: 'max rel Δ loss terms', value, tolerance: 1e-2, ok: value <= 1e-2 };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// W3: exact BMI over all blocks.

interface BmiInput extends TrainInput {
  K: number;
  devBias: Prompt[];
  devHint: Prompt[];
  devTexts: string[];
}

export function bmiSizes(model: ModelFacts, quick: boolean): { K: number; dev: number; devTexts: number } {
  if (isBig(model)) return { K: 5, dev: 32, devTexts: 8 };
  return quick ? { K: 1, dev: 16, devTexts: 8 } : { K: 5, dev: 128, devTexts: 56 };
}

function tuneData(input: BmiInput): TuneData {
  return {
    biasTrain: input.bias.map((p, i) => toRow(p, i, 'genbias')), hintTrain: input.hint.map((p, i) => toRow(p, i, 'genhint')),
    biasDev: input.devBias.map((p, i) => toRow(p, i, 'genbias')), hintDev: input.devHint.map((p, i) => toRow(p, i, 'genhint')),
    keepTexts: input.keep, devTexts: input.devTexts,
  };
}

export const bmiWorkload: Workload = {
  id: 'w3-bmi',
  title: 'W3 exact BMI, all blocks',
  skip: bigFullOnly,
  plan(model, quick) {
    const z = bmiSizes(model, quick);
    const { data } = prepareData({ seed: SEED });
    const n = z.K * CHUNK;
    const input: BmiInput = {
      ...trainInput(model, stride(data.biasTrain, n).map(asPrompt), stride(data.hintTrain, n).map(asPrompt), data.keepTexts),
      K: z.K, devBias: stride(data.biasDev, z.dev).map(asPrompt), devHint: stride(data.hintDev, z.dev).map(asPrompt),
      devTexts: data.devTexts.slice(0, z.devTexts),
    };
    return {
      input, items: model.numBlocks, unit: 'blocks',
      repeat: quick ? { warmup: 0, min: 1, max: 1, budgetMs: 0 } : { warmup: 0, min: 1, max: 2, budgetMs: 60_000 },
      label: `${model.numBlocks} blocks x (K=${z.K} steps + dev eval: ${z.dev} bias + ${z.dev} hint prompts, ${input.devTexts.length} ppl texts); ours = rankBlocks (also its two estimators)`,
    };
  },
  ours(model, raw) {
    const input = raw as BmiInput;
    // Set-up (both sides): the training chunks and the starting model's P0 targets.
    const ctx = new TuneContext(model, tuneData(input), input.chunkSize, input.seed);
    return {
      run() {
        const r = rankBlocks(ctx, { steps: input.K, lr: input.lr, weights: input.weights, seed: input.seed });
        return r.blocks.map((b) => b.score);
      },
      summarize(scores) { return scores; },
      release() {},
      dispose() { ctx.dispose(); },
    } satisfies OursSession<number[]>;
  },
  compare(ours, reference) {
    const a = ours as number[], b = reference as number[];
    const value = a.length === b.length ? Math.max(...a.map((x, i) => Math.abs(x - b[i]))) : Infinity;
    return { metric: 'max |Δ BMI|', value, tolerance: 0.02, ok: value <= 0.02 };
  },
};

// ---------------------------------------------------------------------------------------------
// W4: the demo pipeline on the embedded model.

interface DemoInput {
  options: DemoOptions;
  /** What the reference pipeline needs, prepared here exactly as runDemo prepares it. */
  lr: number;
  weights: LossWeights;
  bmiSteps: number;
  tuneSteps: number;
  evalEvery: number;
  ubTolerance: number;
  pplTolerance: number;
  baselines: boolean;
  randomBlocks: number[];
  steps: StepData[];
  devBias: Prompt[];
  devHint: Prompt[];
  devTexts: string[];
  testBias: Prompt[];
  testHint: Prompt[];
  testTexts: string[];
  mc: { context: string; continuations: string[]; choices: string[]; gold: number }[];
  resamples: number;
}

export const demoWorkload: Workload = {
  id: 'w4-demo',
  title: 'W4 demo pipeline',
  skip(model, quick) {
    if (model.name !== 'bias-lab') return 'the demo pipeline is benchmarked on the embedded model only';
    return quick ? 'full run only (runDemo scores the whole test split and probe set twice or more: minutes)' : null;
  },
  plan(model) {
    // runDemo's defaults (full run only). A smaller budget would go here and into the label.
    const options: DemoOptions = {};
    const bmiSteps = options.bmiSteps ?? 5, tuneSteps = options.tuneSteps ?? 40;
    const { ds, data, testTexts, mcItems } = prepareData({ seed: SEED, ...options });
    const rng = makeRng(SEED);
    const randomBlocks = Array.from({ length: options.baselines === false ? 0 : options.randomSeeds ?? 3 }, () => randInt(rng, model.numBlocks));
    const steps = trainInput(model, data.biasTrain.map(asPrompt), data.hintTrain.map(asPrompt), data.keepTexts).steps.slice(0, Math.max(bmiSteps, tuneSteps));
    const test = (rows: typeof ds.genbias) => rows.filter((r) => r.split === 'test').map(asPrompt);
    const input: DemoInput = {
      options, lr: LR, weights: DEFAULT_WEIGHTS, bmiSteps, tuneSteps, evalEvery: options.tune?.evalEvery ?? Math.max(1, Math.floor(tuneSteps / 4)),
      ubTolerance: 0.1, pplTolerance: 0.05, baselines: options.baselines ?? true, randomBlocks, steps,
      devBias: data.biasDev.map(asPrompt), devHint: data.hintDev.map(asPrompt), devTexts: [...data.devTexts],
      testBias: test(ds.genbias), testHint: test(ds.genhint), testTexts,
      mc: mcItems.map((m) => ({ context: m.context, continuations: m.continuations, choices: m.choices, gold: m.gold })),
      resamples: 200,
    };
    return {
      input, items: 1, unit: 'runs',
      repeat: { warmup: 0, min: 1, max: 1, budgetMs: 0 },
      label: `runDemo defaults: K=${bmiSteps}, ${tuneSteps} tune steps (dev eval every ${input.evalEvery}), all train/dev prompts (${data.biasDev.length}+${data.hintDev.length} dev), baselines all/last/lowest/3 random`,
    };
  },
  ours(model, raw) {
    const input = raw as DemoInput;
    const vars = model.allVariables();
    const original = vars.map((v) => tf.keep(v.clone()));
    return {
      run() {
        const s = runDemo(model, input.options);
        return [s.top_block, s.before.afgb, s.after.afgb];
      },
      summarize(r) { return r; },
      // runDemo leaves the model tuned: put the original weights back between repetitions.
      release() { vars.forEach((v, i) => v.assign(original[i])); },
      dispose() { tf.dispose(original); },
    } satisfies OursSession<number[]>;
  },
  compare(ours, reference) {
    const a = ours as number[], b = reference as number[];
    const sameTop = a[0] === b[0];
    const value = sameTop ? Math.max(Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2])) : Infinity;
    return { metric: 'top block same, max |Δ AFGB before/after|', value, tolerance: 0.01, ok: value <= 0.01 } satisfies Agreement;
  },
};

export const LFTF_WORKLOADS: readonly Workload[] = [stepWorkload('first'), stepWorkload('mid'), stepWorkload('last'), bmiWorkload, demoWorkload];
