/**
 * A table sortable by clicking its headers (first click: the column's natural order, then
 * toggles). The sort state is on the <th> as data-sort="asc|desc" and aria-sort, and each row
 * carries data-key, so a test can read the order back.
 */
import { el } from './dom.js';

export interface Column<R> {
  key: string;
  label: string;
  /** Right-aligned numeric column. */
  num?: boolean;
  tip?: string;
  text: (row: R) => string;
  /** Sort value; a column without one is not sortable. */
  value?: (row: R) => number | string;
  /** Extra class for a cell, e.g. lftf-better / lftf-worse. */
  cls?: (row: R) => string | undefined;
  /** First click sorts descending (e.g. scores) instead of ascending. */
  descFirst?: boolean;
}

export interface SortableTable<R> {
  node: HTMLTableElement;
  sortBy(key: string, dir?: 'asc' | 'desc'): void;
  rows(): R[];
}

export function sortableTable<R>(
  columns: Array<Column<R>>,
  data: R[],
  opts: { rowKey: (row: R) => string; rowClass?: (row: R) => string | undefined; name: string; groupHeader?: HTMLTableRowElement },
): SortableTable<R> {
  let rows = [...data];
  const tbody = el('tbody');
  const heads = new Map<string, HTMLTableCellElement>();
  const headRow = el('tr');
  for (const c of columns) {
    const th = el('th', { 'data-col': c.key, class: [c.num ? 'lftf-num' : '', c.value ? 'lftf-sortable' : ''].filter(Boolean).join(' ') }, c.label);
    if (c.tip) th.title = c.tip;
    if (c.value) {
      th.tabIndex = 0;
      th.addEventListener('click', () => toggle(c));
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          toggle(c);
        }
      });
    }
    heads.set(c.key, th);
    headRow.append(th);
  }
  const thead = el('thead');
  if (opts.groupHeader) thead.append(opts.groupHeader);
  thead.append(headRow);
  const table = el('table', { class: 'lftf-table', 'data-lftf-table': opts.name }, thead, tbody);

  function paint(): void {
    tbody.replaceChildren(
      ...rows.map((r) => {
        const rc = opts.rowClass?.(r);
        const tr = el('tr', { 'data-key': opts.rowKey(r), ...(rc ? { class: rc } : {}) });
        for (const c of columns) {
          const cls = [c.num ? 'lftf-num' : '', c.cls?.(r) ?? ''].filter(Boolean).join(' ');
          tr.append(el('td', cls ? { class: cls, 'data-col': c.key } : { 'data-col': c.key }, c.text(r)));
        }
        return tr;
      }),
    );
  }

  function sortBy(key: string, dir: 'asc' | 'desc' = 'asc'): void {
    const c = columns.find((x) => x.key === key);
    if (!c?.value) return;
    const v = c.value;
    const sign = dir === 'asc' ? 1 : -1;
    // stable: ties keep their current order
    rows = rows
      .map((r, i) => ({ r, i }))
      .sort((a, b) => {
        const va = v(a.r);
        const vb = v(b.r);
        const d = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
        return d !== 0 ? sign * d : a.i - b.i;
      })
      .map((x) => x.r);
    for (const [k, th] of heads) {
      if (k === key) {
        th.dataset.sort = dir;
        th.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending');
      } else {
        delete th.dataset.sort;
        th.removeAttribute('aria-sort');
      }
    }
    paint();
  }

  function toggle(c: Column<R>): void {
    const cur = heads.get(c.key)?.dataset.sort;
    const dir = cur ? (cur === 'asc' ? 'desc' : 'asc') : c.descFirst ? 'desc' : 'asc';
    sortBy(c.key, dir);
  }

  paint();
  return { node: table, sortBy, rows: () => [...rows] };
}
