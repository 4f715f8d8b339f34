/**
 * The `lftf` Jupyter kernel end to end: install it into a temporary prefix, execute
 * test/fixtures/notebooks/display-all.ipynb with nbconvert (tslab type-checks every cell, so a
 * type error fails the run), and check each display cell left ONE output with the three MIME
 * types and that nothing went to stderr. Skips, saying why, where Jupyter is not installed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LFTF_MIME } from '../src/results.js';
import { ROOT, executeNotebook, installKernel, jupyterEnv, notebookPythonOrSkip } from './browser/jupyter.js';

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

test('lftf kernel runs the display notebook: three MIME types per result, no errors', { timeout: 300_000 }, (t) => {
  const python = notebookPythonOrSkip(t);
  if (!python) return;
  const tmp = mkdtempSync(join(tmpdir(), 'lftf-kernel-test-'));
  try {
    const prefix = join(tmp, 'prefix');
    installKernel(prefix, python);
    const spec = JSON.parse(readFileSync(join(prefix, 'share', 'jupyter', 'kernels', 'lftf', 'kernel.json'), 'utf8'));
    assert.equal(spec.display_name, 'TypeScript (LFTF)');
    assert.ok(existsSync(join(ROOT, 'node_modules', 'lftf', 'package.json')), 'node_modules/lftf link made');

    const started = Date.now();
    const out = executeNotebook(python, jupyterEnv(join(tmp, 'home'), prefix), join(ROOT, 'test', 'fixtures', 'notebooks', 'display-all.ipynb'), tmp);
    t.diagnostic(`nbconvert --execute took ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const cells = (JSON.parse(readFileSync(out, 'utf8')) as { cells: Cell[] }).cells.filter((c) => c.cell_type === 'code');
    const outputs = cells.flatMap((c) => c.outputs ?? []);
    assert.deepEqual(outputs.filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`), []);
    assert.deepEqual(outputs.filter((o) => o.output_type === 'stream' && o.name === 'stderr').map((o) => o.text), [], 'nothing on stderr');

    const kinds: string[] = [];
    for (const cell of cells) {
      const src = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
      if (!src.startsWith('lftf.display(')) continue;
      const shown = (cell.outputs ?? []).filter((o) => o.output_type === 'display_data');
      assert.equal(shown.length, 1, `one output for ${src.trim()}`);
      const data = shown[0]!.data!;
      assert.deepEqual(Object.keys(data).sort(), [LFTF_MIME, 'text/html', 'text/plain'].sort());
      assert.equal(typeof data[LFTF_MIME], 'object', 'the JSON part is stored as an object');
      kinds.push((data[LFTF_MIME] as { kind: string }).kind);
      assert.match(String(data['text/html']), /^<div class="lftf /);
    }
    assert.deepEqual(kinds, ['scores', 'bmi', 'tuning-run', 'comparison']);

    // the progress cell ends as ONE output showing the finished bar (updates replaced it)
    const progress = cells[cells.length - 1]!.outputs ?? [];
    assert.equal(progress.length, 1);
    assert.match(String(progress[0]!.data?.['text/plain']), /^smoke \[#{30}\] 20\/20 {2}100%/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
