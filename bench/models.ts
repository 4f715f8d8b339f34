/**
 * The models the bench runs on: a GPT-2-small-shaped random checkpoint made once by transformers
 * (bench/make_checkpoint.py) into .cache/bench/, and the embedded bias-lab model when its folder
 * exists. Also finds the reference Python.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/backend.js';
import { buildDatasets } from '../src/data/build.js';
import { readConfig } from '../src/engine/config.js';
import { TextTokenizer } from '../src/engine/tokenizer.js';
import type { ModelFacts } from './workloads.js';

export const BENCH_DIR = join(PACKAGE_ROOT, 'bench');
export const BENCH_CACHE = join(PACKAGE_ROOT, '.cache', 'bench');

/** The python that has torch + transformers: LFTF_PYTHON, then .venv-ref, then python3. */
export function referencePython(): { python: string | null; reason: string } {
  const candidates = [process.env.LFTF_PYTHON, join(PACKAGE_ROOT, '.venv-ref', 'bin', 'python'), 'python3'].filter(Boolean) as string[];
  const tried: string[] = [];
  for (const py of candidates) {
    if (py.includes('/') && !existsSync(py)) { tried.push(`${py} (missing)`); continue; }
    const r = spawnSync(py, ['-c', 'import torch, transformers, tokenizers, safetensors'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py, reason: '' };
    tried.push(`${py} (${(r.stderr || String(r.error)).trim().split('\n').pop()})`);
  }
  return { python: null, reason: `no Python with torch+transformers (tried ${tried.join('; ')}); run: bash scripts/setup-python.sh bench` };
}

/** Lines the benchmark tokenizer is trained on: every dataset prompt, with and without a pronoun. */
function tokenizerCorpus(): string {
  const d = buildDatasets({ seed: 0 });
  const lines: string[] = [];
  for (const r of [...d.genbias, ...d.genhint]) lines.push(r.prompt, `${r.prompt} he`, `${r.prompt} she`);
  return `${lines.join('\n')}\n`;
}

/**
 * The 124M random GPT-2 checkpoint, made once per version of the maker script and corpus
 * (about half a minute and 500 MB the first time).
 */
export function ensureGpt2Small(python: string, log: (line: string) => void): string {
  const corpus = tokenizerCorpus();
  const script = readFileSync(join(BENCH_DIR, 'make_checkpoint.py'));
  const stamp = createHash('sha256').update(script).update(corpus).digest('hex').slice(0, 12);
  const dir = join(BENCH_CACHE, `gpt2-124m-${stamp}`);
  if (existsSync(join(dir, 'DONE.json'))) return dir;
  log(`making the 124M random GPT-2 checkpoint with transformers in ${dir} (once)`);
  mkdirSync(dir, { recursive: true });
  const corpusPath = join(dir, 'corpus.txt');
  writeFileSync(corpusPath, corpus);
  execFileSync(python, [join(BENCH_DIR, 'make_checkpoint.py'), dir, corpusPath], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, TRANSFORMERS_VERBOSITY: 'error', HF_HUB_OFFLINE: '1' },
  });
  return dir;
}

/** Facts the workload plans need; ids below `usableVocab` are valid for tokenizer and embedding. */
export function modelFacts(name: string, dir: string): ModelFacts {
  const config = readConfig(join(dir, 'config.json'));
  const tokenizer = TextTokenizer.fromFolder(dir);
  return {
    name, dir, usableVocab: Math.min(config.vocabSize, tokenizer.vocabSize), numBlocks: config.numLayers, hiddenSize: config.hiddenSize,
    keepTokens: (text) => tokenizer.encode(text).slice(0, config.maxPositions).length,
  };
}
