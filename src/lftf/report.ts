/**
 * demo's report.html: one self-contained page (no network). Static tables and SVG charts come
 * from the notebook renderers (the same HTML a notebook shows); when plotly.js-dist-min is
 * installed, it is inlined and draws interactive charts of the BMI ranking, per-profession bias
 * before/after and the loss curves.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../backend.js';
import { toHtml } from '../notebook/html.js';
import type { BmiResult, ComparisonResult, TuningRunResult } from '../results.js';
import type { DemoSummary } from './pipeline.js';

function plotlySource(): string | null {
  try {
    const path = createRequire(join(PACKAGE_ROOT, 'package.json')).resolve('plotly.js-dist-min');
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
  } catch {
    return null;
  }
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]!));

export function renderReport(summary: DemoSummary, bmi: BmiResult, run: TuningRunResult, comparison: ComparisonResult): string {
  const plotly = plotlySource();
  const data = JSON.stringify({ bmi: bmi.blocks, top: bmi.top_block, steps: run.steps,
    prof: [...summary.by_profession].sort((x, y) => y.before_signed - x.before_signed) }).replace(/</g, '\\u003c');
  const charts = plotly ? `
<h2>Interactive charts</h2>
<div id="bmi-chart" style="height:360px"></div>
<div id="prof-chart" style="height:420px"></div>
<div id="loss-chart" style="height:360px"></div>
<script>${plotly.replace(/<\/script/gi, '<\\/script')}</script>
<script>
const D = ${data};
Plotly.newPlot('bmi-chart', [{type: 'bar', x: D.bmi.map(r => 'block ' + r.block), y: D.bmi.map(r => r.score),
  marker: {color: D.bmi.map(r => r.block === D.top ? '#d62728' : '#1f77b4')},
  customdata: D.bmi.map(r => [r.d_ub, r.d_ppl, r.first_order, r.hidden_influence]),
  hovertemplate: 'BMI %{y:.3f}<br>dUB %{customdata[0]:.3f}<br>dPPL %{customdata[1]:.3f}<br>first-order %{customdata[2]:.3g}<br>hidden influence %{customdata[3]:.3g}<extra></extra>'}],
  {title: {text: 'Block Mitigating Importance (exact; top block in red)'}, yaxis: {title: {text: 'BMI'}}}, {displaylogo: false});
Plotly.newPlot('prof-chart', [['before', 'before_signed', '#9aa5b1'], ['after LFTF', 'after_signed', '#1f77b4']].map(([name, k, color]) => ({
  type: 'bar', name, x: D.prof.map(p => p.profession), y: D.prof.map(p => p[k]), marker: {color},
  customdata: D.prof.map(p => p.female_share === null ? 'unknown' : (100 * p.female_share).toFixed(0) + '%'),
  hovertemplate: '%{x}<br>' + name + ': P(he) - P(she) = %{y:.3f}<br>female share: %{customdata}<extra></extra>'})),
  {barmode: 'group', title: {text: 'Signed bias per test profession, before and after (sorted by before)'}, xaxis: {showticklabels: false, title: {text: 'profession (hover for names)'}}, yaxis: {title: {text: 'P(he) - P(she)'}}}, {displaylogo: false});
Plotly.newPlot('loss-chart', ['loss', 'fair', 'hint', 'mass', 'keep'].map(k => ({type: 'scatter', mode: 'lines', name: k,
  x: D.steps.map(s => s.step), y: D.steps.map(s => s[k])})), {title: {text: 'LFTF loss terms per step'}, xaxis: {title: {text: 'step'}}, yaxis: {type: 'log', title: {text: 'loss (log scale)'}}}, {displaylogo: false});
</script>` : '<p>(plotly.js-dist-min is not installed: interactive charts omitted; static charts above.)</p>';
  const b = summary.before, a = summary.after;
  const row = (k: keyof typeof b, digits: number) => `<tr><td>${k}</td><td>${b[k].toFixed(digits)}</td><td>${a[k].toFixed(digits)}</td><td>${(a[k] - b[k]).toFixed(digits)}</td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LFTF report: ${esc(summary.model)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}h2{margin-top:2em}</style></head><body>
<h1>LFTF report: ${esc(summary.model)}</h1>
<p>Backend ${esc(summary.backend)}, seed ${summary.seed}. Top block by exact BMI: <b>${summary.top_block}</b>.
BMI and the LFTF loss are this project's definitions (see the README), not the paper's.</p>
<h2>Before and after (test split)</h2>
<table><tr><th>metric</th><th>before</th><th>after</th><th>change</th></tr>
${row('afgb', 4)}${row('ub', 4)}${row('mass', 4)}${row('ppl', 3)}${row('mc', 3)}</table>
<h2>Block ranking</h2>${toHtml(bmi)}
<h2>Tuning run</h2>${toHtml(run)}
<h2>Baselines (same loss and budget)</h2>${toHtml(comparison)}
${charts}
<h2>Timings (s)</h2><table>${Object.entries(summary.timings).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v.toFixed(1)}</td></tr>`).join('')}</table>
</body></html>
`;
}
