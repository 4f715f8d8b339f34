/**
 * The independent reference: Hugging Face transformers / tokenizers on PyTorch, run as a
 * subprocess. Tests call `referencePython()` and skip visibly (t.skip with the reason) when it is
 * missing; they never pass silently.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/backend.js';

export const REPO = PACKAGE_ROOT;
export const CACHE = join(REPO, '.cache', 'test');

let found: { python: string | null; reason: string } | undefined;

/** The python that has torch + transformers: LFTF_PYTHON, then .venv-ref, then python3. */
export function referencePython(): { python: string | null; reason: string } {
  if (found) return found;
  const candidates = [process.env.LFTF_PYTHON, join(REPO, '.venv-ref', 'bin', 'python'), 'python3'].filter(Boolean) as string[];
  const tried: string[] = [];
  for (const py of candidates) {
    if (py.includes('/') && !existsSync(py)) { tried.push(`${py} (missing)`); continue; }
    const r = spawnSync(py, ['-c', 'import torch, transformers, tokenizers, safetensors'], { encoding: 'utf8' });
    if (r.status === 0) return (found = { python: py, reason: '' });
    tried.push(`${py} (${(r.stderr || String(r.error)).trim().split('\n').pop()})`);
  }
  return (found = { python: null, reason: `no Python with torch+transformers (tried ${tried.join('; ')}); run scripts/setup-python.sh` });
}

export function runPython(script: string, args: string[]): void {
  const { python } = referencePython();
  if (!python) throw new Error('reference python unavailable');
  try {
    execFileSync(python, [join(REPO, 'reference', script), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TRANSFORMERS_VERBOSITY: 'error', HF_HUB_OFFLINE: '1' } });
  } catch (e) {
    const err = String((e as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`reference/${script} failed: ${err}`);
  }
}

/** Tiny random reference checkpoints (gpt2, llama, qwen2), made once per version of the maker script. */
export function referenceCheckpoints(): string {
  const script = readFileSync(join(REPO, 'reference', 'make_checkpoints.py'));
  const stamp = createHash('sha256').update(script).digest('hex').slice(0, 12);
  const dir = join(CACHE, `models-${stamp}`);
  if (!existsSync(join(dir, 'DONE.json'))) {
    mkdirSync(dir, { recursive: true });
    runPython('make_checkpoints.py', [dir]);
  }
  return dir;
}

/** Run a reference script that reads a JSON input and writes a JSON output. */
export function pythonJson<T>(script: string, preArgs: string[], input: unknown, postArgs: string[] = []): T {
  mkdirSync(CACHE, { recursive: true });
  const tag = createHash('sha256').update(JSON.stringify([script, preArgs, input, postArgs])).digest('hex').slice(0, 16);
  const inPath = join(CACHE, `${tag}.in.json`);
  const outPath = join(CACHE, `${tag}.out.json`);
  writeFileSync(inPath, JSON.stringify(input));
  runPython(script, [...preArgs, inPath, outPath, ...postArgs]);
  return JSON.parse(readFileSync(outPath, 'utf8')) as T;
}
