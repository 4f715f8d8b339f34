/**
 * The walkthrough notebooks (notebooks/*.ipynb) run on the `lftf` kernel: each is copied into a
 * temporary folder inside the checkout (test-artifacts/, git-ignored; cells import "lftf" through
 * node_modules/lftf, and tslab's declaration emit needs the checkout's node_modules), its budgets made small (a cell after the one tagged "parameters" overrides
 * them, as papermill injects parameters), executed with nbconvert on the kernel installed into a
 * temporary prefix, and must finish without a cell error and with at least one rich LFTF result
 * (application/vnd.lftf.v1+json stored as an object). The stored notebooks keep their full-budget
 * outputs. Skips, saying why, where Jupyter is not installed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LFTF_MIME } from '../src/results.js';
import { ROOT, executeNotebook, installKernel, jupyterEnv, notebookPythonOrSkip } from './browser/jupyter.js';

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  id?: string;
  metadata: { tags?: string[] };
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
}
interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: { name: string; display_name: string } };
}

const NOTEBOOKS = join(ROOT, 'notebooks');

/** Small budgets per notebook: same code paths, a fraction of the time. */
const SMOKE: Record<string, object> = {
  '02-locate.ipynb': { K: 1, maxTrainPrompts: 32, maxDevPrompts: 32 },
  '03-tune.ipynb': { steps: 4, evalEvery: 2, checkpointEvery: 2, stopAt: 2, maxTrainPrompts: 32, maxDevPrompts: 32 },
  '04-reproduce.ipynb': { bmiSteps: 1, tuneSteps: 2, maxTrainPrompts: 32, maxDevPrompts: 32, randomSeeds: 1 },
};

const read = (path: string): Notebook => JSON.parse(readFileSync(path, 'utf8')) as Notebook;
const text = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);

/** A copy whose budgets are overridden right after the cell tagged "parameters". */
function withSmokeBudget(nb: Notebook, name: string): Notebook {
  const cells = nb.cells.map((c) => (c.cell_type === 'code' ? { ...c, outputs: [], execution_count: null } : c));
  const smoke = SMOKE[name];
  if (!smoke) return { ...nb, cells };
  const at = cells.findIndex((c) => c.metadata.tags?.includes('parameters'));
  assert.ok(at >= 0, `${name}: no cell tagged "parameters"`);
  assert.match(text(cells[at]!.source), /const budget = \{/, `${name}: the parameters cell declares \`const budget\``);
  const inject: Cell = {
    cell_type: 'code', id: 'injected-parameters', metadata: { tags: ['injected-parameters'] },
    source: `Object.assign(budget, ${JSON.stringify(smoke)});`, outputs: [], execution_count: null,
  };
  return { ...nb, cells: [...cells.slice(0, at + 1), inject, ...cells.slice(at + 1)] };
}

const names = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort();

describe('walkthrough notebooks', () => {
  test('four notebooks for the lftf kernel, stored with their outputs', () => {
    assert.deepEqual(names, ['01-evaluate.ipynb', '02-locate.ipynb', '03-tune.ipynb', '04-reproduce.ipynb']);
    for (const name of names) {
      const nb = read(join(NOTEBOOKS, name));
      assert.deepEqual(nb.metadata.kernelspec && { name: nb.metadata.kernelspec.name, display_name: nb.metadata.kernelspec.display_name },
        { name: 'lftf', display_name: 'TypeScript (LFTF)' }, `${name}: kernelspec`);
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      for (const c of code) assert.doesNotMatch(text(c.source), /from "(?!lftf"|fs"|node:fs")/, `${name}: cells import only lftf (and fs)`);
      const outputs = code.flatMap((c) => c.outputs ?? []);
      assert.deepEqual(outputs.filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`), [], `${name}: stored without errors`);
      assert.ok(outputs.some((o) => typeof o.data?.[LFTF_MIME] === 'object'), `${name}: stored with an LFTF result output (executed)`);
    }
  });

  test('each notebook executes on the lftf kernel without errors and shows an LFTF result', { timeout: 900_000 }, (t) => {
    const python = notebookPythonOrSkip(t);
    if (!python) return;
    const tmp = mkdtempSync(join(tmpdir(), 'lftf-notebooks-test-'));
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    const work = mkdtempSync(join(ROOT, 'test-artifacts', 'notebooks-'));
    let passed = false;
    try {
      const prefix = join(tmp, 'prefix');
      installKernel(prefix, python);
      const env = jupyterEnv(join(tmp, 'home'), prefix);
      const outDir = join(work, 'executed');
      mkdirSync(outDir);
      for (const name of names) {
        const copy = join(work, name);
        writeFileSync(copy, JSON.stringify(withSmokeBudget(read(join(NOTEBOOKS, name)), name), null, 1));
        const started = Date.now();
        const out = executeNotebook(python, env, copy, outDir, 600);
        t.diagnostic(`${name}: nbconvert --execute took ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const code = read(out).cells.filter((c) => c.cell_type === 'code');
        const outputs = code.flatMap((c) => c.outputs ?? []);
        assert.deepEqual(outputs.filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`), [], `${name}: no cell error`);
        const rich = outputs.filter((o) => o.data?.[LFTF_MIME] !== undefined);
        assert.ok(rich.length > 0, `${name}: at least one lftf.display output`);
        for (const o of rich) assert.equal(typeof o.data![LFTF_MIME], 'object', `${name}: the JSON part is stored as an object`);
      }
      passed = true;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      // Kept on failure: the executed copies show which cell failed and what it printed.
      if (passed) rmSync(work, { recursive: true, force: true });
      else t.diagnostic(`copies and executed notebooks kept in ${work}`);
    }
  });
});
