/**
 * Number formats and metric directions shared by every notebook face: the static HTML and
 * text in display.ts and the interactive JupyterLab renderer (extensions/jupyterlab-lftf),
 * so a number reads the same everywhere. Pure functions, no DOM, no Node.
 */

/** Which way a metric improves. `null`: no better or worse (e.g. probability mass). */
export type Direction = 'lower' | 'higher' | null;

export const METRIC_DIRECTION: Record<string, Direction> = {
  afgb: 'lower',
  afgb_norm: 'lower',
  ub: 'higher',
  signed: null,
  mass: null,
  ppl: 'lower',
  mc: 'higher',
  d_ub: 'higher',
  d_ppl: 'lower',
  score: 'higher',
};

export const METRIC_LABEL: Record<string, string> = {
  afgb: 'AFGB',
  afgb_norm: 'AFGB (norm.)',
  ub: 'UB',
  mass: 'Pronoun mass',
  signed: 'Signed bias',
  ppl: 'PPL',
  mc: 'MC acc.',
};

/** Fixed decimals with an ASCII minus; NaN/Infinity spelled out. */
export function fmt(x: number, digits = 3): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const s = x.toFixed(digits);
  // -0.000 reads as a sign where there is none
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** A signed delta: always shows its sign. */
export function fmtDelta(x: number, digits = 3): string {
  const s = fmt(x, digits);
  return x > 0 && !s.startsWith('inf') && Number(s) !== 0 ? `+${s}` : s;
}

export function fmtCi(ci: [number, number], digits = 3): string {
  return `[${fmt(ci[0], digits)}, ${fmt(ci[1], digits)}]`;
}

export function fmtInt(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function fmtSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const r = Math.round(s - m * 60);
  if (m < 60) return `${m} min ${r} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Block lists as compact runs: [0..11] -> "0-11", [1,3,4,5] -> "1, 3-5". */
export function fmtBlocks(blocks: number[]): string {
  if (blocks.length === 0) return '(none)';
  const sorted = [...new Set(blocks)].sort((a, b) => a - b);
  const runs: string[] = [];
  let lo = sorted[0]!;
  let prev = lo;
  for (const b of [...sorted.slice(1), NaN]) {
    if (b === prev + 1) {
      prev = b;
      continue;
    }
    runs.push(prev === lo ? String(lo) : prev === lo + 1 ? `${lo}, ${prev}` : `${lo}-${prev}`);
    lo = prev = b;
  }
  return runs.join(', ');
}

/**
 * 'better' | 'worse' | 'same' | 'neutral' for a change from `before` to `after` of a metric
 * whose direction is known; 'neutral' where the metric has no direction.
 */
export function judgeChange(
  metric: string,
  before: number,
  after: number,
): 'better' | 'worse' | 'same' | 'neutral' {
  const dir = METRIC_DIRECTION[metric] ?? null;
  if (dir === null) return 'neutral';
  if (after === before) return 'same';
  const improved = dir === 'lower' ? after < before : after > before;
  return improved ? 'better' : 'worse';
}

/** Same judgement for a value that is itself a change (d_ub, d_ppl, score). */
export function judgeValue(metric: string, value: number): 'better' | 'worse' | 'same' | 'neutral' {
  return judgeChange(metric, 0, value);
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
