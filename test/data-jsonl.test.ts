import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildDatasets,
  readDatasetJsonl,
  readDatasets,
  readProfessions,
  readTemplates,
  writeDatasets,
  writeJsonl,
  type DatasetRow,
} from '../src/data/index.js';
import { LftfError, isLftfError } from '../src/errors.js';

const dir = await mkdtemp(join(tmpdir(), 'lftf-data-'));
test.after(() => rm(dir, { recursive: true, force: true }));

let fileNo = 0;
async function file(text: string, ext = 'jsonl'): Promise<string> {
  const path = join(dir, `f${fileNo++}.${ext}`);
  await writeFile(path, text, 'utf8');
  return path;
}

async function rejectsLftf(p: Promise<unknown>, code: string, ...parts: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isLftfError(e), `not an LftfError: ${String(e)}`);
    assert.equal((e as LftfError).code, code, (e as Error).message);
    for (const part of parts) {
      assert.ok((e as Error).message.includes(part), `"${(e as Error).message}" lacks "${part}"`);
    }
    return true;
  });
}

const good: DatasetRow = {
  id: 'genbias/nurse/w1',
  dataset: 'genbias',
  split: 'train',
  profession: 'nurse',
  template_id: 'w1',
  scale: 'word',
  prompt: 'The nurse smiled because',
  hint: null,
};
const line = (o: object) => JSON.stringify(o);

test('JSONL round trip of the full datasets, atomic write leaves no temp file', async () => {
  const built = buildDatasets({ seed: 3 });
  const out = join(dir, 'sets');
  await writeDatasets(out, built);
  assert.deepEqual((await readdir(out)).sort(), ['genbias.jsonl', 'genhint.jsonl']);
  const back = await readDatasets(out);
  assert.deepEqual(back.genbias, built.genbias);
  assert.deepEqual(back.genhint, built.genhint);
  const text = await readFile(join(out, 'genbias.jsonl'), 'utf8');
  assert.equal(text.split('\n')[0], line(built.genbias[0]));
  assert.ok(text.endsWith('\n'));
  // overwrite in place
  await writeJsonl(join(out, 'genbias.jsonl'), built.genbias.slice(0, 2));
  assert.equal((await readDatasetJsonl(join(out, 'genbias.jsonl'))).length, 2);
  assert.deepEqual((await readdir(out)).sort(), ['genbias.jsonl', 'genhint.jsonl']);
});

test('blank lines are skipped and line numbers still count them', async () => {
  const path = await file(`\n${line(good)}\n\n${line({ ...good, id: 'x', split: 'oops' })}\n`);
  await rejectsLftf(readDatasetJsonl(path), 'bad-value', `${path}:4`, 'split', 'oops');
});

test('each bad dataset line gives an LftfError naming path:line and the field', async () => {
  const cases: [string, string, string[]][] = [
    [`${line(good)}\n{"id": "x",`, 'bad-json', [':2', 'malformed JSON']],
    [`[1, 2]`, 'bad-row', [':1', 'JSON object']],
    [line({ ...good, prompt: undefined }), 'missing-field', [':1', 'field "prompt"']],
    [line({ ...good, split: 3 }), 'bad-type', [':1', 'field "split"']],
    [line({ ...good, id: 42 }), 'bad-type', [':1', 'field "id"']],
    [line({ ...good, dataset: 'genfoo' }), 'bad-value', [':1', 'field "dataset"', 'genfoo']],
    [line({ ...good, scale: 'paragraph' }), 'bad-value', [':1', 'field "scale"']],
    [line({ ...good, hint: 'other' }), 'bad-value', [':1', 'field "hint"']],
    [line({ ...good, hint: 'male' }), 'bad-value', [':1', 'field "hint"', 'genbias']],
    [line({ ...good, dataset: 'genhint' }), 'bad-value', [':1', 'field "hint"']],
    [line({ ...good, score: 0.5 }), 'unknown-field', [':1', 'field "score"']],
    [line({ ...good, prompt: '' }), 'bad-value', [':1', 'field "prompt"']],
    [`${line(good)}\n${line(good)}`, 'duplicate-id', [':2', 'field "id"', 'line 1']],
    [`${line(good)}\n${line({ ...good, id: 'y', split: 'test' })}`, 'split-leak', [':2', 'field "split"']],
  ];
  for (const [text, code, parts] of cases) {
    const path = await file(text);
    await rejectsLftf(readDatasetJsonl(path), code, path, ...parts);
  }
});

