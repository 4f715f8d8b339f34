/**
 * Fine-tune only the chosen blocks with the LFTF loss. Every other weight is never differentiated
 * and stays bit-identical. Every `evalEvery` steps the dev set is scored; the kept weights are the
 * best dev AFGB among evaluations whose dev UB and perplexity stay within tolerance of the start.
 * With `runDir`, checkpoints (block weights + Adam state + step) are written atomically every
 * `checkpointEvery` steps and `resume` continues from the last one with identical numbers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { LftfError } from '../errors.js';
import type { DecoderModel } from '../engine/model.js';
import { readSafetensors, tensorToFloat32, writeSafetensors } from '../engine/safetensors.js';
import { afgbScore, ubScore } from '../metrics/bias.js';
import type { Progress } from '../notebook/progress.js';
import type { LossStep, TuningRunResult } from '../results.js';
import type { PromptRow } from '../score/pronouns.js';
import { ensureDir, writeFileAtomic } from '../util/fs-atomic.js';
import { DEFAULT_WEIGHTS, PromptSet, TextSet, TrainSet, type LossWeights } from './objective.js';

export interface TuneData {
  biasTrain: readonly PromptRow[];
  hintTrain: readonly PromptRow[];
  biasDev: readonly PromptRow[];
  hintDev: readonly PromptRow[];
  /** General text: L_keep targets. */
  keepTexts: readonly string[];
  /** Held-out general text: dev perplexity. */
  devTexts: readonly string[];
}

export interface TuneOptions {
  steps?: number;
  lr?: number;
  batchSize?: number;
  weights?: Partial<LossWeights>;
  seed?: number;
  /** Score dev every N steps (and at the end); 0 = only at the end. */
  evalEvery?: number;
  /** Kept checkpoints need dev UB >= (1 - ubTolerance) * start UB ... */
  ubTolerance?: number;
  /** ... and dev perplexity <= (1 + pplTolerance) * start perplexity. */
  pplTolerance?: number;
  /** Keep the best checkpoint (default) or the last weights. */
  select?: 'best' | 'last';
  runDir?: string;
  checkpointEvery?: number;
  resume?: boolean;
  progress?: Progress;
  /** Checked between steps: return true to stop early (weights so far are kept, saved if runDir). */
  shouldStop?: () => boolean;
  /** Dev metrics of the starting weights, when the caller already has them (BMI trials and
   *  baselines all start from the same weights): saves one dev evaluation per run. */
  start?: DevMetrics;
  /** Called after each checkpoint with the steps so far (e.g. to write metrics files). */
  onCheckpoint?: (steps: LossStep[]) => void;
}

export interface DevMetrics {
  afgb: number;
  ub: number;
  ppl: number;
}

/** Prepared sets for one model: build once, reuse across trials (prefix caches follow `from`). */
export class TuneContext {
  readonly train: TrainSet;
  readonly devBias: PromptSet;
  readonly devHint: PromptSet;
  readonly devText: TextSet;

  /**
   * `steps`: the most steps any run on this context will take. The starting model's targets are
   * recorded for the training chunks those steps use (default: every chunk); a run that needs an
   * unrecorded chunk stops with an error that says so.
   */
  constructor(readonly model: DecoderModel, readonly data: TuneData, readonly batchSize = 16, readonly seed = 0, opts: { steps?: number } = {}) {
    this.train = new TrainSet(model, data.biasTrain, data.hintTrain, data.keepTexts, batchSize, seed);
    this.devBias = new PromptSet(model, data.biasDev, 64, seed + 2);
    this.devHint = new PromptSet(model, data.hintDev, 64, seed + 3);
    this.devText = new TextSet(model, data.devTexts);
    // The starting model's pronoun mass and next-token distributions: L_mass and L_keep targets.
    this.train.recordStart(opts.steps);
  }

  devMetrics(from = 0): DevMetrics {
    const toItems = (ps: ReturnType<PromptSet['probabilities']>) => ps.map(({ row, p_he, p_she }) => ({ ...row, p_he, p_she }));
    const bias = toItems(this.devBias.probabilities(from));
    const hint = toItems(this.devHint.probabilities(from));
    return { afgb: afgbScore(bias), ub: ubScore(hint), ppl: this.devText.perplexity(from).ppl };
  }

  dispose(): void {
    for (const s of [this.train, this.devBias, this.devHint, this.devText]) s.dispose();
  }
}

export function snapshotBlocks(model: DecoderModel, blocks: readonly number[]): tf.Tensor[] {
  return blocks.flatMap((b) => model.blockVariables(b)).map((v) => tf.keep(v.clone()));
}

export function restoreBlocks(model: DecoderModel, blocks: readonly number[], snapshot: tf.Tensor[]): void {
  blocks.flatMap((b) => model.blockVariables(b)).forEach((v, i) => v.assign(snapshot[i]));
}

