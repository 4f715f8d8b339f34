/**
 * Our engine as a bench worker (see protocol.ts). Started by the runner with the thread settings
 * already in its environment (TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS), which the native
 * backend reads when it loads, i.e. in `init`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, PACKAGE_ROOT } from '../src/backend.js';
import { loadModel } from '../src/engine/checkpoint.js';
import type { DecoderModel } from '../src/engine/model.js';
import { serve, type Reply } from './protocol.js';
import { WORKLOADS, type OursSession } from './workloads.js';

let model: DecoderModel | undefined;
const sessions = new Map<string, { session: OursSession; last?: unknown }>();

function nativeVersion(): string | null {
  try {
    const rec = JSON.parse(readFileSync(join(PACKAGE_ROOT, '.cache', 'native-backend.json'), 'utf8')) as { module?: string };
    const dir = rec.module ?? join(PACKAGE_ROOT, 'node_modules', '@tensorflow', 'tfjs-node');
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

function workload(id: unknown) {
  const w = WORKLOADS.find((x) => x.id === id);
  if (!w) throw new Error(`unknown workload ${String(id)}`);
  return w;
}

function tensors(): { numTensors: number; numBytes: number } {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

async function handle(req: Record<string, unknown>): Promise<Reply> {
  switch (req.cmd) {
    case 'init': {
      const info = await initBackend(req.backend === 'auto' ? undefined : (req.backend as string));
      return {
        info: {
          backend: info.name,
          detail: info.detail,
          tfjs: info.tfjsVersion,
          tfjsNode: info.name === 'tensorflow' ? nativeVersion() : null,
          // wasm runs single-threaded in Node; the native backend takes the env settings.
          intraOpThreads: info.name === 'tensorflow' ? Number(process.env.TF_NUM_INTRAOP_THREADS) || null : 1,
          interOpThreads: info.name === 'tensorflow' ? Number(process.env.TF_NUM_INTEROP_THREADS) || null : 1,
          notices: info.notices,
        },
      };
    }
    case 'load': {
      const t0 = performance.now();
      model = loadModel(req.model as string);
      const ms = performance.now() - t0;
      return { ms, info: { family: model.config.family, parameters: model.parameterCount(), blocks: model.numBlocks }, tensors: tensors() };
    }
    case 'prepare': {
      if (!model) throw new Error('no model loaded');
      const beforePrepare = tensors();
      sessions.set(req.workload as string, { session: workload(req.workload).ours(model, req.input) });
      // `tensors` is the count the runs must come back to; the session's own inputs are in it.
      return { tensors: tensors(), tensorsBeforePrepare: beforePrepare };
    }
    case 'run': {
      const s = sessions.get(req.workload as string);
      if (!s) throw new Error(`workload ${String(req.workload)} not prepared`);
      const t0 = performance.now();
      const result = s.session.run(Boolean(req.warmup));
      const ms = performance.now() - t0;
      const output = req.collect ? s.session.summarize(result) : undefined;
      s.session.release(result);
      return { ms, output, tensors: tensors() };
    }
    case 'soak': {
      // Leak check: more untimed repetitions; the tensor count must not grow.
      const s = sessions.get(req.workload as string);
      if (!s) throw new Error(`workload ${String(req.workload)} not prepared`);
      const before = tensors();
      const t0 = performance.now();
      for (let i = 0; i < Number(req.runs); i++) s.session.release(s.session.run(false));
      return { before, after: tensors(), ms: performance.now() - t0 };
    }
    case 'finish': {
      const s = sessions.get(req.workload as string);
      const afterRuns = tensors();
      s?.session.dispose();
      sessions.delete(req.workload as string);
      return { tensors: afterRuns, tensorsAfterDispose: tensors() };
    }
    case 'stats': {
      const ru = process.resourceUsage();
      return { peakRssKb: ru.maxRSS, rssKb: Math.round(process.memoryUsage().rss / 1024) };
    }
    default:
      throw new Error(`unknown command ${String(req.cmd)}`);
  }
}

await serve(handle);
model?.dispose();
