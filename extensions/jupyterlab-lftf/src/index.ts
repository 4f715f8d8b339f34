/**
 * JupyterLab 4 MIME renderer for application/vnd.lftf.v1+json (the `kind` field picks the
 * view). Ranked ahead of text/html, so JupyterLab shows this interactive view and other front
 * ends fall back to the static HTML/text that the same output carries.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { LFTF_MIME, type LftfResult } from '../../../src/results.js';
import { renderBmi } from './bmi.js';
import { renderComparison } from './comparison.js';
import { el } from './dom.js';
import { loadPlotly } from './plots.js';
import { renderScores } from './scores.js';
import { renderTuning } from './tuning.js';
import type { Rendered } from './types.js';

function render(root: HTMLElement, data: LftfResult): Rendered {
  switch (data.kind) {
    case 'scores':
      return renderScores(root, data);
    case 'bmi':
      return renderBmi(root, data);
    case 'tuning-run':
      return renderTuning(root, data);
    case 'comparison':
      return renderComparison(root, data);
    default: {
      const kind = (data as { kind?: unknown }).kind;
      root.append(
        el('div', { class: 'lftf-error' }, `jupyterlab-lftf: no view for kind ${JSON.stringify(kind)}; raw result:`),
        el('pre', {}, JSON.stringify(data, null, 2)),
      );
      return { plots: [], ready: Promise.resolve() };
    }
  }
}

export class LftfRenderer extends Widget implements IRenderMime.IRenderer {
  private plots: HTMLElement[] = [];

  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass('lftf');
    this.addClass('jp-RenderedLftf');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.options.mimeType] as unknown as LftfResult;
    this.purge();
    this.node.replaceChildren();
    this.node.dataset.lftfKind = String((data as { kind?: unknown })?.kind);
    try {
      const out = render(this.node, data);
      this.plots = out.plots;
      await out.ready;
      this.node.dataset.lftfReady = 'true';
    } catch (e) {
      this.node.append(el('div', { class: 'lftf-error' }, `jupyterlab-lftf: ${e instanceof Error ? e.message : String(e)}`));
      this.node.dataset.lftfReady = 'error';
    }
  }

  protected override onAfterAttach(): void {
    this.resizePlots();
  }

  protected override onResize(): void {
    this.resizePlots();
  }

  override dispose(): void {
    this.purge();
    super.dispose();
  }

  private resizePlots(): void {
    const drawn = this.plots.filter((p) => p.dataset.drawn && p.isConnected);
    if (drawn.length === 0) return;
    void loadPlotly().then((Plotly) => drawn.forEach((p) => Plotly.Plots.resize(p)));
  }

  private purge(): void {
    const drawn = this.plots.filter((p) => p.dataset.drawn);
    this.plots = [];
    if (drawn.length) void loadPlotly().then((Plotly) => drawn.forEach((p) => Plotly.purge(p)));
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [LFTF_MIME],
  defaultRank: 0,
  createRenderer: (options) => new LftfRenderer(options),
};

const extension: IRenderMime.IExtension = {
  id: 'jupyterlab-lftf:renderer',
  rendererFactory,
  rank: 0,
  dataType: 'json',
};

export default extension;