test('empty dataset and missing file', async () => {
  await rejectsLftf(readDatasetJsonl(await file('')), 'empty-dataset', 'empty dataset');
  await rejectsLftf(readDatasetJsonl(await file('\n  \n')), 'empty-dataset', 'empty dataset');
  await rejectsLftf(readDatasetJsonl(join(dir, 'nope.jsonl')), 'unreadable-file', 'nope.jsonl');
});

test('readDatasets checks the dataset field and cross-file splits', async () => {
  const a = join(dir, 'mismatch');
  await writeJsonl(join(a, 'genbias.jsonl'), [good]);
  const hintRow: DatasetRow = { ...good, id: 'h/m', dataset: 'genhint', hint: 'male', split: 'dev' };
  await writeJsonl(join(a, 'genhint.jsonl'), [hintRow]);
  await rejectsLftf(readDatasets(a), 'split-leak', 'genhint.jsonl:1', 'field "split"');
  await writeJsonl(join(a, 'genhint.jsonl'), [good]);
  await rejectsLftf(readDatasets(a), 'bad-value', 'genhint.jsonl:1', 'field "dataset"');
});

test('readProfessions: text, JSON array and JSONL', async () => {
  const txt = await file('# my list\nnurse\n\nsoftware developer\n', 'txt');
  assert.deepEqual(
    (await readProfessions(txt)).map((p) => p.name),
    ['nurse', 'software developer'],
  );
  const arr = await file(JSON.stringify(['baker', { name: 'plumber', female_share: 0.5, source: 'My table, 2020' }]), 'json');
  const got = await readProfessions(arr);
  assert.deepEqual(got[1], { name: 'plumber', female_share: 0.5, source: 'My table, 2020' });
  assert.equal(got[0].female_share, null);
  const jl = await file(`${line({ name: 'baker' })}\n${line({ name: 'welder', female_share: null })}\n`);
  assert.equal((await readProfessions(jl)).length, 2);
});

test('readProfessions errors name the file and line or index', async () => {
  const txt = await file('nurse\nwaitress\n', 'txt');
  await rejectsLftf(readProfessions(txt), 'gendered-profession', `${txt}:2`, 'waitress');
  const dup = await file('nurse\nbaker\nNurse\n', 'txt');
  await rejectsLftf(readProfessions(dup), 'duplicate-profession', `${dup}:3`, `${dup}:1`);
  const arr = await file('["baker", {"name": "cook", "female_share": 0.4}]', 'json');
  await rejectsLftf(readProfessions(arr), 'missing-source', `${arr}[1]`, 'source');
  const badJson = await file('["baker", ', 'json');
  await rejectsLftf(readProfessions(badJson), 'bad-json', badJson);
  const jl = await file(`${line({ name: 'baker' })}\n{"name": 5}\n`);
  await rejectsLftf(readProfessions(jl), 'bad-type', `${jl}:2`, 'field "name"');
  const extra = await file(`${line({ name: 'baker', share: 0.2 })}\n`);
  await rejectsLftf(readProfessions(extra), 'unknown-field', `${extra}:1`, 'field "share"');
  const share = await file(`${line({ name: 'baker', female_share: '40%', source: 'x' })}\n`);
  await rejectsLftf(readProfessions(share), 'bad-type', `${share}:1`, 'female_share');
  await rejectsLftf(readProfessions(await file('# nothing\n', 'txt')), 'empty-set');
});

