/**
 * Notebook display of any LFTF result: ONE output carrying three MIME types, so each front end
 * picks the richest it can render:
 *  - application/vnd.lftf.v1+json: the result itself as a JSON object (never a string), for the
 *    interactive JupyterLab renderer (extensions/jupyterlab-lftf);
 *  - text/html: static tables + inline SVG (GitHub, nbviewer, VS Code, JupyterLab without it);
 *  - text/plain: a compact text table.
 */
import { LFTF_MIME, type LftfResult } from '../results.js';
import { toHtml } from './html.js';
import { toText } from './text.js';
import { sendDisplayData, type MimeBundle } from './tslab.js';

export { toHtml } from './html.js';
export { toText } from './text.js';

export const RESULT_KINDS = ['scores', 'bmi', 'tuning-run', 'comparison'] as const;

export interface LftfMimeBundle extends MimeBundle {
  [LFTF_MIME]: LftfResult;
  'text/html': string;
  'text/plain': string;
}

function checkResult(result: unknown): asserts result is LftfResult {
  const kind = (result as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !(RESULT_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(
      `lftf display: expected an LFTF result with kind ${RESULT_KINDS.join(' | ')}, got ${
        kind === undefined ? typeof result : `kind "${String(kind)}"`
      }`,
    );
  }
}

/**
 * The three-MIME-type bundle for a result. The JSON part is a deep plain copy, so what the
 * notebook stores is exactly what JSON can hold (no class instances, no typed arrays).
 */
export function toMimeBundle(result: LftfResult): LftfMimeBundle {
  checkResult(result);
  return {
    [LFTF_MIME]: JSON.parse(JSON.stringify(result)) as LftfResult,
    'text/html': toHtml(result),
    'text/plain': toText(result),
  };
}

/**
 * Show a result in the notebook. Outside a tslab kernel (plain Node, the CLI) prints the text
 * table instead. Returns nothing, so a cell ending in `display(r)` shows no extra value.
 */
export function display(result: LftfResult): void {
  const bundle = toMimeBundle(result);
  if (!sendDisplayData(bundle)) process.stdout.write(`${bundle['text/plain']}\n`);
}
