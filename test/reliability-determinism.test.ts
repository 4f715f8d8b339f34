/**
 * Same seed, same backend, same numbers: `lftf tune --json` twice on wasm and on cpu (exactly
 * equal), on the native backend when it loads (within 1e-5), and `lftf demo` twice on wasm
 * (summary.json equal except timings and wall-clock fields).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO, referenceCheckpoints, referencePython } from './helpers/python.js';

const BIN = join(REPO, 'bin', 'lftf.js');
const py = referencePython();

function lftf(backend: string, args: string[]): { stdout: string; stderr: string } {
  const env = { ...process.env, LFTF_BACKEND: backend, LFTF_PROGRESS: 'off', TF_CPP_MIN_LOG_LEVEL: '2' };
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 300_000 });
  assert.equal(r.status, 0, `lftf ${args.join(' ')} on ${backend}: ${r.stderr || r.error}`);
  return r;
}

/** The value without wall-clock fields (`timings`, `wall_s`), which legitimately differ. */
function withoutClock(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutClock);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'timings' && k !== 'wall_s').map(([k, x]) => [k, withoutClock(x)]));
  }
  return v;
}

/** Largest |a - b| over matching numbers; throws when the structures differ. */
function maxAbsDiff(a: unknown, b: unknown, path = '$'): number {
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b) ? 0 : Math.abs(a - b);
  if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `${path}: lengths`);
    return a.reduce((m: number, x, i) => Math.max(m, maxAbsDiff(x, b[i], `${path}[${i}]`)), 0);
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${path}: keys`);
    return Object.keys(a).reduce((m, k) => Math.max(m, maxAbsDiff((a as never)[k], (b as never)[k], `${path}.${k}`)), 0);
  }
  assert.deepEqual(a, b, path);
  return 0;
}

const tuneArgs = (out: string) => ['tune', '--model', join(referenceCheckpoints(), 'llama'), '--block', '1', '--steps', '3', '--eval-every', '3',
  '--checkpoint-every', '3', '--max-train-prompts', '16', '--max-dev-prompts', '8', '--batch-size', '8', '--lr', '0.01', '--seed', '7', '--out', out, '--json'];
const tuneTwice = (backend: string) => [0, 1].map(() => withoutClock(JSON.parse(lftf(backend, tuneArgs(mkdtempSync(join(tmpdir(), `lftf-det-${backend}-`)))).stdout)));

describe('determinism', { skip: py.python ? false : py.reason }, () => {
  for (const backend of ['wasm', 'cpu']) {
    test(`lftf tune twice on ${backend}: identical results`, () => {
      const [a, b] = tuneTwice(backend);
      assert.deepEqual(a, b);
      assert.equal((a as { steps: unknown[] }).steps.length, 3);
    });
  }

  test('lftf tune twice on the native backend: within 1e-5', (t) => {
    const probe = spawnSync(process.execPath, [BIN, 'doctor', '--json'], { encoding: 'utf8', env: { ...process.env, LFTF_BACKEND: 'tensorflow', TF_CPP_MIN_LOG_LEVEL: '2' } });
    if (probe.status !== 0 || JSON.parse(probe.stdout).backend !== 'tensorflow') return t.skip(`native backend unavailable: ${probe.stderr.trim().split('\n').pop()}`);
    const [a, b] = tuneTwice('tensorflow');
    const d = maxAbsDiff(a, b);
    t.diagnostic(`tensorflow: largest difference between two runs ${d}`);
    assert.ok(d <= 1e-5, `difference ${d}`);
  });

  test('lftf demo twice on wasm: summary.json equal except timings and wall_s', () => {
    const demo = () => {
      const out = mkdtempSync(join(tmpdir(), 'lftf-det-demo-'));
      lftf('wasm', ['demo', '--model', join(referenceCheckpoints(), 'llama'), '--out', out, '--bmi-steps', '2', '--tune-steps', '4',
        '--max-train-prompts', '32', '--max-dev-prompts', '16', '--no-baselines']);
      return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    };
    const [a, b] = [demo(), demo()];
    assert.ok(a.timings && typeof a.tuning.wall_s === 'number', 'the clock fields exist (and are the only ones ignored)');
    assert.deepEqual(withoutClock(a), withoutClock(b));
  });
});
