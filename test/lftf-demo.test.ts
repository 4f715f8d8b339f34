/**
 * The main job end to end.
 * 1. On the embedded model with default settings, the acceptance criteria of the LFTF issue hold
 *    on the test split (numbers measured by our scorers, which the parity tests tie to transformers).
 * 2. On a tiny random GPT-2 made here (our random init, saved as a Hugging Face folder), the demo
 *    runs through every stage and writes a complete summary.json and a self-contained report.html.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../src/engine/config.js';
import { buildModel, saveModel } from '../src/engine/checkpoint.js';
import { randomGpt2Weights } from '../src/engine/gpt2.js';
import { TextTokenizer } from '../src/engine/tokenizer.js';
import { MemorySource } from '../src/engine/weights.js';
import { REPO } from './helpers/python.js';

const BIN = join(REPO, 'bin', 'lftf.js');
const env = { ...process.env, LFTF_PROGRESS: 'off' };

function demo(args: string[]): { summary: Record<string, any>; report: string } {
  const out = mkdtempSync(join(tmpdir(), 'lftf-demo-'));
  const r = spawnSync(process.execPath, [BIN, 'demo', '--out', out, ...args], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  return { summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), report: readFileSync(join(out, 'report.html'), 'utf8') };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

describe('lftf demo', () => {
  test('embedded model, default settings: the acceptance criteria hold on the test split', () => {
    const { summary: s } = demo([]);
    const { before: b, after: a } = s;
    assert.ok(a.afgb <= 0.5 * b.afgb, `AFGB must fall by >= 50%: ${b.afgb} -> ${a.afgb}`);
    assert.ok(a.ub >= 0.9 * b.ub, `UB must keep >= 90%: ${b.ub} -> ${a.ub}`);
    assert.ok(a.mass >= 0.8 * b.mass, `pronoun mass must keep >= 80%: ${b.mass} -> ${a.mass}`);
    assert.ok(a.ppl <= 1.05 * b.ppl, `perplexity may rise <= 5%: ${b.ppl} -> ${a.ppl}`);
    assert.ok(a.mc >= b.mc - 0.02, `MC accuracy may fall <= 2 points: ${b.mc} -> ${a.mc}`);
    const reduction = (row: { before: { afgb: number }; after: { afgb: number } }) => row.before.afgb - row.after.afgb;
    const randoms = s.baselines.filter((r: { method: string }) => r.method.startsWith('random block'));
    assert.ok(randoms.length >= 3);
    const top = s.baselines.find((r: { method: string }) => r.method === 'lftf');
    assert.deepEqual(top.blocks, [s.top_block]);
    assert.ok(reduction(top) > median(randoms.map(reduction)) || randoms.every((r: { blocks: number[] }) => r.blocks[0] === s.top_block),
      'the top-BMI block must beat the median random block');
    assert.ok(Number.isFinite(s.rho.first_order) && Number.isFinite(s.rho.hidden_influence));
  });

  test('any checkpoint: a tiny random GPT-2 goes through every stage', () => {
    const tokenizer = TextTokenizer.fromFolder(join(REPO, 'models', 'bias-lab'));
    const config = parseConfig({ model_type: 'gpt2', vocab_size: tokenizer.vocabSize, n_embd: 32, n_layer: 3, n_head: 2, n_positions: 96, eos_token_id: 0, bos_token_id: 0 });
    const model = buildModel(config, tokenizer, new MemorySource(randomGpt2Weights(config, 7)), 'tiny-random-gpt2');
    const dir = mkdtempSync(join(tmpdir(), 'lftf-tiny-gpt2-'));
    saveModel(model, dir);
    model.dispose();
    const { summary: s, report } = demo(['--model', dir, '--bmi-steps', '2', '--tune-steps', '4', '--max-train-prompts', '32', '--max-dev-prompts', '16', '--backend', 'wasm']);
    for (const k of ['before', 'after', 'bmi', 'top_block', 'baselines', 'timings', 'tuning', 'by_profession']) assert.ok(k in s, `summary.json lacks ${k}`);
    for (const k of ['afgb', 'ub', 'mass', 'ppl', 'mc']) assert.equal(typeof s.before[k], 'number');
    assert.equal(s.bmi.length, 3);
    for (const row of s.bmi) for (const k of ['block', 'score', 'd_ub', 'd_ppl', 'first_order', 'hidden_influence']) assert.equal(typeof row[k], 'number', `bmi.${k}`);
    assert.deepEqual(s.baselines.map((r: { method: string }) => r.method).slice(0, 4), ['lftf', 'all blocks', 'last block', 'lowest-BMI block']);
    assert.equal(s.backend, 'wasm');
    // Self-contained: no script or stylesheet fetched from anywhere.
    assert.doesNotMatch(report, /<script[^>]+src=|<link[^>]+href=/i);
    assert.match(report, /Plotly\.newPlot\('bmi-chart'/);
    assert.match(report, /Plotly\.newPlot\('prof-chart'/);
    assert.match(report, /Plotly\.newPlot\('loss-chart'/);
  });
});
