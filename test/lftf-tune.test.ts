/**
 * LFTF tuning: only the chosen block's weights change (every other weight bit-identical), and a
 * run killed with SIGKILL mid-way, then resumed, ends with exactly the numbers of an uninterrupted
 * run (wasm is deterministic).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../src/engine/checkpoint.js';
import { prepareData } from '../src/lftf/pipeline.js';
import { TuneContext, tuneBlocks } from '../src/lftf/tune.js';
import { REPO, referenceCheckpoints, referencePython } from './helpers/python.js';
import { useBackend } from './helpers/backends.js';

const py = referencePython();
const BIN = join(REPO, 'bin', 'lftf.js');
const env = { ...process.env, LFTF_BACKEND: 'wasm', LFTF_PROGRESS: 'off' };

describe('tuning one block', { skip: py.python ? false : py.reason }, () => {
  test('only block 1 changes; every other weight is bit-identical', async () => {
    await useBackend('wasm');
    const model = loadModel(join(referenceCheckpoints(), 'llama'));
    const before = new Map(model.allVariables().map((v) => [v.name, Buffer.from((v.dataSync() as Float32Array).slice().buffer)]));
    const prep = prepareData({ maxTrainPrompts: 32, maxDevPrompts: 16 });
    const ctx = new TuneContext(model, prep.data, 8, 0);
    const run = tuneBlocks(ctx, [1], { steps: 4, lr: 1e-2, evalEvery: 0, select: 'last' });
    assert.equal(run.steps.length, 4);
    for (const s of run.steps) for (const k of ['loss', 'fair', 'hint', 'mass', 'keep'] as const) assert.ok(Number.isFinite(s[k]), `step ${s.step} ${k}`);
    const trained = new Set(model.blockVariables(1).map((v) => v.name));
    let changed = 0;
    for (const v of model.allVariables()) {
      const same = before.get(v.name)!.equals(Buffer.from((v.dataSync() as Float32Array).buffer));
      if (trained.has(v.name)) changed += same ? 0 : 1;
      else assert.ok(same, `${v.name} is not in block 1 but changed`);
    }
    assert.ok(changed > 0, 'block 1 should have changed');
    assert.equal(run.trainable_params, model.parameterCount([1]));
    ctx.dispose();
    model.dispose();
  });

  test('kill -9 mid-run, then --resume: the same numbers as an uninterrupted run', async () => {
    const model = join(referenceCheckpoints(), 'llama');
    const args = (out: string) => ['tune', '--model', model, '--block', '1', '--steps', '8', '--eval-every', '4', '--checkpoint-every', '2',
      '--max-train-prompts', '32', '--max-dev-prompts', '16', '--batch-size', '8', '--lr', '0.01', '--out', out, '--json'];
    const whole = mkdtempSync(join(tmpdir(), 'lftf-whole-'));
    const r = spawnSync(process.execPath, [BIN, ...args(whole)], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    const expected = JSON.parse(r.stdout);

    const cut = mkdtempSync(join(tmpdir(), 'lftf-cut-'));
    const child = spawn(process.execPath, [BIN, ...args(cut)], { env, stdio: 'ignore' });
    // Kill it as soon as a checkpoint past step 2 exists (or it finished: then the test proves less, so fail).
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const state = join(cut, 'checkpoint.json');
        if (existsSync(state) && JSON.parse(readFileSync(state, 'utf8')).step >= 2) {
          clearInterval(timer);
          child.kill('SIGKILL');
        }
      }, 20);
      child.on('exit', (code, signal) => { clearInterval(timer); signal === 'SIGKILL' ? resolve() : reject(new Error(`finished before the kill (code ${code})`)); });
    });
    const manifest = JSON.parse(readFileSync(join(cut, 'manifest.json'), 'utf8'));
    assert.equal(manifest.status, 'running', 'a killed run leaves a consistent manifest that says it did not finish');
    const resumed = spawnSync(process.execPath, [BIN, ...args(cut), '--resume'], { encoding: 'utf8', env });
    assert.equal(resumed.status, 0, resumed.stderr);
    const got = JSON.parse(resumed.stdout);
    assert.deepEqual(got.steps, expected.steps, 'per-step losses and dev metrics equal the uninterrupted run');
    assert.deepEqual(got.final, expected.final);
    assert.equal(got.best_step, expected.best_step);
    assert.equal(JSON.parse(readFileSync(join(cut, 'manifest.json'), 'utf8')).status, 'done');
    const csv = readFileSync(join(cut, 'metrics.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 9, 'header + 8 steps');
  });
});