test('readTemplates: bias and hint kinds, hint_pair or inline pair', async () => {
  const path = await file(
    [
      line({ id: 'b1', scale: 'word', kind: 'bias', text: 'The {profession} sighed because' }),
      line({ id: 'h1', scale: 'phrase', kind: 'hint', text: 'The {profession} drove {himself/herself} home because' }),
      line({
        id: 'h2',
        scale: 'sentence',
        kind: 'hint',
        text: 'The {profession} said the prize was for {hint} alone because',
        hint_pair: { male: 'him', female: 'her' },
      }),
    ].join('\n'),
  );
  const t = await readTemplates(path);
  assert.deepEqual(t.bias, [{ id: 'b1', scale: 'word', text: 'The {profession} sighed because' }]);
  assert.deepEqual(t.hint[0], {
    id: 'h1',
    scale: 'phrase',
    text: 'The {profession} drove {hint} home because',
    hint_pair: { male: 'himself', female: 'herself' },
  });
  assert.deepEqual(t.hint[1].hint_pair, { male: 'him', female: 'her' });
  const built = buildDatasets({ professions: ['baker', 'cook', 'pilot'], biasTemplates: t.bias, hintTemplates: t.hint });
  assert.ok(built.genhint.some((r) => r.prompt === 'The baker drove herself home because'));
});

test('readTemplates errors name the file, line and field', async () => {
  const cases: [object, string, string[]][] = [
    [{ id: 'b', scale: 'word', kind: 'bias', text: 'The nurse smiled because' }, 'bad-template', ['field "text"', '{profession}']],
    [{ id: 'b', scale: 'word', kind: 'bias', text: 'The {profession} smiled' }, 'bad-template', ['field "text"', 'because']],
    [{ id: 'b', scale: 'huge', kind: 'bias', text: 'The {profession} smiled because' }, 'bad-value', ['field "scale"']],
    [{ id: 'b', scale: 'word', kind: 'other', text: 'The {profession} smiled because' }, 'bad-value', ['field "kind"']],
    [{ id: 'h', scale: 'word', kind: 'hint', text: 'The {profession} smiled because' }, 'bad-template', ['field "text"', '{hint}']],
    [
      { id: 'h', scale: 'word', kind: 'hint', text: 'The {profession} lost keys because', hint_pair: { male: 'his', female: 'her' } },
      'bad-template',
      ['field "text"', '{hint}'],
    ],
    [
      { id: 'h', scale: 'word', kind: 'hint', text: 'The {profession} lost {hint} keys because', hint_pair: { male: 'his' } },
      'bad-pair',
      ['hint_pair', 'female'],
    ],
    [
      { id: 'b', scale: 'word', kind: 'bias', text: 'The {profession} smiled because', hint_pair: { male: 'a', female: 'b' } },
      'unknown-field',
      ['field "hint_pair"'],
    ],
    [{ id: 'b', scale: 'word', kind: 'bias', text: 'The {profession} smiled because', lang: 'en' }, 'unknown-field', ['field "lang"']],
    [{ scale: 'word', kind: 'bias', text: 'The {profession} smiled because' }, 'missing-field', ['field "id"']],
  ];
  const ok = line({ id: 'ok', scale: 'word', kind: 'bias', text: 'The {profession} waved because' });
  for (const [bad, code, parts] of cases) {
    const path = await file(`${ok}\n${line(bad)}\n`);
    await rejectsLftf(readTemplates(path), code, `${path}:2`, ...parts);
  }
  await rejectsLftf(readTemplates(await file('')), 'empty-set');
  const dup = await file(`${ok}\n${ok}\n`);
  await rejectsLftf(readTemplates(dup), 'duplicate-template', `${dup}:2`);
});

test('a failed write is an LftfError and leaves nothing behind', async () => {
  const blocker = await file('not a folder', 'txt');
  await rejectsLftf(writeJsonl(join(blocker, 'x.jsonl'), [good]), 'write-failed', 'x.jsonl');
});
