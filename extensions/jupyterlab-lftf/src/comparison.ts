import type { ComparisonResult, ComparisonRow, GeneralMetrics } from '../../../src/results.js';
import { METRIC_DIRECTION, fmt, fmtBlocks, fmtDelta, fmtInt, fmtSeconds, judgeChange } from '../../../src/notebook/format.js';
import { el, note, title } from './dom.js';
import { sortableTable, type Column } from './table.js';
import type { Rendered } from './types.js';

const METRICS: Array<keyof GeneralMetrics> = ['afgb', 'ub', 'mass', 'ppl', 'mc'];
const LABEL: Record<keyof GeneralMetrics, string> = { afgb: 'AFGB', ub: 'UB', mass: 'Mass', ppl: 'PPL', mc: 'MC acc.' };

export function renderComparison(root: HTMLElement, r: ComparisonResult): Rendered {
  const columns: Array<Column<ComparisonRow>> = [
    { key: 'method', label: 'Method', text: (x) => x.method, value: (x) => x.method },
    { key: 'blocks', label: 'Blocks', text: (x) => fmtBlocks(x.blocks), value: (x) => x.blocks.length },
  ];
  const group = el('tr', {}, el('th', { colspan: '2' }));
  for (const k of METRICS) {
    const d = k === 'ppl' ? 2 : 3;
    const dir = METRIC_DIRECTION[k];
    group.append(el('th', { colspan: '3', class: 'lftf-group' }, `${LABEL[k]}${dir === 'lower' ? ' \u2193' : dir === 'higher' ? ' \u2191' : ''}`));
    const judged = (x: ComparisonRow) => {
      const j = judgeChange(k, x.before[k], x.after[k]);
      return j === 'better' ? 'lftf-better' : j === 'worse' ? 'lftf-worse' : undefined;
    };
    columns.push(
      { key: `${k}_before`, label: 'before', num: true, text: (x) => fmt(x.before[k], d), value: (x) => x.before[k] },
      { key: `${k}_after`, label: 'after', num: true, text: (x) => fmt(x.after[k], d), value: (x) => x.after[k], cls: judged },
      { key: `${k}_delta`, label: '\u0394', num: true, tip: `after \u2212 before (${LABEL[k]})`, text: (x) => fmtDelta(x.after[k] - x.before[k], d), value: (x) => x.after[k] - x.before[k], cls: judged },
    );
  }
  group.append(el('th', { colspan: '2' }));
  columns.push(
    { key: 'params', label: 'Trainable params', num: true, text: (x) => fmtInt(x.trainable_params), value: (x) => x.trainable_params },
    { key: 'wall', label: 'Wall time', num: true, text: (x) => fmtSeconds(x.wall_s), value: (x) => x.wall_s },
  );
  const table = sortableTable(columns, r.rows, { name: 'comparison', rowKey: (x) => x.method, groupHeader: group });
  root.append(
    title('Method comparison', r.model),
    table.node,
    note('Click a header to sort. Green: better, red: worse (AFGB and PPL lower is better; UB and MC accuracy higher is better; mass has no direction).'),
  );
  return { plots: [], ready: Promise.resolve() };
}
