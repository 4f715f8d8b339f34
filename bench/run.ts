/**
 * `npm run bench [-- --quick] [-- --json] [-- --backends tensorflow,wasm] [-- --threads N]`
 *
 * Runs each workload of bench/workloads.ts on our engine (one worker process per backend) and on
 * the transformers + PyTorch reference (one Python worker), with the same weights, the same
 * inputs and the same thread count, repetitions interleaved side by side so that the load of a
 * shared machine falls on both. Prints a table (stderr with --json, which prints the results on
 * stdout) and writes bench/results.json. See bench/README.md.
 */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/backend.js';
import { WorkerClient, type Reply } from './protocol.js';
import { BENCH_DIR, ensureGpt2Small, modelFacts, referencePython } from './models.js';
import { WORKLOADS, type Agreement, type ModelFacts, type Workload } from './workloads.js';
import { formatReport } from './report.js';

export interface Side {
  /** "ours:tensorflow", "ours:wasm", "reference". */
  key: string;
  kind: 'ours' | 'reference';
  worker: WorkerClient;
  info: Record<string, unknown>;
}

export interface TensorCounts { numTensors: number; numBytes: number }

export interface SideTiming {
  side: string;
  warmupMs: number[];
  ms: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  throughput: number;
  /**
   * tf.memory() in our worker: before the workload's set-up, after it (`before` the runs), after
   * each run (warm-up included), and after the set-up is disposed. `keptOnce`: tensors the first
   * run left that later runs did not add to (a cache, e.g. a position table built on first use).
   * `leak`: the count grew from the first run to the last (tensors left behind by every run).
   */
  tensors?: {
    beforePrepare: TensorCounts; before: TensorCounts; afterEachRun: number[]; afterRuns: TensorCounts; afterDispose: TensorCounts;
    keptOnce: number; leak: boolean;
    /** The leak check of plans with `soak`: `items` more work items, untimed. */
    soak?: { items: number; before: TensorCounts; after: TensorCounts; ms: number; leak: boolean };
  };
}

export interface WorkloadResult {
  workload: string;
  title: string;
  model: string;
  label: string;
  items: number;
  unit: string;
  sides: SideTiming[];
  /** ours median / reference median per ours side (lower is better). */
  ratio: Record<string, number>;
  agreement: Record<string, Agreement>;
}

export interface SideSummary {
  side: string;
  loadMs: number;
  peakRssKb: number;
  info: Record<string, unknown>;
}

export interface ModelResult {
  model: string;
  dir: string;
  skipped?: string;
  sides: SideSummary[];
  workloads: WorkloadResult[];
  errors: string[];
}

