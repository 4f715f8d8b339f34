/**
 * What a person sees: JupyterLab (from the Python venv) with the jupyterlab-lftf extension
 * installed into a temporary prefix, opening an executed notebook that holds one output of each
 * result kind, in Debian's Chromium driven by playwright-core. Also screenshots the static
 * text/html fallback. Screenshots and the JupyterLab log go to test-artifacts/browser/.
 *
 *   npm run test:browser          (sets LFTF_BROWSER_TEST=1; plain `npm test` skips this file)
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import type { BmiResult, ComparisonResult, LftfResult } from '../../src/results.js';
import { toHtml } from '../../src/notebook/display.js';
import { findChromium, launchChromium } from './chromium.js';
import {
  ROOT,
  executeNotebook,
  installKernel,
  installLabExtension,
  jupyterEnv,
  jupyterPython,
  lftfNotebookApiMissing,
  startJupyterLab,
  type JupyterLab,
} from './jupyter.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const KINDS = ['scores', 'bmi', 'tuning-run', 'comparison'] as const;
const EXTENSION = join(ROOT, 'extensions', 'jupyterlab-lftf', 'dist', 'labextension', 'package.json');

function fixture<T extends LftfResult>(kind: string): T {
  return JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'results', `${kind}.json`), 'utf8')) as T;
}

function artifactsDir(): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ROOT, 'test-artifacts', '.gitignore'), '*\n');
  return ARTIFACTS;
}

/** Row keys of an interactive table, top to bottom. */
async function rowKeys(table: Locator): Promise<string[]> {
  return table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.key ?? ''));
}

/** Category tick labels of a plotly x axis, left to right. */
async function xTicks(plot: Locator): Promise<string[]> {
  return plot.locator('.xaxislayer-above .xtick text').evaluateAll((ts) =>
    ts
      .map((t) => ({ x: t.getBoundingClientRect().x, s: t.textContent ?? '' }))
      .sort((a, b) => a.x - b.x)
      .map((t) => t.s),
  );
}

const reasonToSkip = (): string | null => {
  if (process.env.LFTF_BROWSER_TEST !== '1') return 'browser test: run it with npm run test:browser';
  if (!findChromium()) return 'no Chromium: bash scripts/setup-browser.sh (or set CHROMIUM_PATH)';
  if (!existsSync(EXTENSION)) return 'extension not built: npm run extension:build';
  return null;
};

test('static text/html fallback renders in Chromium', { timeout: 120_000 }, async (t) => {
  const skip = reasonToSkip();
  if (skip) return t.skip(skip);
  const browser = await launchChromium(findChromium()!);
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    for (const kind of KINDS) {
      await page.setContent(`<!doctype html><meta charset="utf-8"><body style="margin:12px">${toHtml(fixture(kind))}</body>`);
      const root = page.locator(`div.lftf[data-lftf-kind="${kind}"]`);
      assert.equal(await root.count(), 1);
      assert.ok((await root.locator('svg, table').count()) > 0);
      await root.screenshot({ path: join(artifactsDir(), `static-${kind}.png`) });
    }
  } finally {
    await browser.close();
  }
});

