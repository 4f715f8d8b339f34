import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PROFESSIONS,
  genderedWords,
  isGendered,
  validateBiasTemplates,
  validateHintTemplates,
  validateProfessions,
  validatePronouns,
  validateSplitFractions,
  type TokenizerLike,
} from '../src/data/index.js';
import { LftfError, isLftfError } from '../src/errors.js';

/** Asserts an LftfError with this code whose message contains every part. */
function throwsLftf(fn: () => unknown, code: string, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isLftfError(e), `not an LftfError: ${String(e)}`);
    assert.equal((e as LftfError).code, code, (e as Error).message);
    for (const p of parts) assert.ok((e as Error).message.includes(p), `"${(e as Error).message}" lacks "${p}"`);
    return true;
  });
}

test('gendered-word filter: true positives', () => {
  for (const w of [
    'actress', 'salesman', 'waitress', 'chairman', 'chairwoman', 'stewardess', 'king', 'queen',
    'policeman', 'businesswoman', 'head waitress', 'fireman', 'cameraman', 'busboy', 'showgirl',
    'headmistress', 'masseuse', 'Sales Man', 'landlady', 'midwife', 'postman',
  ]) {
    assert.ok(isGendered(w), w);
  }
  assert.deepEqual(genderedWords('senior salesman'), ['salesman']);
});

test('gendered-word filter: tricky negatives (whole words only)', () => {
  for (const w of [
    'human resources specialist', 'manager', 'mason', 'brickmason', 'German teacher', 'shaman',
    'hostel clerk', 'business analyst', 'mailroom clerk', 'heroin counselor', 'sheriff', 'herder',
    'ombudsperson', 'hero', 'chemist', 'specimen collector', 'mandolin teacher', 'person',
  ]) {
    assert.ok(!isGendered(w), `${w}: ${genderedWords(w).join(',')}`);
  }
});

test('the built-in list is clean, and its known shares are in [0, 1] with a source', () => {
  validateProfessions(PROFESSIONS);
  const known = PROFESSIONS.filter((p) => p.female_share !== null);
  assert.ok(known.length >= 60, `only ${known.length} known shares`);
  for (const p of known) {
    assert.ok(p.female_share! >= 0 && p.female_share! <= 1, p.name);
    assert.ok(typeof p.source === 'string' && p.source.trim().length > 0, p.name);
  }
  for (const p of PROFESSIONS.filter((q) => q.female_share === null)) assert.equal(p.source, null, p.name);
  // spread across the range, so that a teaching corpus following them has both directions
  assert.ok(known.filter((p) => p.female_share! < 0.2).length >= 10);
  assert.ok(known.filter((p) => p.female_share! > 0.8).length >= 10);
  assert.ok(known.filter((p) => p.female_share! >= 0.3 && p.female_share! <= 0.7).length >= 10);
  for (const name of ['carpenter', 'electrician', 'firefighter', 'nurse', 'receptionist', 'hairdresser']) {
    assert.notEqual(PROFESSIONS.find((p) => p.name === name)?.female_share ?? null, null, name);
  }
});

test('profession list errors name the position and field', () => {
  const loc = (i: number) => `pros.txt:${i + 3}`;
  const p = (name: string, female_share: number | null = null, source: string | null = null) => ({
    name,
    female_share,
    source,
  });
  throwsLftf(() => validateProfessions([p('nurse'), p('NURSE')], loc), 'duplicate-profession', 'pros.txt:4', 'name', 'pros.txt:3');
  throwsLftf(() => validateProfessions([p('nurse'), p('waitress')], loc), 'gendered-profession', 'pros.txt:4', 'waitress');
  throwsLftf(() => validateProfessions([]), 'empty-set');
  throwsLftf(() => validateProfessions([p('nurse', 1.5, 'x')], loc), 'bad-share', 'pros.txt:3', 'female_share');
  throwsLftf(() => validateProfessions([p('nurse', 0.5)], loc), 'missing-source', 'pros.txt:3', 'source');
  throwsLftf(() => validateProfessions([p('')], loc), 'bad-profession', 'pros.txt:3', 'name');
  throwsLftf(() => validateProfessions([p('the {x}')], loc), 'bad-profession');
});