export interface BenchResults {
  startedAt: string;
  durationS: number;
  quick: boolean;
  machine: Record<string, unknown>;
  threads: number;
  backendsAsked: string[];
  notes: string[];
  models: ModelResult[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function workerEnv(threads: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Read by the native TensorFlow library when it loads (the worker's `init`).
    TF_NUM_INTRAOP_THREADS: String(threads),
    TF_NUM_INTEROP_THREADS: '1',
    TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2',
    // The reference sets torch.set_num_threads itself; these keep OpenMP/MKL from disagreeing.
    OMP_NUM_THREADS: String(threads),
    MKL_NUM_THREADS: String(threads),
    TRANSFORMERS_VERBOSITY: 'error',
    HF_HUB_OFFLINE: '1',
    TOKENIZERS_PARALLELISM: 'false',
    LFTF_PROGRESS: 'off',
  };
}

async function startSides(model: ModelFacts, backends: string[], python: string | null, threads: number, errors: string[]): Promise<{ sides: Side[]; loads: Map<string, { ms: number; info: Record<string, unknown> }> }> {
  const env = workerEnv(threads);
  const specs: { key: string; kind: 'ours' | 'reference'; backend?: string; worker: WorkerClient }[] = backends.map((b) => ({
    key: `ours:${b}`,
    kind: 'ours',
    backend: b,
    worker: new WorkerClient(`ours:${b}`, process.execPath, [join(PACKAGE_ROOT, 'dist', 'bench', 'worker.js')], env),
  }));
  if (python) {
    specs.push({ key: 'reference', kind: 'reference', worker: new WorkerClient('reference', python, ['-u', join(BENCH_DIR, 'reference.py')], env) });
  }
  const loads = new Map<string, { ms: number; info: Record<string, unknown> }>();
  // Loading is not timed against each other, so the sides load in parallel.
  const started = await Promise.all(specs.map(async (s): Promise<Side | null> => {
    try {
      const init = await s.worker.request({ cmd: 'init', backend: s.backend ?? null, threads });
      const load = await s.worker.request({ cmd: 'load', model: model.dir });
      const info: Record<string, unknown> = { ...(init.info as Record<string, unknown>), model: load.info };
      // An explicit backend that fell back is not that backend: "auto" may name what it got.
      const key = s.kind === 'ours' ? `ours:${String(info.backend)}` : s.key;
      loads.set(key, { ms: load.ms as number, info });
      return { key, kind: s.kind, worker: s.worker, info } satisfies Side;
    } catch (e) {
      errors.push(`${s.key}: ${(e as Error).message}`);
      log(`${s.key} failed to start: ${(e as Error).message}`);
      await s.worker.quit();
      return null;
    }
  }));
  return { sides: started.filter((s): s is Side => s !== null), loads };
}

async function runWorkload(w: Workload, model: ModelFacts, sides: Side[], quick: boolean, notes: string[]): Promise<WorkloadResult | null> {
  const why = w.skip?.(model, quick);
  if (why) {
    notes.push(`${w.id} skipped on ${model.name}: ${why}`);
    log(`${model.name} ${w.id} skipped: ${why}`);
    return null;
  }
  const plan = w.plan(model, quick);
  log(`${model.name} ${w.id}: ${plan.label}`);
  const prep = new Map<string, Reply>();
  for (const s of sides) prep.set(s.key, await s.worker.request({ cmd: 'prepare', workload: w.id, input: plan.input }));
  const times = new Map<string, { warm: number[]; ms: number[]; tensors: number[] }>(sides.map((s) => [s.key, { warm: [], ms: [], tensors: [] }]));
  const outputs = new Map<string, unknown>();
  const { warmup, min, max, budgetMs } = plan.repeat;
  let spent = 0;
  for (let rep = 0; rep < warmup + max; rep++) {
    const timed = rep >= warmup;
    const nTimed = rep - warmup;
    if (timed && nTimed >= min && spent >= budgetMs) break;
    // Rotate who goes first, so neither side always runs right after the other.
    const order = sides.map((_, i) => sides[(i + rep) % sides.length]);
    const t0 = performance.now();
    const line: string[] = [];
    for (const s of order) {
      const collect = timed && nTimed === 0;
      const r = await s.worker.request({ cmd: 'run', workload: w.id, warmup: !timed, collect });
      const t = times.get(s.key)!;
      (timed ? t.ms : t.warm).push(r.ms as number);
      if (r.tensors) t.tensors.push((r.tensors as TensorCounts).numTensors);
      if (collect) outputs.set(s.key, r.output);
      line.push(`${s.key} ${Math.round(r.ms as number)} ms`);
    }
    if (timed) spent += performance.now() - t0;
    log(`  ${timed ? `rep ${nTimed + 1}` : 'warm-up'}: ${line.join(', ')}`);
  }
  const soaks = new Map<string, Reply>();
  if (plan.soak) {
    const runs = Math.ceil(plan.soak / plan.items);
    for (const s of sides.filter((x) => x.kind === 'ours')) {
      const r = await s.worker.request({ cmd: 'soak', workload: w.id, runs });
      soaks.set(s.key, { ...r, items: runs * plan.items });
      log(`  leak check ${s.key}: ${runs * plan.items} ${plan.unit}, tensors ${(r.before as TensorCounts).numTensors} -> ${(r.after as TensorCounts).numTensors}`);
    }
  }
  const timings: SideTiming[] = [];
  for (const s of sides) {
    const fin = await s.worker.request({ cmd: 'finish', workload: w.id });
    const t = times.get(s.key)!;
    const med = median(t.ms);
    const timing: SideTiming = {
      side: s.key, warmupMs: t.warm, ms: t.ms, medianMs: med, minMs: Math.min(...t.ms), maxMs: Math.max(...t.ms),
      throughput: plan.items / (med / 1000),
    };
    const p = prep.get(s.key);
    if (s.kind === 'ours' && p?.tensors) {
      const [beforePrepare, before] = [p.tensorsBeforePrepare as TensorCounts, p.tensors as TensorCounts];
      const [afterRuns, afterDispose] = [fin.tensors as TensorCounts, fin.tensorsAfterDispose as TensorCounts];
      const each = t.tensors;
      const leak = each.length > 1 && each[each.length - 1] > each[0];
      timing.tensors = { beforePrepare, before, afterEachRun: each, afterRuns, afterDispose, keptOnce: (each[0] ?? before.numTensors) - before.numTensors, leak };
      const soak = soaks.get(s.key);
      if (soak) {
        const [sb, sa] = [soak.before as TensorCounts, soak.after as TensorCounts];
        timing.tensors.soak = { items: soak.items as number, before: sb, after: sa, ms: soak.ms as number, leak: sa.numTensors > sb.numTensors };
      }
    }
    timings.push(timing);
  }
  const ref = timings.find((t) => t.side === 'reference');
  const ratio: Record<string, number> = {};
  const agreement: Record<string, Agreement> = {};
  for (const t of timings) {
    if (t.side === 'reference' || !ref) continue;
    ratio[t.side] = t.medianMs / ref.medianMs;
    agreement[t.side] = w.compare(outputs.get(t.side), outputs.get('reference'));
  }
  return { workload: w.id, title: w.title, model: model.name, label: plan.label, items: plan.items, unit: plan.unit, sides: timings, ratio, agreement };
}

async function benchModel(model: ModelFacts, workloads: readonly Workload[], backends: string[], python: string | null, threads: number, quick: boolean, notes: string[]): Promise<ModelResult> {
  const errors: string[] = [];
  const { sides, loads } = await startSides(model, backends, python, threads, errors);
  const result: ModelResult = { model: model.name, dir: model.dir, sides: [], workloads: [], errors };
  try {
    if (sides.length > 0) {
      for (const w of workloads) {
        try {
          const r = await runWorkload(w, model, sides, quick, notes);
          if (r) result.workloads.push(r);
        } catch (e) {
          errors.push(`${w.id}: ${(e as Error).message}`);
          log(`${model.name} ${w.id} failed: ${(e as Error).message}`);
        }
      }
    }
    for (const s of sides) {
      const st = await s.worker.request({ cmd: 'stats' }).catch(() => ({ peakRssKb: NaN }));
      const l = loads.get(s.key)!;
      result.sides.push({ side: s.key, loadMs: l.ms, peakRssKb: st.peakRssKb as number, info: l.info });
    }
  } finally {
    await Promise.all(sides.map((s) => s.worker.quit()));
  }
  return result;
}

function machineInfo(): Record<string, unknown> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    loadAvgStart: loadavg().map((x) => Math.round(x * 100) / 100),
    openblasEnv: { OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null, OPENBLAS_L2_SIZE: process.env.OPENBLAS_L2_SIZE ?? null },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      backends: { type: 'string', default: 'auto' },
      threads: { type: 'string' },
      workloads: { type: 'string' },
      model: { type: 'string', multiple: true },
      only: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write([
      'usage: npm run bench -- [--quick] [--json] [--backends auto|tensorflow,wasm,cpu] [--threads N]',
      '                        [--workloads w0-forward,w2-step-first,...] [--model DIR ...] [--only gpt2-124m,bias-lab] [--out FILE]',
      `workloads: ${WORKLOADS.map((w) => w.id).join(', ')}`,
      '',
    ].join('\n'));
    return;
  }
  const t0 = performance.now();
  const threads = values.threads ? Number(values.threads) : availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got ${values.threads}`);
  const backends = values.backends!.split(',').map((s) => s.trim()).filter(Boolean);
  const wanted = values.workloads?.split(',').map((s) => s.trim());
  const workloads = wanted ? WORKLOADS.filter((w) => wanted.includes(w.id)) : WORKLOADS;
  if (wanted && workloads.length !== wanted.length) throw new Error(`unknown workload in ${values.workloads}; known: ${WORKLOADS.map((w) => w.id).join(', ')}`);
  const notes: string[] = [];
  const results: BenchResults = {
    startedAt: new Date().toISOString(), durationS: 0, quick: values.quick!, machine: machineInfo(), threads,
    backendsAsked: backends, notes, models: [],
  };

  const { python, reason } = referencePython();
  if (!python) notes.push(`reference skipped: ${reason}`);
  const models: { name: string; dir: string }[] = [];
  if (python) models.push({ name: 'gpt2-124m', dir: ensureGpt2Small(python, log) });
  else notes.push('gpt2-124m skipped: making it needs the reference Python');
  const biasLab = join(PACKAGE_ROOT, 'models', 'bias-lab');
  if (existsSync(join(biasLab, 'config.json'))) models.push({ name: 'bias-lab', dir: biasLab });
  else notes.push('bias-lab skipped: models/bias-lab/ not found');
  for (const dir of values.model ?? []) models.push({ name: resolve(dir).split('/').pop()!, dir: resolve(dir) });

  const only = values.only?.split(',').map((x) => x.trim());
  for (const m of models) {
    if (only && !only.includes(m.name)) continue;
    results.models.push(await benchModel(modelFacts(m.name, m.dir), workloads, backends, python, threads, values.quick!, notes));
  }
  results.machine.loadAvgEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  results.durationS = Math.round((performance.now() - t0) / 100) / 10;

  const outPath = values.out ? resolve(values.out) : join(BENCH_DIR, 'results.json');
  writeFileSync(outPath, `${JSON.stringify(results, null, 2)}\n`);
  const report = formatReport(results);
  if (values.json) {
    process.stderr.write(report);
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    process.stdout.write(report);
  }
  log(`results written to ${outPath} (${results.durationS} s)`);
  if (results.models.some((m) => m.errors.length > 0)) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`[bench] ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
