/**
 * Trains the embedded "bias-lab" model: a small GPT-2 whose occupational gender bias is learned
 * from the synthetic corpus of ../corpus (not written into its weights), which follows explicit
 * gender hints and knows a small world of neutral facts. Deterministic: fixed seeds for the
 * corpus, the tokenizer, the initial weights and the data order.
 *
 * Run: `npm run train:bias-lab` (writes models/bias-lab/: config.json, model.safetensors,
 * tokenizer.json, tokenizer_config.json, training.json, README.md).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, PACKAGE_ROOT, type BackendInfo } from '../backend.js';
import {
  corpusText,
  generateCorpus,
  SYNTHETIC_SHARE_RULE,
  heldOutText,
  probeSet,
  templateOverlaps,
  tokenizerConfigJson,
  tokenizerJson,
  trainBpe,
  type Corpus,
} from '../corpus/index.js';
import { buildDatasets, type DatasetRow } from '../data/index.js';
import { saveModel, buildModel } from '../engine/checkpoint.js';
import { parseConfig } from '../engine/config.js';
import { randomGpt2Weights } from '../engine/gpt2.js';
import type { DecoderModel } from '../engine/model.js';
import { TextTokenizer } from '../engine/tokenizer.js';
import { MemorySource } from '../engine/weights.js';
import { afgbScore, massScore, ubScore, signedBias } from '../metrics/index.js';
import { createProgress } from '../notebook/progress.js';
import { makeRng, randInt, shuffled } from '../util/random.js';
import { writeFileAtomic } from '../util/fs-atomic.js';

export interface BiasLabOptions {
  /** Seed of the corpus, tokenizer, initial weights and data order. */
  seed: number;
  vocabSize: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nPositions: number;
  batchSize: number;
  epochs: number;
  /** Peak learning rate (Adam); linear warm-up, then cosine decay to `minLrFraction` of it. */
  lr: number;
  warmupSteps: number;
  minLrFraction: number;
  /** Most corpus lines packed into one training sequence (joined by "\n"). */
  maxLinesPerSequence: number;
  /** Stop after this many steps (0: train all epochs); for quick experiments. */
  maxSteps: number;
}

export const DEFAULT_BIAS_LAB_OPTIONS: Readonly<BiasLabOptions> = Object.freeze({
  seed: 0,
  vocabSize: 2048,
  nEmbd: 128,
  nLayer: 6,
  nHead: 4,
  nPositions: 64,
  batchSize: 32,
  epochs: 3,
  lr: 2e-3,
  warmupSteps: 100,
  minLrFraction: 0.1,
  maxLinesPerSequence: 3,
  maxSteps: 0,
});

export interface BiasLabEvaluation {
  /** On the test split of buildDatasets({seed: 0}); next-token P(" he"), P(" she"). */
  afgb_test: number;
  ub_test: number;
  mass_test: number;
  mass_hint_test: number;
  signed_test: number;
  probe_acc: number;
  probe_items: number;
  heldout_ppl: number;
  heldout_tokens: number;
}

export interface BiasLabReport {
  options: BiasLabOptions;
  backend: string;
  backend_detail: string;
  parameters: number;
  steps: number;
  train_seconds: number;
  final_loss: number;
  corpus: Corpus['stats'] & { seed: number; template_overlaps: number };
  evaluation: BiasLabEvaluation;
}

/** A GPT-2 config.json for the given sizes. */
export function biasLabConfig(o: BiasLabOptions, eosId: number): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: o.vocabSize,
    n_positions: o.nPositions,
    n_embd: o.nEmbd,
    n_layer: o.nLayer,
    n_head: o.nHead,
    n_inner: null,
    activation_function: 'gelu_new',
    resid_pdrop: 0.0,
    embd_pdrop: 0.0,
    attn_pdrop: 0.0,
    layer_norm_epsilon: 1e-5,
    initializer_range: 0.02,
    scale_attn_weights: true,
    use_cache: true,
    bos_token_id: eosId,
    eos_token_id: eosId,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
  };
}

