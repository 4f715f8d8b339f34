/**
 * `text/html` face of each result kind: a static table plus an inline SVG chart. No scripts,
 * no ids, no timestamps, so the same result always gives the same bytes (snapshot-tested) and
 * it reads the same in JupyterLab, VS Code, nbviewer and on GitHub (where <style> is dropped:
 * the tables and charts still read without it).
 */
import type {
  BmiResult,
  ComparisonResult,
  GeneralMetrics,
  LftfResult,
  ScoresResult,
  TuningRunResult,
} from '../results.js';
import {
  METRIC_DIRECTION,
  METRIC_LABEL,
  escapeHtml as esc,
  fmt,
  fmtBlocks,
  fmtDelta,
  fmtInt,
  fmtSeconds,
  judgeChange,
  judgeValue,
} from './format.js';
import { PALETTE, divergingBars, lineChart, verticalBars } from './svg.js';

/** Professions drawn in the static chart: the most male- and most female-leaning halves. */
export const MAX_PROFESSION_BARS = 40;

const STYLE = `<style>
.lftf{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:13px;line-height:1.4;max-width:100%;overflow-x:auto}
.lftf .lftf-title{font-size:14px;margin:4px 0 6px}
.lftf .lftf-note{opacity:.75;margin:4px 0}
.lftf table.lftf-table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
.lftf .lftf-table th,.lftf .lftf-table td{padding:3px 7px;border-bottom:1px solid rgba(128,128,128,.3);text-align:left;white-space:nowrap}
.lftf .lftf-table th{font-weight:600;border-bottom:1px solid rgba(128,128,128,.7)}
.lftf .lftf-table th.lftf-group{text-align:center;border-bottom:1px solid rgba(128,128,128,.4)}
.lftf .lftf-dir{font-weight:400;opacity:.7}
.lftf .lftf-table .lftf-num{text-align:right}
.lftf .lftf-better{color:#1a7f37}
.lftf .lftf-worse{color:#cf222e}
.lftf tr.lftf-top td{font-weight:600}
.lftf .lftf-charts{display:flex;flex-wrap:wrap;gap:8px}
.lftf details{margin:4px 0 8px}
.lftf summary{cursor:pointer}
</style>`;

interface Cell {
  text: string;
  num?: boolean;
  cls?: string;
  title?: string;
}

function cell(text: string, num = true, cls?: string, title?: string): Cell {
  return { text, num, cls, title };
}

function td(c: Cell): string {
  const classes = [c.num ? 'lftf-num' : '', c.cls ?? ''].filter(Boolean).join(' ');
  const cl = classes ? ` class="${classes}"` : '';
  const title = c.title ? ` title="${esc(c.title)}"` : '';
  return `<td${cl}${title}>${esc(c.text)}</td>`;
}

