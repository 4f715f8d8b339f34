/**
 * Backend choice, made once per process: LFTF_BACKEND (or an explicit name) wins; otherwise
 * the native `tensorflow` backend (tfjs-node-gpu, then tfjs-node: whichever loads), then wasm,
 * then cpu. The native package is found in node_modules or where scripts/setup-native.mjs
 * built it (.cache/native-backend.json).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import { LftfError } from './errors.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  name: string;
  /** Where the native backend came from, or why it is unavailable. */
  detail: string;
  tfjsVersion: string;
  threads: number | null;
  notices: string[];
}

/** Repository (package) root: two levels above dist/src/backend.js or src/backend.ts. */
export const PACKAGE_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

const nativeState: { tried: boolean; ok: boolean; detail: string } = { tried: false, ok: false, detail: '' };

function loadNative(): boolean {
  if (nativeState.tried) return nativeState.ok;
  nativeState.tried = true;
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  const req = createRequire(join(PACKAGE_ROOT, 'package.json'));
  const candidates: string[] = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
  const recordPath = join(PACKAGE_ROOT, '.cache', 'native-backend.json');
  if (existsSync(recordPath)) {
    try {
      const rec = JSON.parse(readFileSync(recordPath, 'utf8')) as { module?: string };
      if (rec.module) candidates.push(rec.module);
    } catch { /* a broken record only costs us the native backend */ }
  }
  const errors: string[] = [];
  for (const c of candidates) {
    try {
      req(c);
      if (tf.findBackend('tensorflow')) {
        nativeState.ok = true;
        nativeState.detail = c;
        return true;
      }
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      if (!/Cannot find module/.test(msg)) errors.push(`${c}: ${msg}`);
    }
  }
  nativeState.detail = errors.length ? errors.join('; ') : 'not installed (run npm install; see scripts/setup-native.mjs)';
  return false;
}

async function tryBackend(name: string): Promise<boolean> {
  if (name === 'tensorflow' && !loadNative()) return false;
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

let chosen: BackendInfo | undefined;

/**
 * Pick and initialise the backend. Idempotent: later calls return the first choice unless
 * a different name is asked for explicitly.
 */
export async function initBackend(name?: string): Promise<BackendInfo> {
  const wanted = name ?? process.env.LFTF_BACKEND ?? undefined;
  if (chosen && (!wanted || wanted === chosen.name)) return chosen;
  const notices: string[] = [];
  if (wanted) {
    if (!BACKEND_ORDER.includes(wanted as BackendName)) {
      throw new LftfError('bad-backend', `unknown backend "${wanted}"; choose one of ${BACKEND_ORDER.join(', ')}`, 'LFTF_BACKEND');
    }
    if (!(await tryBackend(wanted))) {
      throw new LftfError('bad-backend', `backend "${wanted}" is not available${wanted === 'tensorflow' ? ` (${nativeState.detail})` : ''}`, 'LFTF_BACKEND');
    }
  } else {
    let ok = false;
    for (const b of BACKEND_ORDER) {
      if (await tryBackend(b)) { ok = true; break; }
      if (b === 'tensorflow') notices.push(`native TensorFlow backend unavailable (${nativeState.detail}); using wasm`);
    }
    if (!ok) throw new LftfError('bad-backend', 'no TensorFlow.js backend could be initialised');
  }
  await tf.ready();
  // PROD silences tfjs's console banners ("install the node backend", ...): we report ourselves.
  tf.env().set('PROD', true);
  const active = tf.getBackend();
  chosen = {
    name: active,
    detail: active === 'tensorflow' ? nativeState.detail : active === 'wasm' ? 'wasm (SIMD, single thread in Node)' : 'pure JavaScript',
    tfjsVersion: tf.version_core,
    threads: active === 'tensorflow' ? (Number(process.env.TF_NUM_INTRAOP_THREADS) || null) : 1,
    notices,
  };
  return chosen;
}

export function currentBackend(): string {
  return tf.getBackend();
}
