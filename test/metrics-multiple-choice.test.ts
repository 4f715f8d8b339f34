import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { LftfError } from '../src/errors.js';
import {
  readMultipleChoiceJsonl,
  parseMultipleChoiceJsonl,
  mcAccuracy,
  copaToItem,
  type MultipleChoiceItem,
} from '../src/metrics/index.js';

// Compiled to dist/test/, fixtures stay in test/fixtures/mc/.
const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/mc/${name}`, import.meta.url));

function isErr(code: string, where: string) {
  return (e: unknown) => {
    assert.ok(e instanceof LftfError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.where, where);
    return true;
  };
}

// Expected strings below follow lm_eval 0.4.13 task files by hand (and were cross-checked by
// rendering those templates with jinja2 / calling super_glue/copa/utils.py directly).

test('ARC: "Question: ...\\nAnswer:", " " + choice, gold = label index (letters or digits)', async () => {
  const ds = await readMultipleChoiceJsonl(fixture('arc.jsonl'));
  assert.equal(ds.schema, 'arc');
  assert.equal(ds.task, 'arc');
  assert.equal(ds.items.length, 4); // the blank line is skipped
  assert.deepEqual(ds.items[0], {
    id: 'fx-arc-1',
    context: 'Question: Which tool is best for measuring the length of a table?\nAnswer:',
    continuations: [' a thermometer', ' a ruler', ' a scale', ' a clock'],
    choices: ['a thermometer', 'a ruler', 'a scale', 'a clock'],
    gold: 1,
  });
  assert.equal(ds.items[2].gold, 0); // answerKey "1" among labels "1".."4"
  assert.equal(ds.items[3].continuations.length, 5);
  const named = await readMultipleChoiceJsonl(fixture('arc.jsonl'), 'arc_challenge');
  assert.equal(named.task, 'arc_challenge');
});

test('OpenBookQA: question_stem verbatim, answerKey.lstrip(), extra fields allowed', async () => {
  const ds = await readMultipleChoiceJsonl(fixture('openbookqa.jsonl'));
  assert.equal(ds.schema, 'openbookqa');
  assert.deepEqual(ds.items[0], {
    id: 'fx-obqa-1',
    context: 'A magnet will pull on',
    continuations: [' a wooden spoon', ' an iron nail', ' a glass cup', ' a paper bag'],
    choices: ['a wooden spoon', 'an iron nail', 'a glass cup', 'a paper bag'],
    gold: 1,
  });
  assert.equal(ds.items[1].gold, 2);
  assert.equal(ds.items[2].gold, 0); // answerKey " A"
});

test('COPA: premise minus full stop + because/therefore, lower-cased choices, two leading spaces', async () => {
  const ds = await readMultipleChoiceJsonl(fixture('copa.jsonl'));
  assert.equal(ds.schema, 'copa');
  assert.deepEqual(ds.items[0], {
    id: '0',
    context: 'The kettle whistled because',
    // doc_to_choice adds " ", the default target_delimiter another " "
    continuations: ['  the water was boiling.', '  the water was frozen.'],
    choices: [' the water was boiling.', ' the water was frozen.'],
    gold: 0,
  });
  assert.equal(ds.items[1].context, 'It started to rain therefore');
  assert.deepEqual(ds.items[1].continuations, ['  i took off my shoes.', '  i opened my umbrella.']);
  assert.equal(ds.items[1].gold, 1);
  // "  The room went dark. " -> strip -> drop last char -> "The room went dark"
  assert.equal(ds.items[2].context, 'The room went dark because');
});

test('COPA gold with identical choices resolves to the first, as choices.index() does', () => {
  const item = copaToItem({ premise: 'A.', choice1: 'Same.', choice2: 'Same.', question: 'cause', label: 1, idx: 5 });
  assert.equal(item.gold, 0);
});

test('generic schema: context verbatim, " " + choice, id defaults to line number', async () => {
  const ds = await readMultipleChoiceJsonl(fixture('generic.jsonl'));
  assert.equal(ds.schema, 'generic');
  assert.deepEqual(ds.items[0], {
    id: 'g-1',
    context: 'The opposite of hot is',
    continuations: [' cold', ' warm'],
    choices: ['cold', 'warm'],
    gold: 0,
  });
  assert.equal(ds.items[1].id, 'line-2');
  assert.equal(ds.items[2].id, '7');
});

test('bad files: errors name path:line and field', async () => {
  const arc = fixture('bad-arc-answerkey.jsonl');
  await assert.rejects(readMultipleChoiceJsonl(arc), isErr('bad-field', `${arc}:2 field answerKey`));
  const json = fixture('bad-json.jsonl');
  await assert.rejects(readMultipleChoiceJsonl(json), isErr('bad-json', `${json}:3`));
  const copa = fixture('bad-copa-question.jsonl');
  await assert.rejects(readMultipleChoiceJsonl(copa), isErr('bad-field', `${copa}:2 field question`));
  const unknown = fixture('unknown-schema.jsonl');
  await assert.rejects(readMultipleChoiceJsonl(unknown), isErr('unknown-schema', `${unknown}:1`));
  // A task that does not fit the file: COPA fields required from line 1.
  const generic = fixture('generic.jsonl');
  await assert.rejects(readMultipleChoiceJsonl(generic, 'copa'), isErr('bad-field', `${generic}:1 field premise`));
  await assert.rejects(readMultipleChoiceJsonl(fixture('missing.jsonl')), (e: unknown) => e instanceof LftfError && e.code === 'io');
});

test('bad rows in text: gold out of range, short choices, later rows must fit the first schema', () => {
  assert.throws(
    () => parseMultipleChoiceJsonl('{"context":"x","choices":["a","b"],"gold":2}', 'mem.jsonl'),
    isErr('bad-field', 'mem.jsonl:1 field gold'),
  );
  assert.throws(
    () => parseMultipleChoiceJsonl('{"context":"x","choices":["a",""],"gold":0}', 'mem.jsonl'),
    isErr('bad-field', 'mem.jsonl:1 field choices[1]'),
  );
  const mixed =
    '{"context":"x","choices":["a","b"],"gold":0}\n' +
    '{"question_stem":"y","choices":{"text":["a","b"],"label":["A","B"]},"answerKey":"A"}';
  assert.throws(() => parseMultipleChoiceJsonl(mixed, 'mem.jsonl'), isErr('bad-field', 'mem.jsonl:2 field context'));
  assert.throws(
    () => parseMultipleChoiceJsonl('{"premise":"P.","choice1":"a","choice2":"b","question":"cause","label":-1}', 'm'),
    isErr('bad-field', 'm:1 field label'),
  );
});

function item(choices: string[], gold: number): MultipleChoiceItem {
  return { id: choices.join('|'), context: 'c', continuations: choices.map((c) => ' ' + c), choices, gold };
}

test('acc vs acc_norm (character length) vs acc_bytes, by hand', () => {
  // Item 1: choices "a" (1 char) and "bbbbbbbbbb" (10 chars), gold 1, lls [-2, -5].
  //   acc:      argmax(-2, -5) = 0          -> wrong
  //   acc_norm: argmax(-2/1, -5/10 = -0.5) = 1 -> right
  // Item 2: "café" (4 chars, 5 UTF-8 bytes) and "tea" (3 chars, 3 bytes), gold 0, lls [-4.8, -3.3].
  //   acc:      argmax(-4.8, -3.3) = 1                -> wrong
  //   acc_norm: -4.8/4 = -1.2 vs -3.3/3 = -1.1 -> 1   -> wrong (lm_eval counts characters)
  //   acc_bytes: -4.8/5 = -0.96 vs -1.1 -> 0          -> right
  // Item 3: tie, lls [-1, -1], gold 0: numpy.argmax takes the first -> acc right;
  //   norm: -1/3 ("one") vs -1/3 ("two") -> tie -> 0 -> right.
  const items = [item(['a', 'bbbbbbbbbb'], 1), item(['café', 'tea'], 0), item(['one', 'two'], 0)];
  const r = mcAccuracy(items, [[-2, -5], [-4.8, -3.3], [-1, -1]], 'toy');
  assert.equal(r.task, 'toy');
  assert.equal(r.n, 3);
  assert.equal(r.acc, 1 / 3); // item 3 only
  assert.equal(r.acc_norm, 2 / 3); // items 1 and 3
  assert.equal(r.acc_bytes, 1); // items 1, 2, 3
  assert.deepEqual(
    r.items.map((x) => [x.pred, x.pred_norm, x.pred_bytes]),
    [
      [0, 1, 1],
      [1, 1, 0],
      [0, 0, 0],
    ],
  );
});

test('acc_norm divides by the choice, not the continuation with its delimiter (COPA)', () => {
  // COPA choices carry their own leading space: " ab" (3 chars) vs " abcdef" (7 chars); the
  // continuations add one more. lls [-3, -6.5]: choice lengths -> -1 vs -0.9286 -> pick 1;
  // continuation lengths would give -0.75 vs -0.8125 -> pick 0.
  const it = copaToItem({ premise: 'P.', choice1: 'ab', choice2: 'abcdef', question: 'effect', label: 1, idx: 0 });
  assert.deepEqual(it.choices, [' ab', ' abcdef']);
  assert.equal(mcAccuracy([it], [[-3, -6.5]]).acc_norm, 1);
});

test('mcAccuracy bad inputs name the row', () => {
  const items = [item(['a', 'b'], 0)];
  assert.throws(() => mcAccuracy(items, []), isErr('length-mismatch', 'loglikelihoods'));
  assert.throws(() => mcAccuracy(items, [[-1]]), isErr('length-mismatch', 'loglikelihoods[0]'));
  assert.throws(() => mcAccuracy(items, [[-1, Number.NaN]]), isErr('bad-loglikelihood', 'loglikelihoods[0][1]'));
  // -Infinity (probability 0) is a valid log-likelihood.
  assert.equal(mcAccuracy(items, [[-1, -Infinity]]).acc, 1);
});
