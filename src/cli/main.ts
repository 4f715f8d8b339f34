/**
 * `lftf` command line: the same stages as the notebook API, for work outside notebooks.
 * User errors print one line (`lftf: error: <where>: <what>`) and exit 1; --debug adds the stack.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, PACKAGE_ROOT } from '../backend.js';
import { isLftfError, LftfError } from '../errors.js';
import { embeddedModelDir, loadModel } from '../engine/checkpoint.js';
import { buildDatasets, type Split } from '../data/build.js';
import { readDatasets, writeDatasets } from '../data/jsonl.js';
import { readMultipleChoiceJsonl, type McTask } from '../metrics/multiple-choice.js';
import { evaluate, type McTaskData } from '../score/evaluate.js';
import { createProgress } from '../notebook/progress.js';
import { ensureDir, writeFileAtomic } from '../util/fs-atomic.js';
import { prepareData, runDemo } from '../lftf/pipeline.js';
import { rankBlocks } from '../lftf/locate.js';
import { TuneContext, tuneBlocks } from '../lftf/tune.js';
import { RunDir } from '../lftf/run-dir.js';
import { saveModel } from '../engine/checkpoint.js';
import { display } from '../notebook/display.js';

export const DEFAULT_MODEL_DIR = embeddedModelDir();

function version(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export function resolveModelDir(dir: string | undefined): string {
  if (dir) return resolve(dir);
  if (!existsSync(join(DEFAULT_MODEL_DIR, 'config.json'))) {
    throw new LftfError('missing-model', 'no --model given and the embedded model is not there (run `npm run train:bias-lab`)', DEFAULT_MODEL_DIR);
  }
  return DEFAULT_MODEL_DIR;
}

function parseIntOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new LftfError('bad-option', `expected an integer, got ${JSON.stringify(v)}`, `--${name}`);
    return n;
  };
}

function out(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
}

/** Fixed decimals, or significant digits for values too small to show that way. */
function fmt(x: number | undefined, digits = 4): string {
  if (x === undefined || Number.isNaN(x)) return '-';
  return x !== 0 && Math.abs(x) < 10 ** -digits ? x.toPrecision(3) : x.toFixed(digits);
}

