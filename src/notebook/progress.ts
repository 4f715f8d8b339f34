/**
 * The one progress interface every long loop reports through (scoring, BMI ranking, tuning).
 * `createProgress` picks the face: an in-place updating output in a tslab notebook, a
 * cli-progress bar on a terminal, a few plain lines when stderr is not a TTY (CI logs), or
 * nothing. LFTF_PROGRESS=notebook|terminal|lines|off overrides the choice.
 */
import cliProgress from 'cli-progress';
import { escapeHtml } from './format.js';
import { inTslabKernel, newDisplayId, sendDisplayData } from './tslab.js';

export type ProgressInfo = Record<string, number | string>;

export interface Progress {
  /** (Re)start at 0 of `total`; a new label replaces the old one. */
  start(total: number, label?: string): void;
  /** Advance by `n` (default 1); `info` (e.g. {loss: 0.31}) is shown beside the bar. */
  tick(n?: number, info?: ProgressInfo): void;
  /** Mark finished and flush the last state (always shown, never throttled). */
  done(): void;
}

export type ProgressMode = 'notebook' | 'terminal' | 'lines' | 'off';

export interface ProgressOptions {
  mode?: ProgressMode;
  /** Minimum milliseconds between two notebook updates / plain lines. */
  throttleMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Where terminal and line output goes (default process.stderr). */
  stream?: NodeJS.WriteStream;
}

function pickMode(opts: ProgressOptions): ProgressMode {
  if (opts.mode) return opts.mode;
  const env = process.env.LFTF_PROGRESS;
  if (env === 'notebook' || env === 'terminal' || env === 'lines' || env === 'off') return env;
  if (inTslabKernel()) return 'notebook';
  return (opts.stream ?? process.stderr).isTTY ? 'terminal' : 'lines';
}

export function createProgress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const mode = pickMode(opts);
  const p =
    mode === 'notebook'
      ? new NotebookProgress(opts)
      : mode === 'terminal'
        ? new TerminalProgress(opts)
        : mode === 'lines'
          ? new LineProgress(opts)
          : new SilentProgress();
  p.start(total, label);
  return p;
}

export function formatInfo(info: ProgressInfo | undefined): string {
  if (!info) return '';
  return Object.entries(info)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v}`)
    .join(' ');
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Counting, timing and throttling shared by the visible faces. */
abstract class BaseProgress implements Progress {
  protected label = '';
  protected total = 0;
  protected value = 0;
  protected info: ProgressInfo | undefined;
  protected startedAt = 0;
  protected finished = false;
  private lastShown = -Infinity;
  protected readonly now: () => number;
  protected readonly throttleMs: number;

  constructor(opts: ProgressOptions, defaultThrottleMs: number) {
    this.now = opts.now ?? (() => Date.now());
    this.throttleMs = opts.throttleMs ?? defaultThrottleMs;
  }

  start(total: number, label?: string): void {
    this.total = Math.max(0, total);
    if (label !== undefined) this.label = label;
    this.value = 0;
    this.info = undefined;
    this.finished = false;
    this.startedAt = this.now();
    this.lastShown = this.now();
    this.show(false);
  }

  tick(n = 1, info?: ProgressInfo): void {
    this.value = Math.min(this.total > 0 ? this.total : Infinity, this.value + n);
    if (info) this.info = info;
    const t = this.now();
    if (t - this.lastShown >= this.throttleMs) {
      this.lastShown = t;
      this.show(false);
    }
  }

  done(): void {
    if (this.finished) return;
    this.finished = true;
    this.show(true);
  }

  protected status(): string {
    const elapsed = (this.now() - this.startedAt) / 1000;
    const rate = elapsed > 0 ? this.value / elapsed : 0;
    const parts = [`${this.value}/${this.total}`];
    if (this.total > 0) parts.push(`${Math.floor((100 * this.value) / this.total)}%`);
    parts.push(this.finished ? `in ${formatDuration(elapsed)}` : `elapsed ${formatDuration(elapsed)}`);
    if (!this.finished && rate > 0 && this.total > 0) parts.push(`eta ${formatDuration((this.total - this.value) / rate)}`);
    if (rate > 0) parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toFixed(2)} it/s`);
    const info = formatInfo(this.info);
    if (info) parts.push(info);
    return parts.join('  ');
  }

  protected abstract show(final: boolean): void;
}

/** One notebook output updated in place through its display_id. */
export class NotebookProgress extends BaseProgress {
  private displayId = '';
  private sent = false;

  constructor(opts: ProgressOptions = {}) {
    super(opts, 250);
  }

  override start(total: number, label?: string): void {
    // A restart keeps updating the same output.
    if (!this.displayId) this.displayId = newDisplayId();
    super.start(total, label);
  }

  /** The bundle the output shows now (exported for tests). */
  bundle(): { 'text/html': string; 'text/plain': string } {
    const frac = this.total > 0 ? Math.min(1, this.value / this.total) : this.finished ? 1 : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const status = this.status();
    const color = this.finished ? '#54a24b' : '#4c78a8';
    const html =
      `<div class="lftf-progress" data-lftf-progress="${this.finished ? 'done' : 'running'}" ` +
      `style="font-family:system-ui,sans-serif;font-size:12px;display:flex;align-items:center;gap:8px">` +
      `<span>${escapeHtml(this.label)}</span>` +
      `<span style="display:inline-block;width:220px;height:10px;border:1px solid #8888;border-radius:3px;overflow:hidden">` +
      `<span style="display:block;height:100%;width:${(frac * 100).toFixed(1)}%;background:${color}"></span></span>` +
      `<span style="font-variant-numeric:tabular-nums">${escapeHtml(status)}</span></div>`;
    return { 'text/html': html, 'text/plain': `${this.label} ${bar} ${status}` };
  }

  protected show(): void {
    const update = this.sent;
    this.sent = sendDisplayData(this.bundle(), { displayId: this.displayId, update }) || this.sent;
  }
}

/** cli-progress bar on an interactive terminal. */
export class TerminalProgress extends BaseProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly stream: NodeJS.WriteStream;

  constructor(opts: ProgressOptions = {}) {
    super(opts, 0);
    this.stream = opts.stream ?? process.stderr;
  }

  override start(total: number, label?: string): void {
    this.bar?.stop();
    this.bar = new cliProgress.SingleBar(
      {
        format: '{label} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted} | {info}',
        stream: this.stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    super.start(total, label);
  }

  protected show(final: boolean): void {
    if (!this.bar) return;
    const payload = { label: this.label, info: formatInfo(this.info) };
    if (!this.bar.isActive && !final) this.bar.start(this.total, this.value, payload);
    else this.bar.update(this.value, payload);
    if (final) this.bar.stop();
  }
}

/** Plain lines for logs: start, every `throttleMs` (default 10 s) and done. */
export class LineProgress extends BaseProgress {
  private readonly stream: NodeJS.WriteStream;

  constructor(opts: ProgressOptions = {}) {
    super(opts, 10_000);
    this.stream = opts.stream ?? process.stderr;
  }

  protected show(): void {
    this.stream.write(`[lftf] ${this.label}: ${this.status()}\n`);
  }
}

export class SilentProgress implements Progress {
  start(): void {}
  tick(): void {}
  done(): void {}
}
