/**
 * plotly.js, loaded on first use (its own webpack chunk, about 4.7 MB), so tables render at
 * once and JupyterLab does not load plotly for notebooks without LFTF output.
 */
import type PlotlyType from 'plotly.js-dist-min';

type Plotly = typeof PlotlyType;
let loading: Promise<Plotly> | null = null;

export function loadPlotly(): Promise<Plotly> {
  loading ??= import(/* webpackChunkName: "plotly" */ 'plotly.js-dist-min').then((m) => ((m as { default?: Plotly }).default ?? (m as unknown as Plotly)));
  return loading;
}

export const PLOT_CONFIG = {
  displaylogo: false,
  responsive: true,
  modeBarButtonsToRemove: ['lasso2d', 'select2d', 'autoScale2d'],
};

export const COLORS = {
  bar: '#7f9cc0',
  highlight: '#d9622b',
  male: '#4c78a8',
  female: '#e45756',
  series: ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2'],
};

function cssVar(node: HTMLElement, name: string, fallback: string): string {
  const v = getComputedStyle(node).getPropertyValue(name).trim();
  return v || fallback;
}

/**
 * Transparent background and JupyterLab's font colour, so light and dark themes both work.
 * Axis objects in `extra` are merged into the themed defaults, not swapped for them.
 */
export function baseLayout(node: HTMLElement, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const font = cssVar(node, '--jp-ui-font-color1', '#333');
  const grid = cssVar(node, '--jp-border-color2', '#ddd');
  const axis = { gridcolor: grid, zerolinecolor: grid, linecolor: grid };
  const layout: Record<string, unknown> = {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: font, family: cssVar(node, '--jp-ui-font-family', 'system-ui, sans-serif'), size: 12 },
    margin: { l: 56, r: 16, t: 28, b: 44 },
    ...extra,
  };
  for (const key of ['xaxis', 'yaxis', 'yaxis2']) {
    if (key === 'yaxis2' && !(key in extra)) continue;
    layout[key] = { ...axis, ...((extra[key] as Record<string, unknown> | undefined) ?? {}) };
  }
  return layout;
}

/** A plot container with a fixed height; width follows the output area. */
export function plotBox(name: string, height: number): HTMLDivElement {
  const div = document.createElement('div');
  div.className = 'lftf-plot';
  div.dataset.lftfPlot = name;
  div.style.height = `${height}px`;
  return div;
}
