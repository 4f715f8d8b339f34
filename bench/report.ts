/** The bench's text report: one table of times and ratios, one of memory, then notes. */
import type { BenchResults } from './run.js';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const sideName = (key: string): string => (key === 'reference' ? 'torch (ref)' : key.replace(/^ours:/, 'ours '));

function threadsOf(info: Record<string, unknown> | undefined): string {
  if (!info) return '?';
  const intra = info.intraOpThreads;
  return intra == null ? '?' : String(intra);
}

export function formatReport(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`lftf bench${r.quick ? ' (quick)' : ''}: ${String(m.cpu)}, ${String(m.cores)} cores, node ${String(m.node)}; ` +
    `${r.threads} threads each side; load avg ${(m.loadAvgStart as number[]).join(' ')} -> ${(m.loadAvgEnd as number[] | undefined)?.join(' ') ?? '?'}`);
  const busiest = Math.max(...(m.loadAvgStart as number[]).slice(0, 1), ...((m.loadAvgEnd as number[] | undefined) ?? []).slice(0, 1));
  if (busiest > Number(m.cores) * 0.75) {
    out.push(`warning: the machine was busy (1-min load ${busiest} on ${String(m.cores)} cores): times are inflated and ratios uncertain; ` +
      'PyTorch\'s OpenMP threads suffer more than TensorFlow\'s pool when cores are shared.');
  }
  const rows: string[][] = [];
  for (const mr of r.models) {
    const infoBySide = new Map(mr.sides.map((s) => [s.side, s.info]));
    for (const w of mr.workloads) {
      for (const t of w.sides) {
        const isRef = t.side === 'reference';
        const agree = w.agreement[t.side];
        const tc = t.tensors;
        const tensors = tc
          ? `${tc.before.numTensors} -> ${tc.afterRuns.numTensors}${tc.leak ? ' LEAK' : ''}${tc.keptOnce > 0 && !tc.leak ? ` (+${tc.keptOnce} kept once)` : ''}`
          : '';
        rows.push([
          w.title, mr.model, sideName(t.side), threadsOf(infoBySide.get(t.side)),
          ms(t.medianMs), `${ms(t.minMs)}-${ms(t.maxMs)}`, String(t.ms.length),
          `${t.throughput.toFixed(t.throughput >= 10 ? 1 : 2)} ${w.unit}/s`,
          isRef ? '1 (ref)' : w.ratio[t.side] !== undefined ? w.ratio[t.side].toFixed(2) : '-',
          agree ? `${agree.metric} ${agree.value.toExponential(1)}${agree.ok ? '' : ' FAIL'}` : '',
          tensors,
        ]);
      }
    }
  }
  out.push('');
  out.push(table(['workload', 'model', 'side', 'thr', 'median ms', 'min-max ms', 'n', 'throughput', 'ours/ref', 'agreement', 'tensors before -> after runs'], rows));
  const mem: string[][] = [];
  for (const mr of r.models) {
    for (const s of mr.sides) {
      mem.push([mr.model, sideName(s.side), String(s.info.backend ?? `torch ${String(s.info.torch)}`), ms(s.loadMs), (s.peakRssKb / 1024).toFixed(0)]);
    }
  }
  out.push('');
  out.push(table(['model', 'side', 'engine', 'load ms', 'peak RSS MiB'], mem));
  out.push('');
  for (const w of r.models.flatMap((mr) => mr.workloads)) out.push(`${w.title} on ${w.model}: ${w.label}`);
  // W2: one ratio per model, the mean over the blocks measured (b = 0, L/2, L-1).
  for (const mr of r.models) {
    const steps = mr.workloads.filter((w) => w.workload.startsWith('w2-step-'));
    for (const side of new Set(steps.flatMap((w) => Object.keys(w.ratio)))) {
      const ratios = steps.map((w) => w.ratio[side]).filter((x) => x !== undefined);
      if (!ratios.length) continue;
      const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
      const perStep = (w: (typeof steps)[number], key: string) => {
        const t = w.sides.find((x) => x.side === key);
        return t ? ms(t.medianMs / w.items) : '?';
      };
      out.push(`W2 on ${mr.model}, ${sideName(side)}: ours/ref averaged over ${ratios.length} block(s) = ${mean.toFixed(2)} ` +
        `(per block ${ratios.map((x) => x.toFixed(2)).join(', ')}; ms/step ours ${steps.map((w) => perStep(w, side)).join(', ')}, ref ${steps.map((w) => perStep(w, 'reference')).join(', ')})`);
    }
  }
  for (const mr of r.models) {
    for (const w of mr.workloads) {
      for (const t of w.sides) {
        const soak = t.tensors?.soak;
        if (soak) {
          out.push(`leak check ${w.title} on ${mr.model}, ${sideName(t.side)}: ${soak.items} more ${w.unit}, tf.memory().numTensors ${soak.before.numTensors} -> ${soak.after.numTensors}${soak.leak ? ' LEAK' : ' (no growth)'}`);
        }
      }
    }
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  for (const mr of r.models) for (const e of mr.errors) out.push(`error (${mr.model}): ${e}`);
  out.push('ours/ref = median time of ours / median time of the reference: lower is better, 1 is parity.');
  return `${out.join('\n')}\n`;
}
