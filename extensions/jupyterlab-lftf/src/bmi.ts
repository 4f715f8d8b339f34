import type { BmiResult, BmiRow } from '../../../src/results.js';
import { fmt, fmtDelta, judgeValue } from '../../../src/notebook/format.js';
import { el, note, title } from './dom.js';
import { COLORS, PLOT_CONFIG, baseLayout, loadPlotly, plotBox } from './plots.js';
import { sortableTable } from './table.js';
import type { Rendered } from './types.js';

const judged = (metric: string, v: number) => {
  const j = judgeValue(metric, v);
  return j === 'better' ? 'lftf-better' : j === 'worse' ? 'lftf-worse' : undefined;
};

export function renderBmi(root: HTMLElement, r: BmiResult): Rendered {
  const byBlock = [...r.blocks].sort((a, b) => a.block - b.block);
  const byScore = [...r.blocks].sort((a, b) => b.score - a.score || a.block - b.block);
  const rank = new Map(byScore.map((b, i) => [b.block, i + 1]));

  const sortBlock = el('button', { class: 'lftf-button lftf-sort-block', type: 'button' }, 'Sort by block');
  const sortScore = el('button', { class: 'lftf-button lftf-sort-score', type: 'button' }, 'Sort by BMI');
  const plot = plotBox('bmi', 300);
  const table = sortableTable<BmiRow>(
    [
      { key: 'rank', label: 'Rank', num: true, text: (b) => String(rank.get(b.block)), value: (b) => rank.get(b.block)! },
      { key: 'block', label: 'Block', num: true, text: (b) => String(b.block), value: (b) => b.block },
      { key: 'score', label: 'BMI', num: true, tip: 'relative dev-AFGB reduction after tuning this block alone', text: (b) => fmt(b.score), value: (b) => b.score, descFirst: true },
      { key: 'd_ub', label: '\u0394UB', num: true, tip: 'change in UB (higher is better)', text: (b) => fmtDelta(b.d_ub), value: (b) => b.d_ub, cls: (b) => judged('d_ub', b.d_ub), descFirst: true },
      { key: 'd_ppl', label: '\u0394PPL', num: true, tip: 'change in perplexity (lower is better)', text: (b) => fmtDelta(b.d_ppl), value: (b) => b.d_ppl, cls: (b) => judged('d_ppl', b.d_ppl) },
      { key: 'first_order', label: 'First-order', num: true, tip: 'fast estimator', text: (b) => fmt(b.first_order, 4), value: (b) => b.first_order, descFirst: true },
      { key: 'hidden_influence', label: 'Hidden influence', num: true, tip: 'fast estimator', text: (b) => fmt(b.hidden_influence, 4), value: (b) => b.hidden_influence, descFirst: true },
    ],
    byScore,
    { name: 'bmi', rowKey: (b) => String(b.block), rowClass: (b) => (b.block === r.top_block ? 'lftf-top' : undefined) },
  );

  root.append(
    title('Block Mitigating Importance', `${r.model} \u00b7 top block ${r.top_block}`),
    el('div', { class: 'lftf-controls' }, sortBlock, sortScore),
    plot,
    table.node,
    note(`Spearman \u03c1 against exact BMI: first-order ${fmt(r.rho.first_order)} \u00b7 hidden influence ${fmt(r.rho.hidden_influence)}`),
  );

  const setOrder = async (order: 'block' | 'score') => {
    sortBlock.setAttribute('aria-pressed', String(order === 'block'));
    sortScore.setAttribute('aria-pressed', String(order === 'score'));
    table.sortBy(order === 'block' ? 'block' : 'score', order === 'block' ? 'asc' : 'desc');
    const rows = order === 'block' ? byBlock : byScore;
    plot.dataset.order = order;
    if (plot.dataset.drawn) {
      const Plotly = await loadPlotly();
      await Plotly.relayout(plot, { 'xaxis.categoryarray': rows.map((b) => String(b.block)) });
    }
  };
  sortBlock.addEventListener('click', () => void setOrder('block'));
  sortScore.addEventListener('click', () => void setOrder('score'));
  sortBlock.setAttribute('aria-pressed', 'true');
  sortScore.setAttribute('aria-pressed', 'false');
  plot.dataset.order = 'block';

  const ready = loadPlotly().then(async (Plotly) => {
    const trace = {
      type: 'bar',
      x: byBlock.map((b) => String(b.block)),
      y: byBlock.map((b) => b.score),
      marker: { color: byBlock.map((b) => (b.block === r.top_block ? COLORS.highlight : COLORS.bar)) },
      customdata: byBlock.map((b) => [b.d_ub, b.d_ppl, b.first_order, b.hidden_influence]),
      hovertemplate:
        'Block %{x}<br>BMI %{y:.3f}<br>\u0394UB %{customdata[0]:+.3f}<br>\u0394PPL %{customdata[1]:+.3f}' +
        '<br>first-order %{customdata[2]:.4f}<br>hidden influence %{customdata[3]:.4f}<extra></extra>',
    };
    const ordered = plot.dataset.order === 'score' ? byScore : byBlock;
    await Plotly.newPlot(
      plot,
      [trace],
      baseLayout(root, {
        xaxis: { title: { text: 'block' }, type: 'category', categoryorder: 'array', categoryarray: ordered.map((b) => String(b.block)) },
        yaxis: { title: { text: 'BMI' }, zeroline: true, zerolinecolor: getComputedStyle(root).getPropertyValue('--jp-ui-font-color2').trim() || '#666' },
        bargap: 0.25,
      }),
      PLOT_CONFIG,
    );
    plot.dataset.drawn = 'true';
  });
  return { plots: [plot], ready };
}