function table(headers: Array<string | Cell>, rows: Cell[][], opts: { rowClass?: (i: number) => string; colspanHead?: string } = {}): string {
  const head = headers
    .map((h) => {
      const c = typeof h === 'string' ? { text: h, num: false } : h;
      const title = c.title ? ` title="${esc(c.title)}"` : '';
      return `<th${c.num ? ' class="lftf-num"' : ''}${title}>${esc(c.text)}</th>`;
    })
    .join('');
  const body = rows
    .map((r, i) => {
      const rc = opts.rowClass?.(i);
      return `<tr${rc ? ` class="${rc}"` : ''}>${r.map(td).join('')}</tr>`;
    })
    .join('\n');
  const top = opts.colspanHead ? `<tr>${opts.colspanHead}</tr>` : '';
  return `<table class="lftf-table"><thead>${top}<tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function wrap(kind: string, title: string, body: string[]): string {
  return [
    `<div class="lftf lftf-${kind}" data-lftf-kind="${kind}">`,
    STYLE,
    `<div class="lftf-title">${title}</div>`,
    ...body,
    '</div>',
  ].join('\n');
}

function directionHint(metric: string): string {
  const d = METRIC_DIRECTION[metric];
  return d === 'lower' ? '\u2193 better' : d === 'higher' ? '\u2191 better' : '';
}

function judgedClass(j: string): string | undefined {
  return j === 'better' ? 'lftf-better' : j === 'worse' ? 'lftf-worse' : undefined;
}

// ---------------------------------------------------------------- scores

function scoresHtml(r: ScoresResult): string {
  const order = ['afgb', 'ub', 'afgb_norm', 'signed', 'mass'] as const;
  const metricRows = order.map((k) => {
    const e = r.metrics[k];
    return [
      cell(METRIC_LABEL[k] ?? k, false),
      cell(fmt(e.value)),
      cell(fmt(e.ci[0])),
      cell(fmt(e.ci[1])),
      cell(directionHint(k), false),
    ];
  });
  if (r.ppl !== undefined) {
    metricRows.push([cell('PPL', false), cell(fmt(r.ppl, 2)), cell(''), cell(''), cell(directionHint('ppl'), false)]);
  }
  const body = [
    table(['Metric', cell('Value'), cell('95% CI low'), cell('95% CI high'), 'Direction'], metricRows),
  ];
  if (r.mc && r.mc.length > 0) {
    body.push(
      table(
        ['Task', cell('n'), cell('acc'), cell('acc_norm')],
        r.mc.map((m) => [cell(m.task, false), cell(fmtInt(m.n)), cell(fmt(m.acc)), cell(fmt(m.acc_norm))]),
      ),
    );
  }
  if (r.by_scale.length > 0) {
    body.push(
      table(
        ['Scale', cell('n'), cell('AFGB'), cell('Signed'), cell('Mass')],
        r.by_scale.map((s) => [cell(s.scale, false), cell(fmtInt(s.n)), cell(fmt(s.afgb)), cell(fmt(s.signed)), cell(fmt(s.mass))]),
      ),
    );
  }
  const profs = [...r.by_profession].sort((a, b) => b.signed - a.signed || a.profession.localeCompare(b.profession));
  if (profs.length > 0) {
    let shown = profs;
    let note = '';
    if (profs.length > MAX_PROFESSION_BARS) {
      const half = MAX_PROFESSION_BARS / 2;
      shown = [...profs.slice(0, half), ...profs.slice(-half)];
      note = `<div class="lftf-note">Showing the ${half} most male-leaning and ${half} most female-leaning of ${profs.length} professions.</div>`;
    }
    body.push(
      divergingBars(
        shown.map((p) => ({ label: p.profession, value: p.signed })),
        {
          title: 'Signed bias per profession',
          xLabel: 'signed bias (p_he - p_she) / (p_he + p_she)',
          posLabel: 'he',
          negLabel: 'she',
          posColor: PALETTE.male,
          negColor: PALETTE.female,
        },
      ),
    );
    if (note) body.push(note);
    body.push(
      `<details><summary>Per-profession table (${profs.length})</summary>`,
      table(
        ['Profession', cell('n'), cell('p(he)'), cell('p(she)'), cell('Signed'), cell('AFGB'), cell('Female share')],
        profs.map((p) => [
          cell(p.profession, false),
          cell(fmtInt(p.n)),
          cell(fmt(p.p_he, 4)),
          cell(fmt(p.p_she, 4)),
          cell(fmt(p.signed)),
          cell(fmt(p.afgb)),
          cell(p.female_share === null ? '\u2013' : fmt(p.female_share, 2)),
        ]),
      ),
      '</details>',
    );
  }
  return wrap(
    'scores',
    `<strong>Gender-bias scores</strong> \u00b7 ${esc(r.model)} \u00b7 ${esc(r.backend)} \u00b7 ${esc(r.split)} split`,
    body,
  );
}

// ---------------------------------------------------------------- bmi

/** BMI rows ranked best first; ties by block number so the order is stable. */
export function rankedBmiRows(r: BmiResult): BmiResult['blocks'] {
  return [...r.blocks].sort((a, b) => b.score - a.score || a.block - b.block);
}

function bmiHtml(r: BmiResult): string {
  const byBlock = [...r.blocks].sort((a, b) => a.block - b.block);
  const chart = verticalBars(
    byBlock.map((b) => ({ label: String(b.block), value: b.score, highlight: b.block === r.top_block })),
    { title: `BMI per block (top block ${r.top_block})`, yLabel: 'BMI', xLabel: 'block' },
  );
  const ranked = rankedBmiRows(r);
  const rows = ranked.map((b, i) => [
    cell(String(i + 1)),
    cell(String(b.block)),
    cell(fmt(b.score)),
    cell(fmtDelta(b.d_ub), true, judgedClass(judgeValue('d_ub', b.d_ub))),
    cell(fmtDelta(b.d_ppl), true, judgedClass(judgeValue('d_ppl', b.d_ppl))),
    cell(fmt(b.first_order, 4)),
    cell(fmt(b.hidden_influence, 4)),
  ]);
  const topIndex = ranked.findIndex((b) => b.block === r.top_block);
  return wrap(
    'bmi',
    `<strong>Block Mitigating Importance</strong> \u00b7 ${esc(r.model)} \u00b7 top block <strong>${r.top_block}</strong>`,
    [
      chart,
      table(
        [
          cell('Rank'),
          cell('Block'),
          cell('BMI', true, undefined, 'relative dev-AFGB reduction after tuning this block alone'),
          cell('\u0394UB', true, undefined, 'change in UB (higher is better)'),
          cell('\u0394PPL', true, undefined, 'change in perplexity (lower is better)'),
          cell('First-order', true, undefined, 'fast estimator'),
          cell('Hidden influence', true, undefined, 'fast estimator'),
        ],
        rows,
        { rowClass: (i) => (i === topIndex ? 'lftf-top' : '') },
      ),
      `<div class="lftf-note">Spearman \u03c1 against exact BMI: first-order ${fmt(r.rho.first_order)} \u00b7 hidden influence ${fmt(r.rho.hidden_influence)}</div>`,
    ],
  );
}

// ---------------------------------------------------------------- tuning-run

const LOSS_TERMS = ['loss', 'fair', 'hint', 'mass', 'keep'] as const;

function tuningHtml(r: TuningRunResult): string {
  const steps = [...r.steps].sort((a, b) => a.step - b.step);
  const mark = { markX: r.best_step, markLabel: `best ${r.best_step}` };
  const charts = LOSS_TERMS.map((term, i) =>
    lineChart([{ name: term, color: PALETTE.series[i % PALETTE.series.length]!, points: steps.map((s) => [s.step, s[term]]) }], {
      title: term === 'loss' ? 'loss (total)' : `${term} term`,
      xLabel: 'step',
      ...mark,
    }),
  );
  const dev = (k: 'dev_afgb' | 'dev_ub' | 'dev_ppl') =>
    steps.filter((s) => s[k] !== undefined).map((s) => [s.step, s[k] as number] as [number, number]);
  const afgb = dev('dev_afgb');
  const ub = dev('dev_ub');
  const ppl = dev('dev_ppl');
  if (afgb.length > 0 || ub.length > 0) {
    charts.push(
      lineChart(
        [
          ...(afgb.length ? [{ name: 'dev AFGB', color: PALETTE.female, points: afgb, dots: true }] : []),
          ...(ub.length ? [{ name: 'dev UB', color: PALETTE.male, points: ub, dots: true }] : []),
        ],
        { title: 'dev AFGB (red) / UB (blue)', xLabel: 'step', ...mark },
      ),
    );
  }
  if (ppl.length > 0) {
    charts.push(lineChart([{ name: 'dev PPL', color: PALETTE.series[2]!, points: ppl, dots: true }], { title: 'dev PPL', xLabel: 'step', ...mark }));
  }
  const best = steps.find((s) => s.step === r.best_step);
  const bestTable = best
    ? table(
        ['At best step', ...LOSS_TERMS.map((t) => cell(t)), cell('dev AFGB'), cell('dev UB'), cell('dev PPL')],
        [
          [
            cell(String(best.step)),
            ...LOSS_TERMS.map((t) => cell(fmt(best[t], 4))),
            cell(best.dev_afgb === undefined ? '\u2013' : fmt(best.dev_afgb, 4)),
            cell(best.dev_ub === undefined ? '\u2013' : fmt(best.dev_ub, 4)),
            cell(best.dev_ppl === undefined ? '\u2013' : fmt(best.dev_ppl, 2)),
          ],
        ],
      )
    : '';
  return wrap(
    'tuning-run',
    `<strong>Tuning run</strong> \u00b7 ${esc(r.model)} \u00b7 blocks ${esc(fmtBlocks(r.blocks))}`,
    [
      `<div class="lftf-note">${steps.length} logged steps (last ${steps.length ? steps[steps.length - 1]!.step : 0}) \u00b7 best step ${r.best_step} \u00b7 ${fmtInt(r.trainable_params)} trainable parameters \u00b7 ${fmtSeconds(r.wall_s)}</div>`,
      `<div class="lftf-charts">${charts.join('')}</div>`,
      bestTable,
    ],
  );
}

// ---------------------------------------------------------------- comparison

export const COMPARISON_METRICS: Array<keyof GeneralMetrics> = ['afgb', 'ub', 'mass', 'ppl', 'mc'];

export function metricDigits(k: keyof GeneralMetrics): number {
  return k === 'ppl' ? 2 : 3;
}

const COMPARISON_LABEL: Record<keyof GeneralMetrics, string> = {
  afgb: 'AFGB',
  ub: 'UB',
  mass: 'Mass',
  ppl: 'PPL',
  mc: 'MC acc.',
};

function comparisonHtml(r: ComparisonResult): string {
  // Two header rows: the metric (with its direction) over "before -> after" and the change.
  const group = [
    '<th colspan="2"></th>',
    ...COMPARISON_METRICS.map((k) => {
      const hint = directionHint(k);
      return `<th colspan="2" class="lftf-group">${esc(COMPARISON_LABEL[k])}${hint ? ` <span class="lftf-dir">${esc(hint)}</span>` : ''}</th>`;
    }),
    '<th colspan="2"></th>',
  ].join('');
  const headers: Array<string | Cell> = ['Method', 'Blocks'];
  for (const k of COMPARISON_METRICS) {
    headers.push(cell('before \u2192 after', true, undefined, COMPARISON_LABEL[k]), cell('\u0394', true, undefined, `change in ${COMPARISON_LABEL[k]}`));
  }
  headers.push(cell('Trainable params'), cell('Wall time'));
  const rows = r.rows.map((row) => {
    const cells: Cell[] = [cell(row.method, false), cell(fmtBlocks(row.blocks), false)];
    for (const k of COMPARISON_METRICS) {
      const d = metricDigits(k);
      const cls = judgedClass(judgeChange(k, row.before[k], row.after[k]));
      cells.push(cell(`${fmt(row.before[k], d)} \u2192 ${fmt(row.after[k], d)}`), cell(fmtDelta(row.after[k] - row.before[k], d), true, cls));
    }
    cells.push(cell(fmtInt(row.trainable_params)), cell(fmtSeconds(row.wall_s)));
    return cells;
  });
  return wrap('comparison', `<strong>Method comparison</strong> \u00b7 ${esc(r.model)}`, [
    table(headers, rows, { colspanHead: group }),
    `<div class="lftf-note">Green: better, red: worse (AFGB and PPL: lower is better; UB and MC accuracy: higher is better; pronoun mass has no direction).</div>`,
  ]);
}

export function toHtml(result: LftfResult): string {
  switch (result.kind) {
    case 'scores':
      return scoresHtml(result);
    case 'bmi':
      return bmiHtml(result);
    case 'tuning-run':
      return tuningHtml(result);
    case 'comparison':
      return comparisonHtml(result);
  }
}
