/**
 * Small deterministic SVG charts for the static `text/html` face of a result. Presentation
 * attributes only (no CSS, no scripts, no ids), so they survive sanitisers such as
 * nbviewer's and VS Code's and render identically everywhere. Text uses currentColor so a
 * dark theme stays readable.
 */
import { escapeHtml, fmt } from './format.js';

export const PALETTE = {
  bar: '#7f9cc0',
  highlight: '#d9622b',
  male: '#4c78a8',
  female: '#e45756',
  grid: '#8888',
  axis: '#888',
  series: ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2'],
};

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

/** Round to 2 decimals: keeps snapshots short and stable. */
function n(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Nice round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= hi + step * 1e-6 || ticks.length < 2; v += step) {
    ticks.push(Math.round(v / step) * step);
    if (ticks.length > 50) break;
  }
  if (ticks[ticks.length - 1]! < hi - 1e-12) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

function tickDigits(ticks: number[]): number {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  return Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
}

function svgOpen(width: number, height: number, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" role="img" ${FONT} font-size="11">` +
    `<title>${escapeHtml(title)}</title>`
  );
}

export interface VBar {
  label: string;
  value: number;
  highlight?: boolean;
}

/** Vertical bars from a zero baseline (negative values hang below it). */
export function verticalBars(
  bars: VBar[],
  opts: { title: string; yLabel: string; xLabel: string; width?: number; height?: number },
): string {
  const width = opts.width ?? Math.max(320, 56 + bars.length * 34);
  const height = opts.height ?? 220;
  const m = { top: 22, right: 12, bottom: 40, left: 52 };
  const iw = width - m.left - m.right;
  const ih = height - m.top - m.bottom;
  const values = bars.map((b) => b.value);
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const y0 = ticks[0]!;
  const y1 = ticks[ticks.length - 1]!;
  const y = (v: number) => m.top + ih - ((v - y0) / (y1 - y0)) * ih;
  const band = iw / Math.max(1, bars.length);
  const digits = tickDigits(ticks);
  const parts = [svgOpen(width, height, opts.title)];
  for (const t of ticks) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + iw}" y1="${n(y(t))}" y2="${n(y(t))}" stroke="${PALETTE.grid}" stroke-width="${t === 0 ? 1 : 0.5}"/>`,
      `<text x="${m.left - 6}" y="${n(y(t) + 4)}" text-anchor="end" fill="currentColor">${fmt(t, digits)}</text>`,
    );
  }
  bars.forEach((b, i) => {
    const x = m.left + i * band + band * 0.15;
    const top = y(Math.max(0, b.value));
    const h = Math.abs(y(b.value) - y(0));
    const fill = b.highlight ? PALETTE.highlight : PALETTE.bar;
    parts.push(
      `<rect x="${n(x)}" y="${n(top)}" width="${n(band * 0.7)}" height="${n(Math.max(h, 0.5))}" fill="${fill}">` +
        `<title>${escapeHtml(b.label)}: ${fmt(b.value)}</title></rect>`,
      `<text x="${n(x + band * 0.35)}" y="${m.top + ih + 14}" text-anchor="middle" fill="currentColor">${escapeHtml(b.label)}</text>`,
    );
    if (b.highlight) {
      const ly = b.value >= 0 ? top - 4 : top + h + 11;
      parts.push(
        `<text x="${n(x + band * 0.35)}" y="${n(ly)}" text-anchor="middle" fill="${PALETTE.highlight}" font-weight="bold">${fmt(b.value)}</text>`,
      );
    }
  });
  parts.push(
    `<text x="${m.left + iw / 2}" y="${height - 6}" text-anchor="middle" fill="currentColor">${escapeHtml(opts.xLabel)}</text>`,
    `<text transform="translate(12 ${n(m.top + ih / 2)}) rotate(-90)" text-anchor="middle" fill="currentColor">${escapeHtml(opts.yLabel)}</text>`,
    '</svg>',
  );
  return parts.join('');
}

export interface HBar {
  label: string;
  value: number;
}

/**
 * Horizontal bars diverging from zero: positive to the right in `posColor`, negative to the
 * left in `negColor`. Axis is symmetric so the two sides compare by length.
 */