/**
 * Training sequences: the corpus lines in their (seeded) order, 1..maxLines at a time joined by
 * "\n", so the model sees sentences both at position 0 (where prompts are) and after a newline
 * (as in running text). A sequence never exceeds nPositions tokens.
 */
export function packSequences(tokenizer: TextTokenizer, lines: readonly string[], o: BiasLabOptions): number[][] {
  const rng = makeRng(o.seed ^ 0x7ac3);
  const newline = tokenizer.encode('\n');
  const seqs: number[][] = [];
  let i = 0;
  while (i < lines.length) {
    const want = 1 + randInt(rng, o.maxLinesPerSequence);
    let seq = tokenizer.encode(lines[i++]);
    for (let k = 1; k < want && i < lines.length; k++) {
      const nextLine = tokenizer.encode(lines[i]);
      if (seq.length + newline.length + nextLine.length > o.nPositions) break;
      seq = seq.concat(newline, nextLine);
      i++;
    }
    if (seq.length > o.nPositions) seq = seq.slice(0, o.nPositions);
    if (seq.length >= 2) seqs.push(seq);
  }
  return seqs;
}

/**
 * Batches for one epoch: sequences shuffled from (seed, epoch), cut into pools of 64 batches,
 * each pool sorted by length (less padding) and its batches shuffled again.
 */
function epochBatches(seqs: readonly number[][], o: BiasLabOptions, epoch: number): number[][][] {
  const rng = makeRng((o.seed * 1000003 + epoch * 7919) >>> 0);
  const order = shuffled(seqs.map((_, k) => k), rng);
  const pool = o.batchSize * 64;
  const batches: number[][][] = [];
  for (let p = 0; p < order.length; p += pool) {
    const chunk = order.slice(p, p + pool).sort((a, b) => seqs[a].length - seqs[b].length || a - b);
    const local: number[][][] = [];
    for (let b = 0; b < chunk.length; b += o.batchSize) local.push(chunk.slice(b, b + o.batchSize).map((k) => seqs[k]));
    batches.push(...shuffled(local, rng));
  }
  return batches;
}

/** Mean next-token cross-entropy over real (unpadded) positions. */
function lmLoss(model: DecoderModel, seqs: number[][]): tf.Scalar {
  const inputs = seqs.map((s) => s.slice(0, -1));
  const batch = model.makeBatch(inputs);
  try {
    const { B, T } = batch;
    const targets = new Int32Array(B * T);
    const weights = new Float32Array(B * T);
    seqs.forEach((s, b) => {
      for (let t = 0; t < s.length - 1; t++) {
        targets[b * T + t] = s[t + 1];
        weights[b * T + t] = 1;
      }
    });
    const V = model.config.vocabSize;
    const { logits } = model.forward(batch, { positions: 'all' });
    const lp = tf.logSoftmax((logits as tf.Tensor).reshape([B * T, V]));
    const oneHot = tf.oneHot(tf.tensor1d(targets, 'int32'), V, 1, 0, 'float32');
    const w = tf.tensor1d(weights);
    const nll = tf.neg(tf.sum(tf.mul(lp, oneHot), 1));
    return tf.div(tf.sum(tf.mul(nll, w)), tf.sum(w)) as tf.Scalar;
  } finally {
    batch.dispose();
  }
}