export function buildProgram(): Command {
  const program = new Command('lftf')
    .description('LFTF: locate the transformer block that carries gender bias, then fine-tune only it')
    .version(version())
    .option('--debug', 'print stack traces on errors')
    .addOption(new Option('--backend <name>', 'tensorflow | wasm | cpu (default: best available; env LFTF_BACKEND)'));

  program.command('doctor').description('backend, versions and threads in use').option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const info = await initBackend(program.opts().backend);
      const report = {
        lftf: version(), node: process.version, platform: `${process.platform}-${process.arch}`,
        backend: info.name, backend_detail: info.detail, tfjs: info.tfjsVersion, threads: info.threads,
        embedded_model: existsSync(join(DEFAULT_MODEL_DIR, 'config.json')) ? DEFAULT_MODEL_DIR : null,
        notices: info.notices,
      };
      out(!!o.json, report, () => Object.entries(report).map(([k, v]) => `${k.padEnd(15)} ${Array.isArray(v) ? v.join('; ') || '-' : v ?? '-'}`).join('\n'));
    });

  const inspect = program.command('inspect').description('look inside a model');
  inspect.command('logits').description('token ids and the logits of the last position')
    .option('--model <dir>', 'Hugging Face checkpoint folder (default: the embedded model)')
    .requiredOption('--text <text>', 'input text').option('--json', 'print JSON')
    .action(async (o: { model?: string; text: string; json?: boolean }) => {
      await initBackend(program.opts().backend);
      const model = loadModel(resolveModelDir(o.model));
      const tokens = model.tokenizer.encode(o.text);
      if (tokens.length === 0) throw new LftfError('empty-text', 'the text encodes to no tokens', '--text');
      const batch = model.makeBatch([tokens]);
      const { logits, hidden } = model.forward(batch, { positions: batch.lastPositions() });
      const values = Array.from(logits!.dataSync());
      tf.dispose([logits!, hidden]);
      batch.dispose();
      out(!!o.json, { tokens, logits: values }, () => {
        const top = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 10);
        return `tokens ${JSON.stringify(tokens)}\ntop next tokens:\n` + top.map(([v, i]) => `  ${JSON.stringify(model.tokenizer.decode([i])).padEnd(16)} ${v.toFixed(4)}`).join('\n');
      });
      model.dispose();
    });

  const data = program.command('data').description('GenBiasEval and GenHintEval');
  data.command('build').description('write DIR/genbias.jsonl and DIR/genhint.jsonl')
    .requiredOption('--out <dir>', 'output folder').option('--seed <n>', 'split seed', parseIntOption('seed'), 0)
    .action(async (o: { out: string; seed: number }) => {
      const ds = buildDatasets({ seed: o.seed });
      ensureDir(o.out, 'cannot create the output folder');
      await writeDatasets(o.out, ds);
      const count = (rows: { split: string }[], s: string) => rows.filter((r) => r.split === s).length;
      process.stdout.write(`wrote ${join(o.out, 'genbias.jsonl')} (${ds.genbias.length} rows: train ${count(ds.genbias, 'train')}, dev ${count(ds.genbias, 'dev')}, test ${count(ds.genbias, 'test')})\n`
        + `wrote ${join(o.out, 'genhint.jsonl')} (${ds.genhint.length} rows)\n`);
    });

  program.command('eval').description('AFGB, UB, pronoun mass and signed bias with 95% CIs (and perplexity / multiple choice when data is given)')
    .option('--model <dir>', 'Hugging Face checkpoint folder (default: the embedded model)')
    .option('--data <dir>', 'folder with genbias.jsonl and genhint.jsonl (default: built in, seed 0)')
    .option('--split <split>', 'train | dev | test', 'test')
    .option('--items <file>', 'write one JSONL row per prompt: {id, prompt, hint, p_he, p_she}')
    .option('--ppl-text <file>', 'held-out text for perplexity (one document per blank-line-separated block)')
    .option('--mc <file...>', 'multiple-choice JSONL files (ARC, OpenBookQA, COPA or generic schema)')
    .option('--probes', 'also score the built-in held-out text (perplexity) and probe set (MC); default with the embedded model')
    .option('--no-probes', 'skip the built-in probes')
    .option('--batch-size <n>', 'prompts per forward pass', parseIntOption('batch-size'), 32)
    .option('--seed <n>', 'bootstrap seed', parseIntOption('seed'), 0)
    .option('--json', 'print JSON')
    .action(async (o: { model?: string; data?: string; split: string; items?: string; pplText?: string; mc?: string[]; probes?: boolean; batchSize: number; seed: number; json?: boolean }) => {
      if (!['train', 'dev', 'test'].includes(o.split)) throw new LftfError('bad-option', `unknown split "${o.split}" (train, dev or test)`, '--split');
      const info = await initBackend(program.opts().backend);
      for (const n of info.notices) process.stderr.write(`lftf: ${n}\n`);
      const model = loadModel(resolveModelDir(o.model));
      const ds = o.data ? await readDatasets(o.data) : buildDatasets({ seed: 0 });
      const probes = o.probes ?? !o.model;
      const builtIn = probes ? prepareData({ seed: 0 }) : null;
      const pplTexts = o.pplText ? readTextBlocks(o.pplText) : builtIn?.testTexts;
      const mc: McTaskData[] = builtIn ? [{ task: 'probe', items: builtIn.mcItems }] : [];
      for (const f of o.mc ?? []) {
        const d = await readMultipleChoiceJsonl(f);
        mc.push({ task: d.task as McTask, items: d.items });
      }
      const { result, items } = evaluate(model, ds, {
        split: o.split as Split, seed: o.seed, batchSize: o.batchSize, backend: info.name, pplTexts, mc,
        progress: (label, total) => createProgress(label, total),
      });
      if (o.items) {
        writeFileAtomic(o.items, items.map((r) => JSON.stringify({ id: r.id, prompt: r.prompt, hint: r.hint, p_he: r.p_he, p_she: r.p_she })).join('\n') + '\n');
      }
      const m = result.metrics;
      const summary = {
        model: result.model, backend: result.backend, split: result.split, n_prompts: items.length,
        afgb: m.afgb, ub: m.ub, mass: m.mass, signed: m.signed, afgb_norm: m.afgb_norm,
        ...(result.ppl !== undefined ? { ppl: result.ppl } : {}),
        ...(result.mc ? { mc: result.mc } : {}),
      };
      out(!!o.json, summary, () => [
        `model ${result.model} (${result.backend}), split ${result.split}, ${items.length} prompts`,
        ...(['afgb', 'ub', 'mass', 'signed', 'afgb_norm'] as const).map((k) => `${k.padEnd(10)} ${fmt(m[k].value)}  [${fmt(m[k].ci[0])}, ${fmt(m[k].ci[1])}]`),
        ...(result.ppl !== undefined ? [`ppl        ${fmt(result.ppl, 3)}`] : []),
        ...(result.mc ?? []).map((r) => `${r.task.padEnd(10)} acc ${fmt(r.acc, 3)}  acc_norm ${fmt(r.acc_norm, 3)}  (n=${r.n})`),
      ].join('\n'));
      model.dispose();
    });

  const budget = (c: Command) => c
    .option('--model <dir>', 'Hugging Face checkpoint folder (default: the embedded model)')
    .option('--seed <n>', 'seed for splits and data order', parseIntOption('seed'), 0)
    .option('--lr <x>', 'Adam learning rate', parsePositive('lr'), 5e-4)
    .option('--batch-size <n>', 'prompts per training chunk', parseIntOption('batch-size'), 16)
    .option('--weights <list>', 'loss weights, e.g. hint=0.5,mass=0.5,keep=1 (ours; see README)', parseWeights, {})
    .option('--max-train-prompts <n>', 'cap on training prompts per dataset', parseIntOption('max-train-prompts'), 512)
    .option('--max-dev-prompts <n>', 'cap on dev prompts per dataset', parseIntOption('max-dev-prompts'), 256);

  budget(program.command('locate').description('rank blocks by BMI (exact trial fine-tunes) and the two fast estimators'))
    .option('--steps <n>', 'steps per trial (K)', parseIntOption('steps'), 5)
    .option('--estimator-only <name>', 'skip the exact trials: first_order | hidden_influence')
    .option('--no-estimators', 'exact BMI only: skip the two fast estimators and their rho')
    .option('--out <dir>', 'write DIR/bmi.json')
    .option('--json', 'print JSON')
    .action(async (o: BudgetOpts & { steps: number; estimatorOnly?: 'first_order' | 'hidden_influence'; estimators: boolean; out?: string; json?: boolean }) => {
      if (o.estimatorOnly && !['first_order', 'hidden_influence'].includes(o.estimatorOnly)) throw new LftfError('bad-option', `unknown estimator "${o.estimatorOnly}"`, '--estimator-only');
      await initBackend(program.opts().backend);
      const model = loadModel(resolveModelDir(o.model));
      const prep = prepareData(o);
      const ctx = new TuneContext(model, prep.data, o.batchSize, o.seed, { steps: o.steps });
      const bmi = rankBlocks(ctx, { steps: o.steps, lr: o.lr, seed: o.seed, weights: o.weights, estimatorOnly: o.estimatorOnly, estimators: o.estimators,
        progressFor: (l, n) => createProgress(l, n) });
      ctx.dispose();
      const { trials, ...result } = bmi;
      if (o.out) {
        ensureDir(o.out, 'cannot create the output folder');
        writeFileAtomic(join(o.out, 'bmi.json'), JSON.stringify({ ...result, trials }, null, 2) + '\n');
      }
      if (o.json) out(true, { ...result, trials }, () => '');
      else display(result);
      model.dispose();
    });

  budget(program.command('tune').description('fine-tune only the chosen block(s) with the LFTF loss; resumable'))
    .option('--block <list>', 'block(s) to tune, e.g. 3 or 2,3; default: the top block in --bmi')
    .option('--bmi <file>', 'bmi.json from `lftf locate --out`')
    .option('--steps <n>', 'optimiser steps', parseIntOption('steps'), 60)
    .option('--eval-every <n>', 'score dev every N steps', parseIntOption('eval-every'), 10)
    .option('--ub-tolerance <x>', 'kept checkpoints keep dev UB >= (1-x) * start', parseFraction('ub-tolerance'), 0.1)
    .option('--ppl-tolerance <x>', 'kept checkpoints keep dev perplexity <= (1+x) * start', parseFraction('ppl-tolerance'), 0.05)
    .option('--checkpoint-every <n>', 'write a checkpoint every N steps', parseIntOption('checkpoint-every'), 10)
    .requiredOption('--out <dir>', 'run directory (manifest, metrics, checkpoint, tuned model)')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--json', 'print the run as JSON')
    .action(async (o: BudgetOpts & { block?: string; bmi?: string; steps: number; evalEvery: number; ubTolerance: number; pplTolerance: number; checkpointEvery: number; out: string; resume?: boolean; json?: boolean }) => {
      const info = await initBackend(program.opts().backend);
      const model = loadModel(resolveModelDir(o.model));
      let blocks: number[];
      if (o.block) {
        blocks = o.block.split(',').map((b) => parseIntOption('block')(b.trim()));
      } else if (o.bmi) {
        let j: { top_block?: number };
        try {
          j = JSON.parse(readFileSync(o.bmi, 'utf8'));
        } catch (e) {
          throw new LftfError('bad-input', `cannot read a BMI ranking (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, o.bmi);
        }
        if (typeof j.top_block !== 'number') throw new LftfError('bad-input', 'no "top_block" number', `${o.bmi}: field "top_block"`);
        blocks = [j.top_block];
      } else {
        throw new LftfError('bad-option', 'say which block to tune (--block N) or give a ranking (--bmi bmi.json)', '--block');
      }
      for (const b of blocks) model.blockVariables(b); // validates the indices
      const config = { blocks, steps: o.steps, lr: o.lr, batchSize: o.batchSize, weights: o.weights, evalEvery: o.evalEvery,
        ubTolerance: o.ubTolerance, pplTolerance: o.pplTolerance, maxTrainPrompts: o.maxTrainPrompts, maxDevPrompts: o.maxDevPrompts };
      const run = RunDir.open(o.out, { command: 'tune', model: model.name, backend: info.name, seed: o.seed, config }, o.resume);
      const prep = prepareData(o);
      const ctx = new TuneContext(model, prep.data, o.batchSize, o.seed, { steps: o.steps });
      let stop = false;
      const onSigint = () => { stop = true; process.stderr.write('\nlftf: stopping after this step; the checkpoint will be saved (Ctrl-C again to abort)\n'); process.off('SIGINT', onSigint); };
      process.on('SIGINT', onSigint);
      try {
        const result = tuneBlocks(ctx, blocks, { steps: o.steps, lr: o.lr, seed: o.seed, weights: o.weights, evalEvery: o.evalEvery,
          ubTolerance: o.ubTolerance, pplTolerance: o.pplTolerance, runDir: o.out, checkpointEvery: o.checkpointEvery, resume: o.resume,
          progress: createProgress(`tune blocks [${blocks}]`, o.steps), shouldStop: () => stop,
          onCheckpoint: (steps) => run.writeMetrics(steps) });
        run.writeMetrics(result.steps);
        const done = result.steps.length === 0 || result.steps[result.steps.length - 1].step >= o.steps;
        if (done) saveModel(model, join(o.out, 'model'));
        const { start, final, ...tuning } = result;
        run.writeJson('result.json', { ...tuning, start, final });
        run.update({ status: done ? 'done' : 'stopped', completed_steps: result.steps.at(-1)?.step ?? 0 });
        if (o.json) out(true, { ...tuning, start, final }, () => '');
        else {
          display(tuning);
          process.stderr.write(`lftf: dev AFGB ${start.afgb.toFixed(4)} -> ${final.afgb.toFixed(4)}, UB ${start.ub.toFixed(4)} -> ${final.ub.toFixed(4)}, ppl ${start.ppl.toFixed(3)} -> ${final.ppl.toFixed(3)}; ${done ? `tuned model in ${join(o.out, 'model')}` : 'stopped: rerun with --resume'}\n`);
        }
      } catch (e) {
        // A failing manifest write (full disk) must not hide the error that stopped the run.
        try { run.update({ status: 'failed', error: (e as Error).message }); } catch { /* reported below */ }
        throw e;
      } finally {
        process.off('SIGINT', onSigint);
        ctx.dispose();
        model.dispose();
      }
    });

  program.command('demo').description('build data -> eval -> locate -> tune -> re-eval -> baselines -> report')
    .option('--model <dir>', 'Hugging Face checkpoint folder (default: the embedded model)')
    .option('--out <dir>', 'where summary.json, report.html and the run go', 'runs/demo')
    .option('--seed <n>', 'seed for splits, data order and baselines', parseIntOption('seed'), 0)
    .option('--bmi-steps <n>', 'steps per exact-BMI trial (K)', parseIntOption('bmi-steps'), 5)
    .option('--tune-steps <n>', 'steps for the chosen block and each baseline', parseIntOption('tune-steps'), 40)
    .option('--lr <x>', 'Adam learning rate', parsePositive('lr'), 5e-4)
    .option('--max-train-prompts <n>', 'cap on training prompts per dataset', parseIntOption('max-train-prompts'), 512)
    .option('--max-dev-prompts <n>', 'cap on dev prompts per dataset', parseIntOption('max-dev-prompts'), 256)
    .option('--no-baselines', 'skip the baseline comparison')
    .option('--json', 'print summary.json to stdout')
    .action(async (o: { model?: string; out: string; seed: number; bmiSteps: number; tuneSteps: number; lr: number; maxTrainPrompts: number; maxDevPrompts: number; baselines: boolean; json?: boolean }) => {
      const info = await initBackend(program.opts().backend);
      for (const n of info.notices) process.stderr.write(`lftf: ${n}\n`);
      const model = loadModel(resolveModelDir(o.model));
      const log = (line: string) => process.stderr.write(`lftf: ${line}\n`);
      log(`demo on ${model.name} (${model.numBlocks} blocks, ${(model.parameterCount() / 1e6).toFixed(2)}M parameters), backend ${info.name}`);
      const t0 = Date.now();
      const config = { seed: o.seed, bmiSteps: o.bmiSteps, tuneSteps: o.tuneSteps, lr: o.lr, maxTrainPrompts: o.maxTrainPrompts, maxDevPrompts: o.maxDevPrompts, baselines: o.baselines };
      const run = RunDir.open(o.out, { command: 'demo', model: model.name, backend: info.name, seed: o.seed, config });
      let summary;
      try {
        summary = runDemo(model, {
          seed: o.seed, bmiSteps: o.bmiSteps, tuneSteps: o.tuneSteps, lr: o.lr, maxTrainPrompts: o.maxTrainPrompts,
          maxDevPrompts: o.maxDevPrompts, baselines: o.baselines, outDir: o.out, backend: info.name, log,
          progressFor: (label, total) => createProgress(label, total),
        });
      } catch (e) {
        try { run.update({ status: 'failed', error: (e as Error).message }); } catch { /* reported below */ }
        throw e;
      }
      const rel = (a: number, b: number) => (b === 0 ? 0 : (100 * (a - b)) / b);
      log(`AFGB ${summary.before.afgb.toFixed(4)} -> ${summary.after.afgb.toFixed(4)} (${rel(summary.after.afgb, summary.before.afgb).toFixed(1)}%), UB ${summary.before.ub.toFixed(4)} -> ${summary.after.ub.toFixed(4)}, ppl ${summary.before.ppl.toFixed(3)} -> ${summary.after.ppl.toFixed(3)}, mc ${summary.before.mc.toFixed(3)} -> ${summary.after.mc.toFixed(3)}`);
      run.update({ status: 'done' });
      log(`wrote ${join(o.out, 'summary.json')} and ${join(o.out, 'report.html')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      model.dispose();
    });

  return program;
}

interface BudgetOpts {
  model?: string;
  seed: number;
  lr: number;
  batchSize: number;
  weights: Record<string, number>;
  maxTrainPrompts: number;
  maxDevPrompts: number;
}

function parsePositive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new LftfError('bad-option', `expected a number > 0, got ${JSON.stringify(v)}`, `--${name}`);
    return n;
  };
}

function parseFraction(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new LftfError('bad-option', `expected a number >= 0, got ${JSON.stringify(v)}`, `--${name}`);
    return n;
  };
}