function checkpointPaths(runDir: string) {
  return { weights: join(runDir, 'checkpoint.safetensors'), state: join(runDir, 'checkpoint.json') };
}

// Adam's moment slots are not public in tfjs 4.22; these casts read them (and the resume path
// writes them) so a resumed run continues with exactly the optimiser state it had.
function saveCheckpoint(runDir: string, model: DecoderModel, blocks: readonly number[], opt: tf.AdamOptimizer, state: object, bestWeights: tf.Tensor[] | null): void {
  const vars = blocks.flatMap((b) => model.blockVariables(b));
  const optWeights = (opt as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[] });
  const tensors = vars.map((v, i) => ({ name: `param.${i}`, shape: v.shape, data: v.dataSync() as Float32Array }));
  optWeights.accumulatedFirstMoment.forEach((m, i) => tensors.push({ name: `adam_m.${i}`, shape: m.variable.shape, data: m.variable.dataSync() as Float32Array }));
  optWeights.accumulatedSecondMoment.forEach((m, i) => tensors.push({ name: `adam_v.${i}`, shape: m.variable.shape, data: m.variable.dataSync() as Float32Array }));
  // Adam's bias-correction accumulators (beta^t, multiplied in float32): saved exactly.
  const acc = opt as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  tensors.push({ name: 'adam_acc_beta1', shape: [], data: acc.accBeta1.dataSync() as Float32Array });
  tensors.push({ name: 'adam_acc_beta2', shape: [], data: acc.accBeta2.dataSync() as Float32Array });
  bestWeights?.forEach((b, i) => tensors.push({ name: `best.${i}`, shape: b.shape, data: b.dataSync() as Float32Array }));
  // One file holds weights, optimiser and state, so one atomic rename commits them together.
  // checkpoint.json is a readable mirror, never read back.
  writeSafetensors(checkpointPaths(runDir).weights, tensors, { format: 'lftf-checkpoint', state: JSON.stringify(state) });
  writeFileAtomic(checkpointPaths(runDir).state, JSON.stringify(state, null, 2) + '\n');
}

interface CheckpointState {
  step: number;
  blocks: number[];
  steps: LossStep[];
  best: { step: number; afgb: number } | null;
  start: DevMetrics;
}

