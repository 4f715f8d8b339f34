/**
 * Notebook display: MIME bundles, the static HTML (snapshot-tested against test/snapshots/),
 * the text table, the tslab bridge (with a stand-in kernel module) and notebook progress.
 * UPDATE_SNAPSHOTS=1 rewrites the snapshots; a mismatch writes `<name>-changed.html` beside
 * the stored one for a person to compare.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { LFTF_MIME, type LftfResult } from '../src/results.js';
import { display, toHtml, toMimeBundle, toText } from '../src/notebook/display.js';
import { fmt, fmtBlocks, fmtCi, fmtDelta, judgeChange } from '../src/notebook/format.js';
import { createProgress, NotebookProgress } from '../src/notebook/progress.js';
import { inTslabKernel, sendDisplayData } from '../src/notebook/tslab.js';

// Compiled to dist/test/: the sources sit two levels up.
const root = fileURLToPath(new URL('../../', import.meta.url));
const KINDS = ['scores', 'bmi', 'tuning-run', 'comparison'] as const;

function fixture(kind: string): LftfResult {
  return JSON.parse(readFileSync(`${root}test/fixtures/results/${kind}.json`, 'utf8')) as LftfResult;
}

function checkSnapshot(name: string, actual: string): void {
  const file = `${root}test/snapshots/${name}.html`;
  const changed = `${root}test/snapshots/${name}-changed.html`;
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    writeFileSync(file, actual);
    rmSync(changed, { force: true });
    return;
  }
  const expected = existsSync(file) ? readFileSync(file, 'utf8') : null;
  if (actual === expected) {
    rmSync(changed, { force: true });
    return;
  }
  writeFileSync(changed, actual);
  if (expected === null) assert.fail(`snapshot ${name}.html missing: see ${changed} (UPDATE_SNAPSHOTS=1 to accept)`);
  assert.fail(`snapshot ${name}.html differs: see ${changed} (UPDATE_SNAPSHOTS=1 to accept)`);
}

/** The text of every cell of each tbody row of the first table in `html`. */
function firstTableRows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) =>
    [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!),
  );
}

