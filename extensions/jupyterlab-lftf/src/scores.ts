import type { BiasMetrics, ProfessionRow, ScaleRow, ScoresResult } from '../../../src/results.js';
import { METRIC_DIRECTION, METRIC_LABEL, fmt, fmtCi, fmtInt } from '../../../src/notebook/format.js';
import { el, title } from './dom.js';
import { COLORS, PLOT_CONFIG, baseLayout, loadPlotly, plotBox } from './plots.js';
import { sortableTable } from './table.js';
import type { Rendered } from './types.js';

interface MetricRow {
  key: string;
  value: number;
  lo: number | null;
  hi: number | null;
}

const direction = (k: string) => {
  const d = METRIC_DIRECTION[k];
  return d === 'lower' ? '\u2193 better' : d === 'higher' ? '\u2191 better' : '';
};

type ProfMetric = 'signed' | 'afgb' | 'pronouns';

export function renderScores(root: HTMLElement, r: ScoresResult): Rendered {
  const keys: Array<keyof BiasMetrics> = ['afgb', 'ub', 'afgb_norm', 'signed', 'mass'];
  const metricRows: MetricRow[] = keys.map((k) => ({ key: k, value: r.metrics[k].value, lo: r.metrics[k].ci[0], hi: r.metrics[k].ci[1] }));
  if (r.ppl !== undefined) metricRows.push({ key: 'ppl', value: r.ppl, lo: null, hi: null });
  const metrics = sortableTable<MetricRow>(
    [
      { key: 'metric', label: 'Metric', text: (m) => METRIC_LABEL[m.key] ?? m.key, value: (m) => METRIC_LABEL[m.key] ?? m.key },
      { key: 'value', label: 'Value', num: true, text: (m) => fmt(m.value, m.key === 'ppl' ? 2 : 3), value: (m) => m.value },
      { key: 'ci_lo', label: '95% CI low', num: true, text: (m) => (m.lo === null ? '' : fmt(m.lo)), value: (m) => m.lo ?? -Infinity },
      { key: 'ci_hi', label: '95% CI high', num: true, text: (m) => (m.hi === null ? '' : fmt(m.hi)), value: (m) => m.hi ?? -Infinity },
      { key: 'ci_w', label: 'CI width', num: true, text: (m) => (m.lo === null || m.hi === null ? '' : fmt(m.hi - m.lo)), value: (m) => (m.lo === null || m.hi === null ? -Infinity : m.hi - m.lo) },
      { key: 'dir', label: 'Direction', text: (m) => direction(m.key) },
    ],
    metricRows,
    { name: 'metrics', rowKey: (m) => m.key },
  );
  root.append(title('Gender-bias scores', `${r.model} \u00b7 ${r.backend} \u00b7 ${r.split} split`), metrics.node);

  if (r.mc && r.mc.length > 0) {
    root.append(
      sortableTable(
        [
          { key: 'task', label: 'Task', text: (m) => m.task, value: (m) => m.task },
          { key: 'n', label: 'n', num: true, text: (m) => fmtInt(m.n), value: (m) => m.n },
          { key: 'acc', label: 'acc', num: true, text: (m) => fmt(m.acc), value: (m) => m.acc, descFirst: true },
          { key: 'acc_norm', label: 'acc_norm', num: true, text: (m) => fmt(m.acc_norm), value: (m) => m.acc_norm, descFirst: true },
        ],
        r.mc,
        { name: 'mc', rowKey: (m) => m.task },
      ).node,
    );
  }
  if (r.by_scale.length > 0) {
    root.append(
      sortableTable<ScaleRow>(
        [
          { key: 'scale', label: 'Scale', text: (s) => s.scale, value: (s) => s.scale },
          { key: 'n', label: 'n', num: true, text: (s) => fmtInt(s.n), value: (s) => s.n },
          { key: 'afgb', label: 'AFGB', num: true, text: (s) => fmt(s.afgb), value: (s) => s.afgb },
          { key: 'signed', label: 'Signed', num: true, text: (s) => fmt(s.signed), value: (s) => s.signed },
          { key: 'mass', label: 'Mass', num: true, text: (s) => fmt(s.mass), value: (s) => s.mass },
        ],
        r.by_scale,
        { name: 'scales', rowKey: (s) => s.scale },
      ).node,
    );
  }
  if (r.by_profession.length === 0) return { plots: [], ready: Promise.resolve() };

  // ---- per-profession drill-down: chart -> click a bar -> detail panel + highlighted row
  const profs = [...r.by_profession];
  const select = el(
    'select',
    { class: 'lftf-prof-metric', 'aria-label': 'profession metric' },
    el('option', { value: 'signed' }, 'signed bias'),
    el('option', { value: 'afgb' }, 'AFGB'),
    el('option', { value: 'pronouns' }, 'p(he) vs p(she)'),
  );
  const plot = plotBox('professions', Math.max(260, 60 + profs.length * 18));
  const drill = el('div', { class: 'lftf-drill' }, 'Click a profession bar for its details.');
  const profTable = sortableTable<ProfessionRow>(
    [
      { key: 'profession', label: 'Profession', text: (p) => p.profession, value: (p) => p.profession },
      { key: 'n', label: 'n', num: true, text: (p) => fmtInt(p.n), value: (p) => p.n },
      { key: 'p_he', label: 'p(he)', num: true, text: (p) => fmt(p.p_he, 4), value: (p) => p.p_he, descFirst: true },
      { key: 'p_she', label: 'p(she)', num: true, text: (p) => fmt(p.p_she, 4), value: (p) => p.p_she, descFirst: true },
      { key: 'signed', label: 'Signed', num: true, text: (p) => fmt(p.signed), value: (p) => p.signed, descFirst: true },
      { key: 'afgb', label: 'AFGB', num: true, text: (p) => fmt(p.afgb), value: (p) => p.afgb, descFirst: true },
      { key: 'female_share', label: 'Female share', num: true, text: (p) => (p.female_share === null ? '\u2013' : fmt(p.female_share, 2)), value: (p) => p.female_share ?? -1 },
    ],
    profs,
    { name: 'professions', rowKey: (p) => p.profession },
  );
  profTable.sortBy('signed', 'desc');
  const details = el('details', { class: 'lftf-prof-details' }, el('summary', {}, `Per-profession table (${profs.length})`), profTable.node);
  root.append(el('div', { class: 'lftf-controls' }, el('span', {}, 'Per profession: '), select), el('div', { class: 'lftf-drill-row' }, plot, drill), details);

  const showDetail = (name: string) => {
    const p = profs.find((x) => x.profession === name);
    if (!p) return;
    drill.dataset.profession = p.profession;
    const share = p.female_share === null ? 'unknown' : `${(100 * p.female_share).toFixed(0)}%`;
    drill.replaceChildren(
      el('div', { class: 'lftf-drill-title' }, p.profession),
      el('div', {}, `n = ${fmtInt(p.n)} prompts`),
      el('div', {}, `p(he) = ${fmt(p.p_he, 4)}, p(she) = ${fmt(p.p_she, 4)}`),
      el('div', {}, `signed bias = ${fmt(p.signed)} (${p.signed >= 0 ? 'he' : 'she'}-leaning)`),
      el('div', {}, `AFGB = ${fmt(p.afgb)}`),
      el('div', {}, `real-world female share: ${share}`),
    );
    for (const tr of profTable.node.querySelectorAll('tbody tr')) {
      tr.classList.toggle('lftf-selected', (tr as HTMLElement).dataset.key === p.profession);
    }
  };

  const traces = (m: ProfMetric) => {
    const sorted = [...profs].sort((a, b) => (m === 'afgb' ? a.afgb - b.afgb : a.signed - b.signed));
    const y = sorted.map((p) => p.profession);
    if (m === 'pronouns') {
      return [
        { type: 'bar', orientation: 'h', name: 'p(he)', y, x: sorted.map((p) => p.p_he), marker: { color: COLORS.male }, hovertemplate: '%{y}: p(he) %{x:.4f}<extra></extra>' },
        { type: 'bar', orientation: 'h', name: 'p(she)', y, x: sorted.map((p) => p.p_she), marker: { color: COLORS.female }, hovertemplate: '%{y}: p(she) %{x:.4f}<extra></extra>' },
      ];
    }
    const x = sorted.map((p) => (m === 'afgb' ? p.afgb : p.signed));
    return [
      {
        type: 'bar',
        orientation: 'h',
        name: m,
        y,
        x,
        marker: { color: m === 'afgb' ? x.map(() => COLORS.bar) : x.map((v) => (v >= 0 ? COLORS.male : COLORS.female)) },
        customdata: sorted.map((p) => [p.p_he, p.p_she, p.female_share ?? NaN]),
        hovertemplate: `%{y}<br>${m === 'afgb' ? 'AFGB' : 'signed'} %{x:.3f}<br>p(he) %{customdata[0]:.4f} \u00b7 p(she) %{customdata[1]:.4f}<extra></extra>`,
      },
    ];
  };
  const layoutFor = (m: ProfMetric) =>
    baseLayout(root, {
      margin: { l: 110, r: 16, t: 10, b: 44 },
      barmode: 'group',
      showlegend: m === 'pronouns',
      legend: { orientation: 'h', y: 1.02, x: 0 },
      xaxis: { title: { text: m === 'signed' ? 'signed bias (+ he, \u2212 she)' : m === 'afgb' ? 'AFGB' : 'probability' }, zeroline: true },
      yaxis: { automargin: true, type: 'category' },
    });

  const ready = loadPlotly().then(async (Plotly) => {
    await Plotly.newPlot(plot, traces('signed'), layoutFor('signed'), PLOT_CONFIG);
    plot.dataset.drawn = 'true';
    plot.dataset.metric = 'signed';
    (plot as unknown as { on(ev: string, cb: (e: { points: Array<{ y: string }> }) => void): void }).on('plotly_click', (e) => {
      if (e.points[0]) showDetail(e.points[0].y);
    });
    select.addEventListener('change', () => {
      const m = select.value as ProfMetric;
      plot.dataset.metric = m;
      void Plotly.react(plot, traces(m), layoutFor(m), PLOT_CONFIG);
    });
  });
  return { plots: [plot], ready };
}
