/**
 * `text/plain` face of each result kind: a compact fixed-width table, the fallback that every
 * front end (terminal, nbconvert to text, a plain Jupyter console) can show.
 */
import type { BmiResult, ComparisonResult, LftfResult, ScoresResult, TuningRunResult } from '../results.js';
import { METRIC_LABEL, fmt, fmtBlocks, fmtCi, fmtDelta, fmtInt, fmtSeconds } from './format.js';
import { COMPARISON_METRICS, metricDigits, rankedBmiRows } from './html.js';

/** Professions listed at each end in the text face. */
const TEXT_PROFESSIONS_EACH_END = 5;

/** Left-align the first column, right-align the rest. */
export function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function scoresText(r: ScoresResult): string {
  const out = [`Gender-bias scores: ${r.model} (${r.backend}, ${r.split} split)`];
  const rows = (['afgb', 'ub', 'afgb_norm', 'signed', 'mass'] as const).map((k) => [
    METRIC_LABEL[k] ?? k,
    fmt(r.metrics[k].value),
    fmtCi(r.metrics[k].ci),
  ]);
  if (r.ppl !== undefined) rows.push(['PPL', fmt(r.ppl, 2), '']);
  out.push(textTable(['metric', 'value', '95% CI'], rows));
  if (r.mc && r.mc.length > 0) {
    out.push('', textTable(['task', 'n', 'acc', 'acc_norm'], r.mc.map((m) => [m.task, String(m.n), fmt(m.acc), fmt(m.acc_norm)])));
  }
  const profs = [...r.by_profession].sort((a, b) => b.signed - a.signed || a.profession.localeCompare(b.profession));
  if (profs.length > 0) {
    const k = TEXT_PROFESSIONS_EACH_END;
    const pick = profs.length > 2 * k ? [...profs.slice(0, k), ...profs.slice(-k)] : profs;
    const label = profs.length > 2 * k ? `most he-/she-leaning of ${profs.length} professions` : 'professions';
    out.push('', `Signed bias, ${label} (+ he, - she):`);
    out.push(textTable(['profession', 'signed', 'afgb'], pick.map((p) => [p.profession, fmtDelta(p.signed), fmt(p.afgb)])));
  }
  return out.join('\n');
}

function bmiText(r: BmiResult): string {
  const rows = rankedBmiRows(r).map((b, i) => [
    String(i + 1),
    String(b.block) + (b.block === r.top_block ? ' *' : ''),
    fmt(b.score),
    fmtDelta(b.d_ub),
    fmtDelta(b.d_ppl),
    fmt(b.first_order, 4),
    fmt(b.hidden_influence, 4),
  ]);
  return [
    `BMI ranking: ${r.model} (top block ${r.top_block})`,
    textTable(['rank', 'block', 'BMI', 'dUB', 'dPPL', 'first_order', 'hidden_infl'], rows),
    `Spearman rho vs exact BMI: first_order ${fmt(r.rho.first_order)}, hidden_influence ${fmt(r.rho.hidden_influence)}`,
  ].join('\n');
}

function tuningText(r: TuningRunResult): string {
  const steps = [...r.steps].sort((a, b) => a.step - b.step);
  const best = steps.find((s) => s.step === r.best_step);
  const last = steps[steps.length - 1];
  const pick = [steps[0], best, last].filter((s, i, a): s is NonNullable<typeof s> => s !== undefined && a.indexOf(s) === i);
  const opt = (x: number | undefined, d: number) => (x === undefined ? '-' : fmt(x, d));
  return [
    `Tuning run: ${r.model}, blocks ${fmtBlocks(r.blocks)}; ${fmtInt(r.trainable_params)} trainable params; ${fmtSeconds(r.wall_s)}`,
    textTable(
      ['step', 'loss', 'fair', 'hint', 'mass', 'keep', 'dev_afgb', 'dev_ub', 'dev_ppl'],
      pick.map((s) => [
        String(s.step) + (s.step === r.best_step ? ' (best)' : ''),
        fmt(s.loss, 4),
        fmt(s.fair, 4),
        fmt(s.hint, 4),
        fmt(s.mass, 4),
        fmt(s.keep, 4),
        opt(s.dev_afgb, 4),
        opt(s.dev_ub, 4),
        opt(s.dev_ppl, 2),
      ]),
    ),
  ].join('\n');
}

function comparisonText(r: ComparisonResult): string {
  const headers = ['method', 'blocks', ...COMPARISON_METRICS.map((k) => `${k} (delta)`), 'params', 'wall'];
  const rows = r.rows.map((row) => [
    row.method,
    fmtBlocks(row.blocks),
    ...COMPARISON_METRICS.map((k) => {
      const d = metricDigits(k);
      return `${fmt(row.after[k], d)} (${fmtDelta(row.after[k] - row.before[k], d)})`;
    }),
    fmtInt(row.trainable_params),
    fmtSeconds(row.wall_s),
  ]);
  return [`Method comparison: ${r.model} (after tuning, change from before)`, textTable(headers, rows)].join('\n');
}

export function toText(result: LftfResult): string {
  switch (result.kind) {
    case 'scores':
      return scoresText(result);
    case 'bmi':
      return bmiText(result);
    case 'tuning-run':
      return tuningText(result);
    case 'comparison':
      return comparisonText(result);
  }
}
