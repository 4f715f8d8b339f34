import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend.js';

/** Backends to test on here: wasm always, the native one when it loads (cpu is the slow fallback). */
export async function testBackends(): Promise<string[]> {
  const out = ['wasm'];
  try {
    await initBackend('tensorflow');
    out.unshift('tensorflow');
  } catch { /* reported by the test that needs it */ }
  return out;
}

export async function useBackend(name: string): Promise<void> {
  await initBackend(name);
  if (tf.getBackend() !== name) throw new Error(`backend ${name} did not activate`);
}