/** "hint=0.5,mass=1" -> {hint: 0.5, mass: 1}; only the three LFTF weights are accepted. */
export function parseWeights(v: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of v.split(',').filter(Boolean)) {
    const [k, x] = part.split('=');
    const n = Number(x);
    if (!['hint', 'mass', 'keep'].includes(k) || !Number.isFinite(n) || n < 0) {
      throw new LftfError('bad-option', `expected hint=X, mass=X or keep=X with X >= 0, got "${part}"`, '--weights');
    }
    out[k] = n;
  }
  return out;
}

/** Documents separated by blank lines. */
export function readTextBlocks(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LftfError('missing-file', `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, path);
  }
  const blocks = text.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  if (blocks.length === 0) throw new LftfError('empty-text', 'no text', path);
  return blocks;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      process.exitCode = 2;
      return;
    }
    if (isLftfError(e)) {
      process.stderr.write(`lftf: error: ${e.message}\n`);
      if (debug) process.stderr.write(`${e.stack}\n`);
    } else {
      process.stderr.write(`lftf: unexpected error: ${(e as Error).message ?? e}\n`);
      process.stderr.write(debug ? `${(e as Error).stack}\n` : 'rerun with --debug for the stack trace\n');
    }
    process.exitCode = 1;
  }
}