export function divergingBars(
  rows: HBar[],
  opts: { title: string; xLabel: string; posLabel: string; negLabel: string; posColor: string; negColor: string; width?: number },
): string {
  const width = opts.width ?? 520;
  const rowH = 16;
  const m = { top: 26, right: 16, bottom: 34, left: 110 };
  const ih = rows.length * rowH;
  const height = m.top + ih + m.bottom;
  const iw = width - m.left - m.right;
  const maxAbs = Math.max(1e-9, ...rows.map((r) => Math.abs(r.value)));
  const ticks = niceTicks(-maxAbs, maxAbs, 6);
  const lim = Math.max(Math.abs(ticks[0]!), Math.abs(ticks[ticks.length - 1]!));
  const x = (v: number) => m.left + ((v + lim) / (2 * lim)) * iw;
  const digits = tickDigits(ticks);
  const parts = [svgOpen(width, height, opts.title)];
  parts.push(
    `<text x="0" y="14" font-weight="bold" fill="currentColor">${escapeHtml(opts.title)}</text>`,
    `<text x="${n(x(0) - 6)}" y="14" text-anchor="end" fill="${opts.negColor}">\u2190 ${escapeHtml(opts.negLabel)}</text>`,
    `<text x="${n(x(0) + 6)}" y="14" fill="${opts.posColor}">${escapeHtml(opts.posLabel)} \u2192</text>`,
  );
  for (const t of ticks) {
    if (Math.abs(t) > lim + 1e-12) continue;
    parts.push(
      `<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${m.top}" y2="${m.top + ih}" stroke="${PALETTE.grid}" stroke-width="${t === 0 ? 1 : 0.5}"/>`,
      `<text x="${n(x(t))}" y="${m.top + ih + 13}" text-anchor="middle" fill="currentColor">${fmt(t, digits)}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const yTop = m.top + i * rowH + 2;
    const x0 = x(Math.min(0, r.value));
    const w = Math.abs(x(r.value) - x(0));
    const fill = r.value >= 0 ? opts.posColor : opts.negColor;
    parts.push(
      `<text x="${m.left - 6}" y="${n(yTop + rowH - 5)}" text-anchor="end" fill="currentColor">${escapeHtml(r.label)}</text>`,
      `<rect x="${n(x0)}" y="${n(yTop)}" width="${n(Math.max(w, 0.5))}" height="${rowH - 4}" fill="${fill}">` +
        `<title>${escapeHtml(r.label)}: ${fmt(r.value)}</title></rect>`,
    );
  });
  parts.push(
    `<text x="${n(m.left + iw / 2)}" y="${height - 6}" text-anchor="middle" fill="currentColor">${escapeHtml(opts.xLabel)}</text>`,
    '</svg>',
  );
  return parts.join('');
}

export interface LineSeries {
  name: string;
  points: Array<[number, number]>;
  color: string;
  /** Draw dots at each point (sparse series such as dev evaluations). */
  dots?: boolean;
}

/** One small line chart; `markX` draws a dashed vertical line (e.g. the best step). */
export function lineChart(
  series: LineSeries[],
  opts: { title: string; xLabel: string; width?: number; height?: number; markX?: number; markLabel?: string },
): string {
  const width = opts.width ?? 260;
  const height = opts.height ?? 170;
  const m = { top: 24, right: 10, bottom: 32, left: 48 };
  const iw = width - m.left - m.right;
  const ih = height - m.top - m.bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yt = niceTicks(Math.min(...ys), Math.max(...ys), 4);
  const y0 = yt[0]!;
  const y1 = yt[yt.length - 1]!;
  const x = (v: number) => m.left + (xMax > xMin ? ((v - xMin) / (xMax - xMin)) * iw : iw / 2);
  const y = (v: number) => m.top + ih - ((v - y0) / (y1 - y0)) * ih;
  const digits = tickDigits(yt);
  const parts = [svgOpen(width, height, opts.title)];
  parts.push(`<text x="${m.left}" y="14" font-weight="bold" fill="currentColor">${escapeHtml(opts.title)}</text>`);
  for (const t of yt) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + iw}" y1="${n(y(t))}" y2="${n(y(t))}" stroke="${PALETTE.grid}" stroke-width="0.5"/>`,
      `<text x="${m.left - 5}" y="${n(y(t) + 4)}" text-anchor="end" fill="currentColor">${fmt(t, digits)}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax, 4).filter((t) => t >= xMin && t <= xMax)) {
    parts.push(`<text x="${n(x(t))}" y="${m.top + ih + 13}" text-anchor="middle" fill="currentColor">${fmt(t, 0)}</text>`);
  }
  if (opts.markX !== undefined) {
    parts.push(
      `<line x1="${n(x(opts.markX))}" x2="${n(x(opts.markX))}" y1="${m.top}" y2="${m.top + ih}" stroke="${PALETTE.highlight}" stroke-dasharray="4 3"/>`,
    );
    if (opts.markLabel) {
      parts.push(
        `<text x="${n(x(opts.markX) + 3)}" y="${m.top + 10}" fill="${PALETTE.highlight}">${escapeHtml(opts.markLabel)}</text>`,
      );
    }
  }
  for (const s of series) {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (pts.length === 0) continue;
    const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(x(p[0]))},${n(y(p[1]))}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"><title>${escapeHtml(s.name)}</title></path>`);
    if (s.dots) {
      for (const p of pts) {
        parts.push(`<circle cx="${n(x(p[0]))}" cy="${n(y(p[1]))}" r="2.5" fill="${s.color}"/>`);
      }
    }
  }
  parts.push(
    `<text x="${n(m.left + iw / 2)}" y="${height - 4}" text-anchor="middle" fill="currentColor">${escapeHtml(opts.xLabel)}</text>`,
    '</svg>',
  );
  return parts.join('');
}
