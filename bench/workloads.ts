/**
 * Benchmark workloads. Each one is the same job done by our engine and by the PyTorch reference
 * (bench/reference.py holds the reference half under the same id):
 *   plan     (runner)  the shared input and how many repetitions; both sides get the same input;
 *   ours     (worker)  untimed set-up, then `run` is the timed part; `summarize` turns the last
 *                      result into plain numbers (untimed) for the agreement check;
 *   compare  (runner)  how far the two sides' summaries are apart, and whether that is acceptable.
 * To add a workload: add an entry here (the LFTF ones, W2-W4, are in lftf-workloads.ts), the
 * matching class in reference.py, and its id to WORKLOADS. The runner needs no change.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildDatasets, filterSplit } from '../src/data/build.js';
import type { DecoderModel } from '../src/engine/model.js';
import { scorePronouns, type PromptRow } from '../src/score/pronouns.js';
import { makeRng } from '../src/util/random.js';
import { LFTF_WORKLOADS } from './lftf-workloads.js';

export interface RepeatPolicy {
  /** Untimed repetitions first (their times are kept in the results, not in the median). */
  warmup: number;
  /** Timed repetitions: at least `min`, at most `max`, and no new one once `budgetMs` is spent. */
  min: number;
  max: number;
  budgetMs: number;
}

export interface ModelFacts {
  name: string;
  dir: string;
  /** Token ids valid for both the tokenizer and the embedding. */
  usableVocab: number;
  numBlocks: number;
  hiddenSize: number;
  /** Tokens a text has as an L_keep sequence (its encoding, cut to the model's positions). */
  keepTokens(text: string): number;
}

export interface WorkloadPlan {
  /** Sent to both sides as is (JSON). */
  input: unknown;
  /** Work items per timed repetition, for a throughput figure (e.g. prompts). */
  items: number;
  unit: string;
  repeat: RepeatPolicy;
  /** One line on what was run, for the table. */
  label: string;
  /**
   * Leak check: after the timed repetitions, our worker runs this many more work items
   * (untimed, in whole repetitions) and reports tf.memory() before and after.
   */
  soak?: number;
}

export interface Agreement {
  metric: string;
  value: number;
  tolerance: number;
  ok: boolean;
}

/** A workload's state inside our worker, after the untimed set-up. */
export interface OursSession<R = unknown> {
  run(warmup: boolean): R;
  summarize(result: R): unknown;
  release(result: R): void;
  dispose(): void;
}

export interface Workload {
  id: string;
  title: string;
  plan(model: ModelFacts, quick: boolean): WorkloadPlan;
  /** A reason to skip this model (printed as a note), or null to run. */
  skip?(model: ModelFacts, quick: boolean): string | null;
  ours(model: DecoderModel, input: unknown): OursSession;
  compare(ours: unknown, reference: unknown): Agreement;
}

function maxAbsDiff(a: number[], b: number[]): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}

// ---------------------------------------------------------------------------------------------
// W0: one forward pass with full logits.

interface ForwardInput {
  ids: number[][];
  /** How many vocabulary columns of the last position's logits the agreement check compares. */
  fingerprintColumns: number;
}

const FORWARD_BATCH = 16;
const FORWARD_TOKENS = 16;