test('JupyterLab renders LFTF outputs with the extension: charts, tables, sorting', { timeout: 300_000 }, async (t) => {
  const skip = reasonToSkip();
  if (skip) return t.skip(skip);
  const found = jupyterPython(['jupyterlab', 'nbconvert']);
  if ('skip' in found) return t.skip(`no JupyterLab: ${found.skip}`);
  const apiMissing = lftfNotebookApiMissing();
  if (apiMissing) return t.skip(apiMissing);

  const tmp = mkdtempSync(join(tmpdir(), 'lftf-browser-'));
  let lab: JupyterLab | null = null;
  let browser: Browser | null = null;
  let page: Page | null = null;
  const started = Date.now();
  const lap = (what: string) => t.diagnostic(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    const prefix = join(tmp, 'prefix');
    installKernel(prefix, found.python);
    installLabExtension(prefix);
    const env = jupyterEnv(join(tmp, 'home'), prefix);
    const rootDir = join(tmp, 'root');
    mkdirSync(rootDir);
    executeNotebook(found.python, env, join(ROOT, 'test', 'fixtures', 'notebooks', 'display-all.ipynb'), rootDir);
    lap('notebook executed');

    lab = await startJupyterLab({ python: found.python, env, rootDir, logFile: join(artifactsDir(), 'jupyterlab.log') });
    lap('JupyterLab up');
    browser = await launchChromium(findChromium()!);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${lab.url}/lab/tree/display-all.ipynb?token=${lab.token}`);

    const out = (kind: string) => page!.locator(`.jp-RenderedLftf[data-lftf-kind="${kind}"]`);
    for (const kind of KINDS) {
      await out(kind).waitFor({ timeout: 90_000 });
      await page.waitForFunction((k) => document.querySelector(`.jp-RenderedLftf[data-lftf-kind="${k}"]`)?.getAttribute('data-lftf-ready') === 'true', kind, { timeout: 60_000 });
    }
    lap('outputs rendered');
    assert.equal(await page.locator('.jp-RenderedLftf').count(), 4, 'one interactive output per result');
    assert.equal(await page.locator('.jp-RenderedHTMLCommon div.lftf').count(), 0, 'the renderer outranks the text/html fallback');

    // --- BMI: one bar per block, top block highlighted; sort buttons reorder chart and table
    const bmi = fixture<BmiResult>('bmi');
    const bmiOut = out('bmi');
    const bmiPlot = bmiOut.locator('.lftf-plot[data-lftf-plot="bmi"]');
    assert.equal(await bmiPlot.locator('.barlayer .point').count(), bmi.blocks.length);
    const byBlock = bmi.blocks.map((b) => b.block).sort((a, b) => a - b).map(String);
    const byScore = [...bmi.blocks].sort((a, b) => b.score - a.score || a.block - b.block).map((b) => String(b.block));
    assert.deepEqual(await xTicks(bmiPlot), byBlock);
    const bmiTable = bmiOut.locator('table.lftf-table');
    assert.equal(await bmiTable.locator('tbody tr').count(), bmi.blocks.length);
    assert.deepEqual(await rowKeys(bmiTable), byScore, 'table starts ranked by BMI');
    assert.equal(await bmiTable.locator('tbody tr.lftf-top').getAttribute('data-key'), String(bmi.top_block));
    await bmiOut.screenshot({ path: join(artifactsDir(), 'lab-bmi.png') });

    await bmiOut.locator('.lftf-sort-score').click();
    await page.waitForFunction(() => document.querySelector('.lftf-plot[data-lftf-plot="bmi"]')?.getAttribute('data-order') === 'score');
    await page.waitForTimeout(300);
    assert.deepEqual(await xTicks(bmiPlot), byScore, 'chart sorted by score');
    await bmiOut.locator('.lftf-sort-block').click();
    await page.waitForTimeout(300);
    assert.deepEqual(await xTicks(bmiPlot), byBlock, 'chart back in block order');
    assert.deepEqual(await rowKeys(bmiTable), byBlock, 'table follows the buttons');
    // header click: dPPL ascending
    await bmiTable.locator('th[data-col="d_ppl"]').click();
    const byDppl = [...bmi.blocks].sort((a, b) => a.d_ppl - b.d_ppl).map((b) => String(b.block));
    assert.deepEqual(await rowKeys(bmiTable), byDppl);
    assert.equal(await bmiTable.locator('th[data-col="d_ppl"]').getAttribute('aria-sort'), 'ascending');

    // hover shows the estimators
    // plotly's drag layer sits over the bars: move the mouse to the bar's centre instead of hover()
    await bmiPlot.scrollIntoViewIfNeeded();
    const barBox = await bmiPlot.locator('.barlayer .point path').nth(bmi.top_block).boundingBox();
    assert.ok(barBox, 'the top block bar has a box');
    await page.mouse.move(barBox.x + barBox.width / 2, barBox.y + barBox.height / 2);
    const hover = bmiPlot.locator('.hoverlayer');
    await hover.locator('text').first().waitFor({ timeout: 5000 });
    const hoverText = (await hover.textContent()) ?? '';
    assert.match(hoverText, /BMI 0\.388/);
    assert.match(hoverText, /first-order 0\.3348/);
    assert.match(hoverText, /hidden influence 0\.2663/);
    await bmiOut.screenshot({ path: join(artifactsDir(), 'lab-bmi-hover.png') });

    // --- comparison: four methods, coloured deltas, click a header to sort by dAFGB
    const cmp = fixture<ComparisonResult>('comparison');
    const cmpTable = out('comparison').locator('table.lftf-table');
    assert.equal(await cmpTable.locator('tbody tr').count(), cmp.rows.length);
    assert.deepEqual(await rowKeys(cmpTable), cmp.rows.map((r) => r.method));
    await cmpTable.locator('th[data-col="afgb_delta"]').click();
    const byDafgb = [...cmp.rows].sort((a, b) => a.after.afgb - a.before.afgb - (b.after.afgb - b.before.afgb)).map((r) => r.method);
    assert.deepEqual(await rowKeys(cmpTable), byDafgb);
    assert.equal(await cmpTable.locator('tbody tr[data-key="Random block (seed 7)"] td[data-col="afgb_delta"].lftf-worse').count(), 1);
    assert.equal(await cmpTable.locator('tbody tr[data-key="LFTF (BMI top block)"] td[data-col="ub_delta"].lftf-better').count(), 1);
    await out('comparison').screenshot({ path: join(artifactsDir(), 'lab-comparison.png') });

    // --- scores: metrics table with CI columns; profession drill-down
    const scores = out('scores');
    const metricsTable = scores.locator('table[data-lftf-table="metrics"]');
    assert.deepEqual(await rowKeys(metricsTable), ['afgb', 'ub', 'afgb_norm', 'signed', 'mass', 'ppl']);
    assert.equal(await metricsTable.locator('tr[data-key="afgb"] td[data-col="ci_lo"]').textContent(), '0.290');
    const profPlot = scores.locator('.lftf-plot[data-lftf-plot="professions"]');
    const nProf = fixture<Extract<LftfResult, { kind: 'scores' }>>('scores').by_profession.length;
    assert.equal(await profPlot.locator('.barlayer .point').count(), nProf);
    const topBar = profPlot.locator('.barlayer .point path').last();
    await topBar.scrollIntoViewIfNeeded();
    const box = await topBar.boundingBox();
    assert.ok(box, 'the top bar has a box');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await scores.locator('.lftf-drill[data-profession]').waitFor({ timeout: 5000 });
    assert.equal(await scores.locator('.lftf-drill').getAttribute('data-profession'), 'astronaut');
    assert.match((await scores.locator('.lftf-drill').textContent()) ?? '', /signed bias = 0\.600 \(he-leaning\)/);
    await scores.screenshot({ path: join(artifactsDir(), 'lab-scores.png') });
    await scores.locator('select.lftf-prof-metric').selectOption('pronouns');
    await page.waitForFunction(() => document.querySelector('.lftf-plot[data-lftf-plot="professions"]')?.getAttribute('data-metric') === 'pronouns');
    await page.waitForTimeout(300);
    assert.equal(await profPlot.locator('.barlayer .point').count(), 2 * nProf);

    // --- tuning run: five loss curves and three dev curves
    const tuning = out('tuning-run');
    assert.equal(await tuning.locator('.lftf-plot[data-lftf-plot="loss"] .scatterlayer .trace').count(), 5);
    assert.equal(await tuning.locator('.lftf-plot[data-lftf-plot="dev"] .scatterlayer .trace').count(), 3);
    await tuning.screenshot({ path: join(artifactsDir(), 'lab-tuning-run.png') });

    await page.screenshot({ path: join(artifactsDir(), 'lab-page.png') });
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    lap('checks done');
  } catch (e) {
    if (page) await page.screenshot({ path: join(artifactsDir(), 'lab-failure.png'), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await browser?.close().catch(() => {});
    await lab?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});
