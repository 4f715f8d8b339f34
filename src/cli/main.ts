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
import { loadModel } from '../engine/checkpoint.js';
import { buildDatasets, type Split } from '../data/build.js';
import { readDatasets, writeDatasets } from '../data/jsonl.js';
import { readMultipleChoiceJsonl, type McTask } from '../metrics/multiple-choice.js';
import { evaluate, type McTaskData } from '../score/evaluate.js';
import { createProgress } from '../notebook/progress.js';
import { writeFileAtomic } from '../util/fs-atomic.js';
import { runDemo } from '../lftf/pipeline.js';

export const DEFAULT_MODEL_DIR = join(PACKAGE_ROOT, 'models', 'bias-lab');

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

function fmt(x: number | undefined, digits = 4): string {
  return x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);
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
      const { mkdirSync } = await import('node:fs');
      mkdirSync(o.out, { recursive: true });
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
    .option('--batch-size <n>', 'prompts per forward pass', parseIntOption('batch-size'), 32)
    .option('--seed <n>', 'bootstrap seed', parseIntOption('seed'), 0)
    .option('--json', 'print JSON')
    .action(async (o: { model?: string; data?: string; split: string; items?: string; pplText?: string; mc?: string[]; batchSize: number; seed: number; json?: boolean }) => {
      if (!['train', 'dev', 'test'].includes(o.split)) throw new LftfError('bad-option', `unknown split "${o.split}" (train, dev or test)`, '--split');
      const info = await initBackend(program.opts().backend);
      for (const n of info.notices) process.stderr.write(`lftf: ${n}\n`);
      const model = loadModel(resolveModelDir(o.model));
      const ds = o.data ? await readDatasets(o.data) : buildDatasets({ seed: 0 });
      const pplTexts = o.pplText ? readTextBlocks(o.pplText) : undefined;
      const mc: McTaskData[] = [];
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

  program.command('demo').description('build data -> eval -> locate -> tune -> re-eval -> baselines -> report')
    .option('--model <dir>', 'Hugging Face checkpoint folder (default: the embedded model)')
    .option('--out <dir>', 'where summary.json, report.html and the run go', 'runs/demo')
    .option('--seed <n>', 'seed for splits, data order and baselines', parseIntOption('seed'), 0)
    .option('--bmi-steps <n>', 'steps per exact-BMI trial (K)', parseIntOption('bmi-steps'), 20)
    .option('--tune-steps <n>', 'steps for the chosen block and each baseline', parseIntOption('tune-steps'), 60)
    .option('--lr <x>', 'Adam learning rate', Number, 1e-3)
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
      const summary = runDemo(model, {
        seed: o.seed, bmiSteps: o.bmiSteps, tuneSteps: o.tuneSteps, lr: o.lr, maxTrainPrompts: o.maxTrainPrompts,
        maxDevPrompts: o.maxDevPrompts, baselines: o.baselines, outDir: o.out, backend: info.name, log,
        progressFor: (label, total) => createProgress(label, total),
      });
      const rel = (a: number, b: number) => (b === 0 ? 0 : (100 * (a - b)) / b);
      log(`AFGB ${summary.before.afgb.toFixed(4)} -> ${summary.after.afgb.toFixed(4)} (${rel(summary.after.afgb, summary.before.afgb).toFixed(1)}%), UB ${summary.before.ub.toFixed(4)} -> ${summary.after.ub.toFixed(4)}, ppl ${summary.before.ppl.toFixed(3)} -> ${summary.after.ppl.toFixed(3)}, mc ${summary.before.mc.toFixed(3)} -> ${summary.after.mc.toFixed(3)}`);
      log(`wrote ${join(o.out, 'summary.json')} and ${join(o.out, 'report.html')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      model.dispose();
    });

  return program;
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