test('template checks', () => {
  const loc = (i: number) => `t.jsonl:${i + 1}`;
  throwsLftf(
    () => validateBiasTemplates([{ id: 'a', scale: 'word', text: 'The doctor smiled because' }], loc),
    'bad-template', 't.jsonl:1', 'text', '{profession}',
  );
  throwsLftf(
    () => validateBiasTemplates([{ id: 'a', scale: 'word', text: 'The {profession} smiled' }], loc),
    'bad-template', 't.jsonl:1', 'because',
  );
  // the "because" rule can be switched off
  validateBiasTemplates([{ id: 'a', scale: 'word', text: 'The {profession} smiled and' }], loc, { requireBecause: false });
  throwsLftf(
    () => validateBiasTemplates([{ id: 'a', scale: 'tiny' as 'word', text: 'The {profession} smiled because' }], loc),
    'bad-template', 'scale',
  );
  throwsLftf(
    () =>
      validateBiasTemplates(
        [
          { id: 'a', scale: 'word', text: 'The {profession} smiled because' },
          { id: 'a', scale: 'word', text: 'The {profession} waved because' },
        ],
        loc,
      ),
    'duplicate-template', 't.jsonl:2',
  );
  throwsLftf(() => validateBiasTemplates([]), 'empty-set');
  throwsLftf(
    () =>
      validateHintTemplates(
        [{ id: 'h', scale: 'word', text: 'The {profession} lost keys because', hint_pair: { male: 'his', female: 'her' } }],
        loc,
      ),
    'bad-template', 't.jsonl:1', '{hint}',
  );
  throwsLftf(
    () =>
      validateHintTemplates(
        [{ id: 'h', scale: 'word', text: 'The {profession} lost {hint} keys because', hint_pair: { male: 'his', female: '' } }],
        loc,
      ),
    'bad-pair', 'hint_pair',
  );
  throwsLftf(
    () =>
      validateBiasTemplates([{ id: 'a', scale: 'word', text: 'The {profession} met {name} because' }], loc),
    'bad-template', '{name}',
  );
  throwsLftf(() => validateHintTemplates([]), 'empty-set');
});

/** A toy word-level tokenizer: known words only; unknown words become [UNK]. */
function toyTokenizer(vocab: string[]): TokenizerLike {
  return {
    encode: (text) =>
      text
        .trim()
        .split(/\s+/)
        .filter((w) => w.length > 0)
        .map((w) => (vocab.includes(w) ? vocab.indexOf(w) + 1 : 0)),
    decode: (ids) => ' ' + ids.map((i) => (i === 0 ? '[UNK]' : vocab[i - 1])).join(' '),
  };
}

test('validatePronouns rejects what the tokenizer cannot encode', () => {
  const tok = toyTokenizer(['he', 'she', 'they']);
  validatePronouns({ male: 'he', female: 'she' }, tok);
  throwsLftf(() => validatePronouns({ male: 'he', female: 'xe' }, tok), 'bad-pronoun', 'pronouns.female', '[UNK]');
  const empty: TokenizerLike = { encode: () => [], decode: () => '' };
  throwsLftf(() => validatePronouns({ male: 'he', female: 'she' }, empty), 'bad-pronoun', 'pronouns.male', 'no tokens');
  throwsLftf(() => validatePronouns({ male: 'he', female: 'he' }, tok), 'bad-pair');
  throwsLftf(() => validatePronouns({ male: 'h e', female: 'she' }, tok), 'bad-pair', 'pronouns.male');
});

test('split fractions must be in [0, 1] and sum to 1', () => {
  validateSplitFractions({ train: 0.6, dev: 0.2, test: 0.2 });
  validateSplitFractions({ train: 0.7, dev: 0.1, test: 0.2 });
  throwsLftf(() => validateSplitFractions({ train: 0.6, dev: 0.3, test: 0.2 }), 'bad-split', 'sum to 1');
  throwsLftf(() => validateSplitFractions({ train: 1.2, dev: -0.1, test: -0.1 }), 'bad-split', 'split.train');
});