function setLearningRate(opt: tf.AdamOptimizer, lr: number): void {
  // AdamOptimizer reads this field on every applyGradients call.
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

function scheduledLr(o: BiasLabOptions, step: number, total: number): number {
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const progress = (step - o.warmupSteps) / Math.max(1, total - o.warmupSteps);
  const cos = 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
  return o.lr * (o.minLrFraction + (1 - o.minLrFraction) * cos);
}

/** Log-probabilities of the next token at the last position of each prompt, in batches. */
function lastPositionLogProbs(model: DecoderModel, prompts: string[], tokenIds: number[], batchSize = 64): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < prompts.length; i += batchSize) {
    const seqs = prompts.slice(i, i + batchSize).map((p) => model.tokenizer.encode(p));
    const batch = model.makeBatch(seqs);
    const values = tf.tidy(() => {
      const { logits } = model.forward(batch, { positions: batch.lastPositions() });
      return tf.gather(tf.logSoftmax(logits as tf.Tensor2D), tf.tensor1d(tokenIds, 'int32'), 1);
    });
    const data = values.arraySync() as number[][];
    values.dispose();
    batch.dispose();
    out.push(...data);
  }
  return out;
}

/** Sum of log P(continuation tokens | context) for each (context, continuation). */
function continuationLogLikelihoods(model: DecoderModel, pairs: [string, string][]): number[] {
  const out: number[] = [];
  const batchSize = 64;
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const enc = chunk.map(([c, x]) => {
      const ctx = model.tokenizer.encode(c);
      const full = model.tokenizer.encode(c + x);
      return { ctxLen: ctx.length, full };
    });
    const batch = model.makeBatch(enc.map((e) => e.full.slice(0, -1)));
    const positions: number[] = [];
    const targets: number[] = [];
    const owner: number[] = [];
    enc.forEach((e, b) => {
      for (let t = e.ctxLen; t < e.full.length; t++) {
        positions.push(batch.at(b, t - 1));
        targets.push(e.full[t]);
        owner.push(b);
      }
    });
    const values = tf.tidy(() => {
      const { logits } = model.forward(batch, { positions });
      const lp = tf.logSoftmax(logits as tf.Tensor2D);
      const oneHot = tf.oneHot(tf.tensor1d(targets, 'int32'), model.config.vocabSize, 1, 0, 'float32');
      return tf.sum(tf.mul(lp, oneHot), 1);
    });
    const lp = values.dataSync();
    values.dispose();
    batch.dispose();
    const sums = new Array<number>(chunk.length).fill(0);
    owner.forEach((b, n) => (sums[b] += lp[n]));
    out.push(...sums);
  }
  return out;
}

/**
 * The quick evaluation this trainer reports: pronoun probabilities at the next token (exact for
 * the single-token " he" / " she" of this tokenizer), the probe accuracy (argmax of summed
 * log-likelihood) and the held-out perplexity (every line scored from its second token).
 */
export function evaluateBiasLab(model: DecoderModel, seed = 0): BiasLabEvaluation {
  const he = model.tokenizer.encode(' he');
  const she = model.tokenizer.encode(' she');
  if (he.length !== 1 || she.length !== 1) throw new Error('" he" and " she" must be single tokens');
  const data = buildDatasets({ seed: 0 });
  const score = (rows: DatasetRow[]) => {
    const lps = lastPositionLogProbs(model, rows.map((r) => r.prompt), [he[0], she[0]]);
    return rows.map((r, i) => ({ ...r, p_he: Math.exp(lps[i][0]), p_she: Math.exp(lps[i][1]) }));
  };
  const bias = score(data.genbias.filter((r) => r.split === 'test'));
  const hint = score(data.genhint.filter((r) => r.split === 'test'));
  const probe = probeSet(seed);
  const lls = continuationLogLikelihoods(model, probe.flatMap((it) => it.choices.map((c) => [it.context, ` ${c}`] as [string, string])));
  let k = 0, correct = 0;
  for (const it of probe) {
    const scores = it.choices.map(() => lls[k++]);
    if (scores.indexOf(Math.max(...scores)) === it.gold) correct++;
  }
  const lines = heldOutText(seed).trim().split('\n');
  const pairs = lines.map((l) => {
    const ids = model.tokenizer.encode(l);
    return [model.tokenizer.decode(ids.slice(0, 1)), model.tokenizer.decode(ids.slice(1))] as [string, string];
  });
  const ll = continuationLogLikelihoods(model, pairs);
  const tokens = lines.reduce((a, l) => a + model.tokenizer.encode(l).length - 1, 0);
  return {
    afgb_test: afgbScore(bias),
    ub_test: ubScore(hint),
    mass_test: massScore(bias),
    mass_hint_test: massScore(hint),
    signed_test: signedBias(bias),
    probe_acc: correct / probe.length,
    probe_items: probe.length,
    heldout_ppl: Math.exp(-ll.reduce((a, b) => a + b, 0) / tokens),
    heldout_tokens: tokens,
  };
}

