import type { TuningRunResult } from '../../../src/results.js';
import { fmt, fmtBlocks, fmtInt, fmtSeconds } from '../../../src/notebook/format.js';
import { note, title } from './dom.js';
import { COLORS, PLOT_CONFIG, baseLayout, loadPlotly, plotBox } from './plots.js';
import type { Rendered } from './types.js';

const TERMS = ['loss', 'fair', 'hint', 'mass', 'keep'] as const;

export function renderTuning(root: HTMLElement, r: TuningRunResult): Rendered {
  const steps = [...r.steps].sort((a, b) => a.step - b.step);
  const best = steps.find((s) => s.step === r.best_step);
  const lossPlot = plotBox('loss', 320);
  const devPlot = plotBox('dev', 280);
  const hasDev = steps.some((s) => s.dev_afgb !== undefined || s.dev_ub !== undefined || s.dev_ppl !== undefined);
  root.append(
    title('Tuning run', `${r.model} \u00b7 blocks ${fmtBlocks(r.blocks)}`),
    note(
      `${steps.length} logged steps \u00b7 best step ${r.best_step}` +
        (best?.dev_afgb !== undefined ? ` (dev AFGB ${fmt(best.dev_afgb, 4)})` : '') +
        ` \u00b7 ${fmtInt(r.trainable_params)} trainable parameters \u00b7 ${fmtSeconds(r.wall_s)}`,
    ),
    lossPlot,
  );
  if (hasDev) root.append(devPlot);

  const bestLine = (yref: string) => ({
    type: 'line',
    xref: 'x',
    yref,
    x0: r.best_step,
    x1: r.best_step,
    y0: 0,
    y1: 1,
    line: { color: COLORS.highlight, dash: 'dash', width: 1.5 },
  });
  const bestNote = { x: r.best_step, y: 1, yref: 'paper', text: `best ${r.best_step}`, showarrow: false, xanchor: 'left', yanchor: 'bottom', font: { color: COLORS.highlight } };
  const x = steps.map((s) => s.step);

  const ready = loadPlotly().then(async (Plotly) => {
    await Plotly.newPlot(
      lossPlot,
      TERMS.map((t, i) => ({
        type: 'scatter',
        mode: 'lines',
        name: t === 'loss' ? 'loss (total)' : t,
        x,
        y: steps.map((s) => s[t]),
        line: { color: COLORS.series[i], width: t === 'loss' ? 2.5 : 1.5 },
        hovertemplate: `${t} %{y:.4f} at step %{x}<extra></extra>`,
      })),
      baseLayout(root, {
        title: { text: 'Loss terms', x: 0, xanchor: 'left', font: { size: 13 } },
        xaxis: { title: { text: 'step' } },
        yaxis: { title: { text: 'loss' }, rangemode: 'tozero' },
        // small terms (mass, keep) sit near zero on a linear axis: offer a log axis
        updatemenus: [
          {
            type: 'buttons',
            direction: 'right',
            x: 0.15,
            xanchor: 'left',
            y: 1.2,
            showactive: true,
            buttons: [
              { label: 'linear', method: 'relayout', args: [{ 'yaxis.type': 'linear', 'yaxis.rangemode': 'tozero' }] },
              { label: 'log', method: 'relayout', args: [{ 'yaxis.type': 'log' }] },
            ],
          },
        ],
        shapes: [bestLine('paper')],
        annotations: [bestNote],
        legend: { orientation: 'h', y: -0.25 },
        margin: { l: 56, r: 16, t: 36, b: 70 },
      }),
      PLOT_CONFIG,
    );
    lossPlot.dataset.drawn = 'true';
    if (!hasDev) return;
    const dev = (k: 'dev_afgb' | 'dev_ub' | 'dev_ppl') => steps.filter((s) => s[k] !== undefined);
    await Plotly.newPlot(
      devPlot,
      [
        { type: 'scatter', mode: 'lines+markers', name: 'dev AFGB (\u2193)', x: dev('dev_afgb').map((s) => s.step), y: dev('dev_afgb').map((s) => s.dev_afgb), line: { color: COLORS.female } },
        { type: 'scatter', mode: 'lines+markers', name: 'dev UB (\u2191)', x: dev('dev_ub').map((s) => s.step), y: dev('dev_ub').map((s) => s.dev_ub), line: { color: COLORS.male } },
        { type: 'scatter', mode: 'lines+markers', name: 'dev PPL (\u2193, right axis)', x: dev('dev_ppl').map((s) => s.step), y: dev('dev_ppl').map((s) => s.dev_ppl), yaxis: 'y2', line: { color: COLORS.series[2], dash: 'dot' } },
      ],
      baseLayout(root, {
        title: { text: 'Dev metrics', x: 0, xanchor: 'left', font: { size: 13 } },
        xaxis: { title: { text: 'step' }, zeroline: false },
        yaxis: { title: { text: 'AFGB / UB' } },
        yaxis2: { title: { text: 'PPL' }, overlaying: 'y', side: 'right', showgrid: false, tickformat: '.1f' },
        shapes: [bestLine('paper')],
        annotations: [bestNote],
        legend: { orientation: 'h', y: -0.3 },
        margin: { l: 56, r: 56, t: 36, b: 70 },
      }),
      PLOT_CONFIG,
    );
    devPlot.dataset.drawn = 'true';
  });
  return { plots: hasDev ? [lossPlot, devPlot] : [lossPlot], ready };
}
