/**
 * The `lftf` command as a user runs it: exit codes, one-line errors naming the place, and the
 * JSON shapes of `data build`, `eval` and `locate`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO, referenceCheckpoints, referencePython } from './helpers/python.js';

const BIN = join(REPO, 'bin', 'lftf.js');
const env = { ...process.env, LFTF_BACKEND: 'wasm', LFTF_PROGRESS: 'off' };
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });

describe('lftf command line', () => {
  test('data build writes both datasets with the row schema', () => {
    const out = mkdtempSync(join(tmpdir(), 'lftf-data-'));
    const r = run(['data', 'build', '--out', out, '--seed', '3']);
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['genbias.jsonl', 'genhint.jsonl']) {
      const rows = readFileSync(join(out, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(rows.length > 1000);
      assert.deepEqual(Object.keys(rows[0]).sort(), ['dataset', 'hint', 'id', 'profession', 'prompt', 'scale', 'split', 'template_id']);
    }
  });

  test('a missing model folder: exit 1, one line naming the folder, no stack trace', () => {
    const r = run(['eval', '--model', '/nonexistent/model']);
    assert.equal(r.status, 1);
    assert.match(r.stderr.trim(), /^lftf: error: \/nonexistent\/model: model folder not found$/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('bad option values are named', () => {
    const r = run(['eval', '--split', 'validation', '--model', '/x']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--split: unknown split "validation"/);
  });

  const py = referencePython();
  test('eval --json on a tiny checkpoint, and bad config.json fields', { skip: py.python ? false : py.reason }, () => {
    const model = join(referenceCheckpoints(), 'llama');
    const items = join(mkdtempSync(join(tmpdir(), 'lftf-items-')), 'items.jsonl');
    const r = run(['eval', '--model', model, '--json', '--items', items, '--split', 'dev']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const k of ['afgb', 'ub', 'mass', 'signed']) {
      assert.equal(typeof j[k].value, 'number');
      assert.ok(j[k].ci[0] <= j[k].value && j[k].value <= j[k].ci[1], `${k} CI contains the value`);
    }
    assert.equal(j.backend, 'wasm');
    const rows = readFileSync(items, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows.length, j.n_prompts);
    assert.deepEqual(Object.keys(rows[0]), ['id', 'prompt', 'hint', 'p_he', 'p_she']);

    const broken = mkdtempSync(join(tmpdir(), 'lftf-bad-'));
    cpSync(model, broken, { recursive: true });
    const cfg = JSON.parse(readFileSync(join(broken, 'config.json'), 'utf8'));
    writeFileSync(join(broken, 'config.json'), JSON.stringify({ ...cfg, model_type: 'bert' }));
    const bad = run(['eval', '--model', broken]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /config\.json: field "model_type": unknown model_type "bert"/);
  });
});

test('eval with no --model uses the embedded model and reports perplexity and multiple choice', () => {
  const r = run(['eval', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.model, 'bias-lab');
  assert.ok(j.ppl > 1 && j.ppl < 2048, `perplexity ${j.ppl} must beat uniform guessing over 2048 tokens`);
  assert.equal(j.mc[0].task, 'probe');
  assert.ok(j.mc[0].n >= 100);
  for (const k of ['afgb', 'ub', 'mass', 'signed']) assert.equal(typeof j[k].value, 'number');
});

test('locate on the embedded model: exact BMI per block, with and without the estimators', () => {
  const budget = ['--steps', '1', '--max-train-prompts', '32', '--max-dev-prompts', '16', '--json'];
  const full = run(['locate', ...budget]);
  assert.equal(full.status, 0, full.stderr);
  const j = JSON.parse(full.stdout);
  assert.equal(j.blocks.length, 6);
  for (const b of j.blocks) {
    assert.ok(Number.isFinite(b.score) && b.first_order > 0 && b.hidden_influence > 0, JSON.stringify(b));
  }
  assert.equal(j.trials.length, 6);
  assert.ok(j.rho.first_order >= -1 && j.rho.first_order <= 1);
  const exact = run(['locate', ...budget, '--no-estimators']);
  assert.equal(exact.status, 0, exact.stderr);
  const e = JSON.parse(exact.stdout);
  // Same trials, same numbers; no estimator columns (NaN, written as null) and no rho.
  assert.deepEqual(e.blocks.map((b: { score: number }) => b.score), j.blocks.map((b: { score: number }) => b.score));
  assert.equal(e.top_block, j.top_block);
  assert.ok(e.blocks.every((b: { first_order: unknown; hidden_influence: unknown }) => b.first_order === null && b.hidden_influence === null));
  assert.equal(e.rho.first_order, null);
});

test('the bin is executable from npm', () => {
  assert.ok(existsSync(BIN));
  const v = execFileSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', env }).trim();
  assert.equal(v, JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
});