for (const kind of KINDS) {
  test(`${kind}: one bundle with three MIME types, JSON part an object`, () => {
    const result = fixture(kind);
    const bundle = toMimeBundle(result);
    assert.deepEqual(Object.keys(bundle).sort(), [LFTF_MIME, 'text/html', 'text/plain'].sort());
    assert.equal(typeof bundle[LFTF_MIME], 'object');
    assert.deepEqual(bundle[LFTF_MIME], result);
    assert.notEqual(bundle[LFTF_MIME], result, 'the JSON part is a copy');
    assert.equal(typeof bundle['text/html'], 'string');
    assert.equal(typeof bundle['text/plain'], 'string');
  });

  test(`${kind}: static HTML is deterministic, script-free and matches its snapshot`, () => {
    const html = toHtml(fixture(kind));
    assert.equal(html, toHtml(fixture(kind)));
    assert.doesNotMatch(html, /<script|javascript:|\son\w+=/i);
    assert.doesNotMatch(html, /\bid="/, 'no ids: two outputs on one page must not clash');
    assert.match(html, new RegExp(`data-lftf-kind="${kind}"`));
    checkSnapshot(kind, html);
  });
}

test('scores: CI columns and text CI read as the fixture says', () => {
  const r = fixture('scores');
  const rows = firstTableRows(toHtml(r));
  assert.deepEqual(rows[0], ['AFGB', '0.313', '0.290', '0.335', '\u2193 better']);
  assert.deepEqual(rows[1], ['UB', '0.442', '0.419', '0.466', '\u2191 better']);
  assert.deepEqual(rows[5]!.slice(0, 2), ['PPL', '29.41']);
  const text = toText(r);
  assert.match(text, /^AFGB\s+0\.313\s+\[0\.290, 0\.335\]$/m);
  // most he-leaning first, most she-leaning last
  assert.match(text, /astronaut\s+\+0\.600/);
  assert.ok(text.indexOf('astronaut') < text.indexOf('hairdresser'));
});

test('scores: profession chart caps at 40 bars, half from each end', () => {
  const r = fixture('scores') as Extract<LftfResult, { kind: 'scores' }>;
  const many = Array.from({ length: 60 }, (_, i) => ({ ...r.by_profession[0]!, profession: `p${i}`, signed: (i - 30) / 30 }));
  const html = toHtml({ ...r, by_profession: many });
  const svg = /<svg[\s\S]*?<\/svg>/.exec(html)![0];
  assert.equal((svg.match(/<rect /g) ?? []).length, 40);
  assert.match(html, /20 most male-leaning and 20 most female-leaning of 60/);
  assert.match(html, /Per-profession table \(60\)/);
});

test('bmi: table ranked by score, top block highlighted once', () => {
  const r = fixture('bmi');
  const html = toHtml(r);
  const rows = firstTableRows(html);
  // fixture scores by block: 0.041 0.087 0.132 0.214 0.388 0.297 0.176 0.121 0.064 0.023 -0.018 0.009
  assert.deepEqual(
    rows.map((c) => Number(c[1])),
    [4, 5, 3, 6, 2, 7, 1, 8, 0, 9, 11, 10],
  );
  assert.deepEqual(rows[0]!.slice(0, 5), ['1', '4', '0.388', '+0.167', '+0.370']);
  assert.match(html, /<tr class="lftf-top"><td class="lftf-num">1<\/td><td class="lftf-num">4<\/td>/);
  assert.equal((html.match(/fill="#d9622b"><title>4: 0\.388/g) ?? []).length, 1);
  assert.equal((html.match(/<rect /g) ?? []).length, 12);
  assert.match(html, /first-order 0\.860 \u00b7 hidden influence 0\.713/);
  assert.match(toText(r), /^1\s+4 \*\s+0\.388\s+\+0\.167\s+\+0\.370/m);
});

test('tuning-run: best step marked, summary numbers formatted', () => {
  const r = fixture('tuning-run');
  const html = toHtml(r);
  assert.match(html, /best step 80 \u00b7 7,087,872 trainable parameters \u00b7 6 min 53 s/);
  assert.equal((html.match(/stroke-dasharray="4 3"/g) ?? []).length, 7, '5 loss terms + 2 dev charts');
  const text = toText(r);
  assert.match(text, /^80 \(best\)\s+0\.2557\s+0\.0692/m);
});

test('comparison: deltas signed and judged by metric direction', () => {
  const r = fixture('comparison');
  const rows = firstTableRows(toHtml(r));
  assert.equal(rows.length, 4);
  const lftf = rows[0]!;
  assert.deepEqual(lftf.slice(0, 4), ['LFTF (BMI top block)', '4', '0.313 \u2192 0.112', '-0.200']);
  const html = toHtml(r);
  assert.match(html, /<td class="lftf-num lftf-better">-0\.200<\/td>/); // AFGB down: better
  assert.match(html, /<td class="lftf-num lftf-better">\+0\.215<\/td>/); // UB up: better
  assert.match(html, /<td class="lftf-num lftf-worse">\+1\.11<\/td>/); // PPL up: worse
  assert.match(html, /<td class="lftf-num">-0\.006<\/td>/); // mass: no direction
  assert.match(html, /<td class="lftf-num lftf-worse">\+0\.006<\/td>/); // random block AFGB up
  assert.equal(rows[1]![1], '0-11');
});

test('format helpers', () => {
  assert.equal(fmt(-0.0001), '0.000');
  assert.equal(fmt(Number.NaN), 'NaN');
  assert.equal(fmtDelta(0.25), '+0.250');
  assert.equal(fmtDelta(0), '0.000');
  assert.equal(fmtCi([0.29041, 0.33512]), '[0.290, 0.335]');
  assert.equal(fmtBlocks([5, 3, 4, 1]), '1, 3-5');
  assert.equal(fmtBlocks([2, 3]), '2, 3');
  assert.equal(judgeChange('afgb', 0.3, 0.1), 'better');
  assert.equal(judgeChange('ub', 0.3, 0.1), 'worse');
  assert.equal(judgeChange('mass', 0.3, 0.1), 'neutral');
});

test('toMimeBundle rejects what is not a result, naming the kind', () => {
  assert.throws(() => toMimeBundle({ kind: 'nope' } as unknown as LftfResult), /kind "nope"/);
  assert.throws(() => toMimeBundle(null as unknown as LftfResult), /expected an LFTF result/);
});

test('outside a kernel: bridge is a no-op, display prints the text table', (t) => {
  assert.equal(inTslabKernel(), false);
  assert.equal(sendDisplayData({ 'text/plain': 'x' }), false);
  const written: string[] = [];
  t.mock.method(process.stdout, 'write', (s: string) => {
    written.push(s);
    return true;
  });
  display(fixture('bmi'));
  t.mock.restoreAll();
  assert.match(written.join(''), /^BMI ranking: gpt2-small/);
});

/** Registers a stand-in for tslab's internal module where the bridge looks for it. */
function fakeKernel(): { calls: Array<{ content: { data: Record<string, unknown>; transient: { display_id?: string } }; update: boolean }>; remove: () => void } {
  const cache = createRequire(import.meta.url).cache;
  const file = '/fake/node_modules/tslab/dist/jupyter.js';
  const calls: ReturnType<typeof fakeKernel>['calls'] = [];
  cache[file] = {
    id: file,
    filename: file,
    loaded: true,
    exports: {
      lastWriteDisplayData: (content: (typeof calls)[number]['content'], update: boolean) => calls.push({ content, update }),
    },
  } as unknown as NodeJS.Module;
  return { calls, remove: () => delete cache[file] };
}

test('inside a (stand-in) kernel: display sends ONE output with all three types', () => {
  const k = fakeKernel();
  try {
    assert.equal(inTslabKernel(), true);
    display(fixture('comparison'));
    assert.equal(k.calls.length, 1);
    const { content, update } = k.calls[0]!;
    assert.equal(update, false);
    assert.deepEqual(Object.keys(content.data).sort(), [LFTF_MIME, 'text/html', 'text/plain'].sort());
    assert.equal(typeof content.data[LFTF_MIME], 'object');
  } finally {
    k.remove();
  }
});

test('notebook progress updates one display in place, throttled', () => {
  const k = fakeKernel();
  try {
    let now = 0;
    const p = createProgress('scoring', 100, { now: () => now, throttleMs: 250 });
    assert.ok(p instanceof NotebookProgress);
    for (let i = 0; i < 100; i++) {
      now += 10; // 1 s in all: about 4 throttled updates
      p.tick(1, { loss: 0.123456 });
    }
    p.done();
    const ids = new Set(k.calls.map((c) => c.content.transient.display_id));
    assert.equal(ids.size, 1, 'one display id');
    assert.equal(k.calls[0]!.update, false);
    assert.ok(k.calls.slice(1).every((c) => c.update), 'then only updates');
    assert.ok(k.calls.length >= 4 && k.calls.length <= 7, `throttled: ${k.calls.length} sends`);
    const last = k.calls[k.calls.length - 1]!.content.data;
    assert.match(String(last['text/plain']), /^scoring \[#{30}\] 100\/100 {2}100% {2}in 1s .*loss=0\.1235$/);
    assert.match(String(last['text/html']), /data-lftf-progress="done"/);
  } finally {
    k.remove();
  }
});

test('progress outside a kernel: lines mode writes start and done', () => {
  const out: string[] = [];
  const stream = { isTTY: false, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream;
  let now = 0;
  const p = createProgress('ranking blocks', 12, { stream, now: () => now });
  for (let i = 0; i < 12; i++) {
    now += 1000;
    p.tick();
  }
  p.done();
  assert.equal(out.length, 3, out.join(''));
  assert.match(out[0]!, /^\[lftf\] ranking blocks: 0\/12 {2}0%/);
  assert.match(out[2]!, /12\/12 {2}100% {2}in 12s/);
});