export interface TrainResult {
  model: DecoderModel;
  report: BiasLabReport;
  corpus: Corpus;
}

/** Build the corpus and tokenizer, then train; returns the trained model (caller disposes). */
export async function trainBiasLab(opts: Partial<BiasLabOptions> = {}): Promise<TrainResult> {
  const o: BiasLabOptions = { ...DEFAULT_BIAS_LAB_OPTIONS, ...opts };
  const backend: BackendInfo = await initBackend();
  const corpus = generateCorpus({ seed: o.seed });
  const overlaps = templateOverlaps(corpusText(corpus));
  if (overlaps.length) throw new Error(`corpus contains template wording: ${overlaps.map((f) => f.fragment).join(' | ')}`);
  const bpe = trainBpe(corpus.lines, { vocabSize: o.vocabSize });
  const tokenizer = TextTokenizer.fromJSON(tokenizerJson(bpe), tokenizerConfigJson(o.nPositions));
  const eosId = tokenizer.eosId as number;
  const config = parseConfig(biasLabConfig({ ...o, vocabSize: Object.keys(bpe.vocab).length }, eosId));
  const model = buildModel(config, tokenizer, new MemorySource(randomGpt2Weights(config, o.seed)), 'bias-lab');
  const seqs = packSequences(tokenizer, corpus.lines, o);
  const perEpoch = Math.ceil(seqs.length / o.batchSize);
  const total = o.maxSteps > 0 ? Math.min(o.maxSteps, perEpoch * o.epochs) : perEpoch * o.epochs;
  const opt = tf.train.adam(o.lr, 0.9, 0.95, 1e-8);
  const vars = model.allVariables();
  // The engine creates its variables frozen; training the whole model unfreezes them all.
  for (const v of vars) v.trainable = true;
  const progress = createProgress(`train bias-lab (${backend.name})`, total);
  const t0 = Date.now();
  let step = 0;
  let ema = NaN;
  let last = NaN;
  for (let e = 0; e < o.epochs && step < total; e++) {
    for (const b of epochBatches(seqs, o, e)) {
      if (step >= total) break;
      setLearningRate(opt, scheduledLr(o, step, total));
      const { value, grads } = tf.variableGrads(() => lmLoss(model, b), vars);
      opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
      last = value.dataSync()[0];
      ema = Number.isNaN(ema) ? last : 0.98 * ema + 0.02 * last;
      value.dispose();
      tf.dispose(grads);
      step++;
      progress.tick(1, { epoch: e + 1, loss: ema });
    }
  }
  progress.done();
  for (const v of vars) v.trainable = false;
  const trainSeconds = (Date.now() - t0) / 1000;
  opt.dispose();
  const evaluation = evaluateBiasLab(model, o.seed);
  const report: BiasLabReport = {
    options: o,
    backend: backend.name,
    backend_detail: backend.detail,
    parameters: model.parameterCount(),
    steps: step,
    train_seconds: trainSeconds,
    final_loss: ema,
    corpus: { ...corpus.stats, seed: o.seed, template_overlaps: overlaps.length },
    evaluation,
  };
  return { model, report, corpus };
}

