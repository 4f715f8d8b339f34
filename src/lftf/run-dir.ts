/**
 * A run directory: manifest.json (config, seeds, versions, backend, status), metrics.json and
 * metrics.csv (one row per step), and the tuning checkpoint. Every file is written atomically,
 * so a crash at any moment leaves each file either as it was or complete.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { LftfError } from '../errors.js';
import { PACKAGE_ROOT } from '../backend.js';
import { ensureDir, writeFileAtomic } from '../util/fs-atomic.js';
import type { LossStep } from '../results.js';

export interface Manifest {
  command: string;
  status: 'running' | 'stopped' | 'done' | 'failed';
  created_at: string;
  updated_at: string;
  model: string;
  backend: string;
  seed: number;
  config: Record<string, unknown>;
  versions: Record<string, string>;
  completed_steps?: number;
  error?: string;
}

function lftfVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export class RunDir {
  constructor(readonly dir: string, private manifest: Manifest) {}

  /** Create (or, with resume, reopen) a run directory. Fails early when it is not writable. */
  static open(dir: string, init: Omit<Manifest, 'status' | 'created_at' | 'updated_at' | 'versions'>, resume = false): RunDir {
    // Not mkdirSync({recursive}): on Node 20 it never returns for paths under /proc.
    ensureDir(dir, 'cannot create run directory');
    const path = join(dir, 'manifest.json');
    const now = new Date().toISOString();
    let manifest: Manifest;
    if (resume && existsSync(path)) {
      manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
      if (JSON.stringify(manifest.config) !== JSON.stringify(init.config)) {
        throw new LftfError('bad-resume', 'the run was started with a different configuration; resume with the same options', path);
      }
      manifest.status = 'running';
      manifest.updated_at = now;
    } else {
      manifest = { ...init, status: 'running', created_at: now, updated_at: now,
        versions: { lftf: lftfVersion(), node: process.version, tfjs: tf.version_core } };
    }
    const run = new RunDir(dir, manifest);
    run.writeManifest();
    return run;
  }

  get checkpointDir(): string {
    return this.dir;
  }

  update(patch: Partial<Manifest>): void {
    this.manifest = { ...this.manifest, ...patch, updated_at: new Date().toISOString() };
    this.writeManifest();
  }

  private writeManifest(): void {
    writeFileAtomic(join(this.dir, 'manifest.json'), JSON.stringify(this.manifest, null, 2) + '\n');
  }

  writeMetrics(steps: LossStep[]): void {
    writeFileAtomic(join(this.dir, 'metrics.json'), JSON.stringify(steps, null, 2) + '\n');
    const cols = ['step', 'loss', 'fair', 'hint', 'mass', 'keep', 'dev_afgb', 'dev_ub', 'dev_ppl'] as const;
    const csv = [cols.join(','), ...steps.map((s) => cols.map((c) => (s[c] === undefined ? '' : String(s[c]))).join(','))].join('\n');
    writeFileAtomic(join(this.dir, 'metrics.csv'), csv + '\n');
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(join(this.dir, name), JSON.stringify(value, null, 2) + '\n');
  }
}