export function tuneBlocks(ctx: TuneContext, blocks: number[], opts: TuneOptions = {}): TuningRunResult & { start: DevMetrics; final: DevMetrics } {
  const model = ctx.model;
  const steps = opts.steps ?? 60;
  const w = { ...DEFAULT_WEIGHTS, ...opts.weights };
  const evalEvery = opts.evalEvery ?? Math.max(1, Math.floor(steps / 4));
  const ubTol = opts.ubTolerance ?? 0.1;
  const pplTol = opts.pplTolerance ?? 0.05;
  if (blocks.length === 0) throw new LftfError('bad-option', 'no block to tune', 'blocks');
  const sorted = [...new Set(blocks)].sort((a, b) => a - b);
  const from = sorted[0];
  const vars = sorted.flatMap((b) => model.blockVariables(b));
  const trainable = vars.reduce((a, v) => a + v.size, 0);
  const t0 = Date.now();

  const opt = tf.train.adam(opts.lr ?? 3e-4) as tf.AdamOptimizer;
  let history: LossStep[] = [];
  let startStep = 0;
  let start: DevMetrics;
  let best: { step: number; afgb: number } | null = null;
  let bestWeights: tf.Tensor[] | null = null;
  const initial = snapshotBlocks(model, sorted);
  // Whatever happens (a bad checkpoint, a non-finite loss), the snapshots and Adam's slots are freed.
  try {
    if (opts.runDir) ensureDir(opts.runDir, 'cannot create run directory');
    const paths = opts.runDir ? checkpointPaths(opts.runDir) : null;
    if (opts.resume && paths && existsSync(paths.weights)) {
      const file = readSafetensors(paths.weights);
      let state: CheckpointState;
      try {
        state = JSON.parse(file.metadata.state ?? '') as CheckpointState;
      } catch {
        throw new LftfError('bad-resume', 'checkpoint has no readable state in its metadata', paths.weights);
      }
      if (JSON.stringify(state.blocks) !== JSON.stringify(sorted)) {
        throw new LftfError('bad-resume', `checkpoint tunes blocks [${state.blocks}], this run [${sorted}]`, paths.weights);
      }
      vars.forEach((v, i) => v.assign(tf.tensor(tensorToFloat32(file, `param.${i}`), v.shape)));
      // Create Adam's slots with an all-zero gradient step (moves nothing), then load them.
      tf.tidy(() => opt.applyGradients(vars.map((v) => ({ name: v.name, tensor: tf.zerosLike(v) }))));
      const o = opt as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[]; accBeta1: tf.Variable; accBeta2: tf.Variable };
      vars.forEach((v, i) => {
        o.accumulatedFirstMoment[i].variable.assign(tf.tensor(tensorToFloat32(file, `adam_m.${i}`), v.shape));
        o.accumulatedSecondMoment[i].variable.assign(tf.tensor(tensorToFloat32(file, `adam_v.${i}`), v.shape));
      });
      o.accBeta1.assign(tf.scalar(tensorToFloat32(file, 'adam_acc_beta1')[0]));
      o.accBeta2.assign(tf.scalar(tensorToFloat32(file, 'adam_acc_beta2')[0]));
      if (state.best) bestWeights = vars.map((v, i) => tf.keep(tf.tensor(tensorToFloat32(file, `best.${i}`), v.shape)));
      history = state.steps;
      startStep = state.step;
      start = state.start;
      best = state.best;
    } else {
      start = opts.start ?? ctx.devMetrics(from);
    }

    const progress = opts.progress;
    progress?.start(steps - startStep, `tuning blocks [${sorted}]`);
    const within = (m: DevMetrics) => m.ub >= (start.ub >= 0 ? (1 - ubTol) * start.ub : (1 + ubTol) * start.ub) && m.ppl <= (1 + pplTol) * start.ppl;
    let step = startStep;
    let stopped = false;
    while (step < steps) {
      if (opts.shouldStop?.()) { stopped = true; break; }
      let terms: number[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const t = ctx.train.loss(step, from, w);
        terms = [t.fair, t.hint, t.mass, t.keep].map((x) => x.dataSync()[0]);
        return t.loss;
      }, vars);
      const loss = value.dataSync()[0];
      if (!Number.isFinite(loss) || terms.some((x) => !Number.isFinite(x))) {
        const names = ['fair', 'hint', 'mass', 'keep'];
        const bad = terms.map((x, i) => (Number.isFinite(x) ? null : names[i])).filter(Boolean);
        tf.dispose([value, ...Object.values(grads)]);
        throw new LftfError('non-finite-loss', `loss is not finite at step ${step + 1} (term ${bad.join(', ') || 'total'}); the last good checkpoint is kept`, opts.runDir);
      }
      opt.applyGradients(grads as tf.NamedTensorMap as never);
      tf.dispose([value, ...Object.values(grads)]);
      step++;
      const row: LossStep = { step, loss, fair: terms[0], hint: terms[1], mass: terms[2], keep: terms[3] };
      if ((evalEvery > 0 && step % evalEvery === 0) || step === steps) {
        const m = ctx.devMetrics(from);
        Object.assign(row, { dev_afgb: m.afgb, dev_ub: m.ub, dev_ppl: m.ppl });
        if (within(m) && (!best || m.afgb < best.afgb)) {
          best = { step, afgb: m.afgb };
          if (bestWeights) tf.dispose(bestWeights);
          bestWeights = snapshotBlocks(model, sorted);
        }
      }
      history.push(row);
      progress?.tick(1, { loss: Number(loss.toFixed(4)), fair: Number(terms[0].toFixed(4)) });
      if (paths && opts.checkpointEvery && (step % opts.checkpointEvery === 0 || step === steps)) {
        saveCheckpoint(opts.runDir!, model, sorted, opt, { step, blocks: sorted, steps: history, best, start } satisfies CheckpointState, bestWeights);
        opts.onCheckpoint?.(history);
      }
    }
    progress?.done();
    if (stopped && paths) saveCheckpoint(opts.runDir!, model, sorted, opt, { step, blocks: sorted, steps: history, best, start } satisfies CheckpointState, bestWeights);

    // Keep the best weights (or the start, when no evaluation stayed within tolerance). The dev
    // metrics of the kept weights are known whenever they were evaluated: not scored again.
    const evaluatedAt = (s: number): DevMetrics | null => {
      const r = history.find((x) => x.step === s && x.dev_afgb !== undefined);
      return r ? { afgb: r.dev_afgb!, ub: r.dev_ub!, ppl: r.dev_ppl! } : null;
    };
    let final: DevMetrics | null = null;
    if ((opts.select ?? 'best') === 'best' && (bestWeights || best === null)) {
      if (bestWeights) {
        restoreBlocks(model, sorted, bestWeights);
        final = evaluatedAt(best!.step);
      } else {
        restoreBlocks(model, sorted, initial);
        final = start;
      }
    } else {
      final = evaluatedAt(step);
    }
    final ??= ctx.devMetrics(from);
    return {
      kind: 'tuning-run', model: model.name, blocks: sorted, steps: history, best_step: best?.step ?? 0,
      trainable_params: trainable, wall_s: (Date.now() - t0) / 1000, start, final,
    };
  } finally {
    tf.dispose(initial);
    if (bestWeights) tf.dispose(bestWeights);
    opt.dispose();
  }
}