export const forwardWorkload: Workload = {
  id: 'w0-forward',
  title: 'W0 forward, full logits',
  plan(model, quick) {
    const rng = makeRng(1234);
    const ids = Array.from({ length: FORWARD_BATCH }, () =>
      Array.from({ length: FORWARD_TOKENS }, () => Math.floor(rng() * model.usableVocab)));
    return {
      input: { ids, fingerprintColumns: 64 } satisfies ForwardInput,
      items: 1,
      unit: 'pass',
      repeat: quick ? { warmup: 1, min: 2, max: 3, budgetMs: 4_000 } : { warmup: 2, min: 5, max: 10, budgetMs: 30_000 },
      label: `${FORWARD_BATCH}x${FORWARD_TOKENS} tokens`,
    };
  },
  ours(model, raw) {
    const input = raw as ForwardInput;
    const batch = model.makeBatch(input.ids);
    const [B, T] = [batch.B, batch.T];
    return {
      run() {
        const { logits, hidden } = model.forward(batch);
        hidden.dispose();
        // Read one value back so the pass has surely finished (as `float(...)` does in Python).
        const probe = tf.tidy(() => logits!.slice([B - 1, T - 1, 0], [1, 1, 1]));
        probe.dataSync();
        probe.dispose();
        return logits!;
      },
      summarize(logits) {
        const cols = Math.min(input.fingerprintColumns, logits.shape[2]!);
        const part = tf.tidy(() => logits.slice([0, T - 1, 0], [B, 1, cols]));
        const values = Array.from(part.dataSync());
        part.dispose();
        return values;
      },
      release(logits) {
        logits.dispose();
      },
      dispose() {
        batch.dispose();
      },
    } satisfies OursSession<tf.Tensor>;
  },
  compare(ours, reference) {
    const value = maxAbsDiff(ours as number[], reference as number[]);
    return { metric: 'max |Δ logit|', value, tolerance: 1e-3, ok: value <= 1e-3 };
  },
};

// ---------------------------------------------------------------------------------------------
// W1: P(he) and P(she) for GenBiasEval prompts.

interface ScoringInput {
  prompts: string[];
  pronouns: { male: string; female: string };
  batchSize: number;
}

/** The first `n` GenBiasEval test prompts of the seed-0 split (the workload's fixed input). */
export function genbiasTestRows(n: number): PromptRow[] {
  const rows = filterSplit(buildDatasets({ seed: 0 }).genbias, 'test');
  return rows.slice(0, n).map(({ split: _split, ...row }) => row);
}

export const scoringWorkload: Workload = {
  id: 'w1-score',
  title: 'W1 score P(he), P(she)',
  plan(_model, quick) {
    const n = quick ? 24 : 256;
    const batchSize = quick ? 12 : 32;
    return {
      input: { prompts: genbiasTestRows(n).map((r) => r.prompt), pronouns: { male: 'he', female: 'she' }, batchSize } satisfies ScoringInput,
      items: n,
      unit: 'prompts',
      repeat: quick ? { warmup: 1, min: 1, max: 3, budgetMs: 6_000 } : { warmup: 1, min: 3, max: 5, budgetMs: 90_000 },
      label: `${n} genbias test prompts, batch ${batchSize}`,
    };
  },
  ours(model, raw) {
    const input = raw as ScoringInput;
    const rows: PromptRow[] = input.prompts.map((prompt, i) => ({
      id: `bench/${i}`, dataset: 'genbias', profession: '', template_id: '', scale: 'word', prompt, hint: null,
    }));
    // Warm-up scores a few prompts, one batch on either side: it is there to load kernels, not
    // to cost a full repetition (reference.py does the same).
    const warm = rows.slice(0, Math.ceil(input.batchSize / 2));
    return {
      run(warmup) {
        return scorePronouns(model, warmup ? warm : rows, { batchSize: input.batchSize, pronouns: input.pronouns });
      },
      summarize(scores) {
        return scores.map((s) => [s.p_he, s.p_she]);
      },
      release() {},
      dispose() {},
    } satisfies OursSession<ReturnType<typeof scorePronouns>>;
  },
  compare(ours, reference) {
    // Compare log-probabilities: the probabilities of a random model are tiny (about 1/vocab).
    const flat = (x: unknown): number[] => (x as number[][]).flat().map((p) => Math.log(p));
    const value = maxAbsDiff(flat(ours), flat(reference));
    return { metric: 'max |Δ log p|', value, tolerance: 1e-3, ok: value <= 1e-3 };
  },
};

export const WORKLOADS: readonly Workload[] = [forwardWorkload, scoringWorkload, ...LFTF_WORKLOADS];