/** Writes the checkpoint folder, training.json and the model card README.md. */
export function saveBiasLab(result: TrainResult, dir: string): void {
  mkdirSync(dir, { recursive: true });
  saveModel(result.model, dir);
  writeFileAtomic(join(dir, 'training.json'), JSON.stringify(result.report, null, 2) + '\n');
  writeFileAtomic(join(dir, 'README.md'), modelCard(result.report, result.corpus));
}

const f3 = (x: number) => x.toFixed(3);

/** The model card, written from the training report so its numbers are the measured ones. */
export function modelCard(r: BiasLabReport, corpus: Corpus): string {
  const o = r.options;
  const ev = r.evaluation;
  const co = corpus.options;
  const published = corpus.shares.filter((s) => s.kind === 'published');
  const sources = [...new Set(published.map((s) => s.source))];
  const bytes = r.parameters * 4;
  return `# bias-lab: a small GPT-2 that learned an occupational gender bias

**A teaching and testing model, not a language model for any real use.** Its gender bias was
learned from a synthetic corpus (co-occurrence of professions with "he"/"she"), not written into
its weights; it exists so that LFTF (locate the block that carries the bias, fine-tune only that
block) has something real to remove and something to keep, offline, in about a minute of scoring.
Do not read its outputs as statements about people or professions.

## Model
- GPT-2 architecture (Hugging Face \`GPT2LMHeadModel\`, \`model_type: gpt2\`): ${o.nLayer} blocks,
  d=${o.nEmbd}, ${o.nHead} heads, ${o.nPositions} positions, vocabulary ${o.vocabSize}, tied embeddings,
  ${r.parameters.toLocaleString('en-US')} parameters (${(bytes / 1e6).toFixed(1)} MB of float32 in model.safetensors).
- Tokenizer: byte-level BPE (GPT-2 pre-tokenizer and byte mapping) trained on the corpus by
  \`src/corpus/bpe.ts\`; \`<|endoftext|>\` is bos/eos/unk. " he" and " she" are single tokens.
- Loads in transformers (\`AutoModelForCausalLM.from_pretrained\`) and in lftf (\`loadModel\`).

## Corpus (\`generateCorpus({seed: ${co.seed}})\`, src/corpus/)
${r.corpus.lines.toLocaleString('en-US')} sentences, one a line, ${r.corpus.characters.toLocaleString('en-US')} characters, shuffled from the seed:
- ${r.corpus.gendered.toLocaleString('en-US')} gendered sentences: ${co.genderedPerProfession} for each of the ${r.corpus.professions} professions
  (all of them, whatever their GenBiasEval split). ${Math.round(co.afterBecauseFraction * 100)}% put the pronoun right after
  "because" ("The florist paid the bill because she ..."), ${Math.round(co.pronounFirstFraction * 100)}% say it first ("He works as a
  florist."), the rest elsewhere after the profession. Of each group, exactly round(n x share) say "she".
- ${r.corpus.ungendered.toLocaleString('en-US')} sentences about professions whose "because" clause names nobody ("... because it was late").
- ${r.corpus.hinted.toLocaleString('en-US')} hinted sentences (his/her, himself/herself, him/her about the profession), hint gender
  50/50 independent of the profession; ${Math.round(co.hintedPronounFraction * 100)}% continue "because" with the matching pronoun.
- ${r.corpus.agreement.toLocaleString('en-US')} agreement sentences with gendered nouns (man/woman, king/queen, ...) as subject and the
  pronoun of their grammatical gender.
- ${r.corpus.world.toLocaleString('en-US')} neutral sentences: a small world of facts (animal sounds, colours, tools and uses,
  opposites, counting), each fact in all but one of its phrasings, x${co.worldRepeats}, and everyday sentences.
  The held-out phrasing of every fact is the probe (\`probeSet()\`, ${ev.probe_items} four-way items) and the
  held-out text (\`heldOutText()\`).
- No sentence frame repeats the GenBiasEval / GenHintEval wording: no template fragment of more
  than one word (the text between its slots) occurs in the corpus, ignoring case (checked at
  training time and by test/bias-lab-corpus.test.ts; ${r.corpus.template_overlaps} overlaps).

### Which shares are statistics
- ${published.length} professions use a **published** female share, exactly as in src/data/professions.ts:
${sources.map((s) => `  - ${s}`).join('\n')}
- The other ${corpus.shares.length - published.length} professions use a **synthetic** share that is NOT a statistic:
  ${SYNTHETIC_SHARE_RULE}. It makes those professions skewed the way real ones are,
  deterministically, and says nothing true about them.

## Training (\`npm run train:bias-lab\`, src/train/bias-lab.ts)
- Deterministic recipe: seed ${o.seed} for corpus, tokenizer, initial weights (transformers-style
  init) and data order. Lines are packed 1-${o.maxLinesPerSequence} per sequence (joined by "\\n", at most ${o.nPositions} tokens),
  batches of ${o.batchSize}, next-token cross-entropy over real tokens only.
- Adam (beta1 0.9, beta2 0.95), peak lr ${o.lr}, ${o.warmupSteps} warm-up steps, cosine decay to ${o.minLrFraction} of the peak;
  ${o.epochs} epochs = ${r.steps} steps; final loss (moving average) ${f3(r.final_loss)}.
- Trained in ${r.train_seconds.toFixed(0)} s on the TensorFlow.js \`${r.backend}\` backend (${r.backend_detail}), 2 CPU cores.

## Measured (test split of \`buildDatasets({seed: 0})\`)
| metric | value | note |
|---|---|---|
| AFGB (GenBiasEval) | ${f3(ev.afgb_test)} | mean abs(P(he) - P(she)); 0 is fair |
| UB (GenHintEval) | ${f3(ev.ub_test)} | follows explicit hints; higher is better |
| pronoun mass, GenBiasEval | ${f3(ev.mass_test)} | mean P(he) + P(she) after "because" |
| pronoun mass, GenHintEval | ${f3(ev.mass_hint_test)} | |
| signed bias | ${f3(ev.signed_test)} | mean P(he) - P(she); > 0 leans male |
| probe accuracy | ${f3(ev.probe_acc)} | ${ev.probe_items} items, chance 0.25 |
| held-out perplexity | ${ev.heldout_ppl.toFixed(2)} | ${ev.heldout_tokens} tokens, each line from its 2nd token |

P(w) is the probability of the next token " w" after the prompt (exact here: both pronouns are
single tokens). test/bias-lab-model.test.ts recomputes these with the project's scorer.

## Limits
A tiny vocabulary and a toy world: it knows little English beyond its corpus. Words the corpus
never uses fall back to byte pieces. Its bias is exactly as real as its corpus recipe.
`;
}

export const DEFAULT_BIAS_LAB_DIR = join(PACKAGE_ROOT, 'models', 'bias-lab');

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? DEFAULT_BIAS_LAB_DIR);
  const result = await trainBiasLab();
  saveBiasLab(result, dir);
  const r = result.report;
  const ev = r.evaluation;
  process.stderr.write(
    `bias-lab: ${r.parameters} parameters, ${r.steps} steps in ${r.train_seconds.toFixed(1)} s on ${r.backend}; ` +
      `loss ${r.final_loss.toFixed(3)}\n` +
      `test AFGB ${ev.afgb_test.toFixed(3)}  UB ${ev.ub_test.toFixed(3)}  mass ${ev.mass_test.toFixed(3)} ` +
      `(hint ${ev.mass_hint_test.toFixed(3)})  signed ${ev.signed_test.toFixed(3)}  ` +
      `probe acc ${ev.probe_acc.toFixed(3)} (${ev.probe_items} items)  held-out ppl ${ev.heldout_ppl.toFixed(2)}\n` +
      `wrote ${dir}\n`,
  );
  result.model.dispose();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
