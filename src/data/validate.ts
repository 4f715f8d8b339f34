/**
 * Checks for everything a user can bring: professions, templates, pronoun pairs, split fractions.
 * Each check throws an LftfError whose `where` names the file:line (or list index) and the field,
 * so one line tells the user what to fix. Policy choices (ours):
 * - A template that does not end in "because" is rejected, not warned about: both metrics read the
 *   pronoun as the word right after "because", so another ending measures something else.
 * - A profession with a female_share must name its source; shares are never accepted bare.
 * - Gendered profession words are matched as whole words: "human resources specialist" passes,
 *   "salesman" and "head waitress" do not.
 */
import { LftfError } from '../errors.js';
import type { Profession } from './professions.js';
import {
  HINT_SLOT,
  PROFESSION_SLOT,
  SCALES,
  type BiasTemplate,
  type GenderedPair,
  type HintTemplate,
  type PronounPair,
} from './templates.js';

/** Names a position: file:line or list[index]; `field` is appended when given. */
export type Locate = (index: number) => string;

export function fieldAt(where: string, field?: string): string {
  return field === undefined ? where : `${where} field "${field}"`;
}

const listLocate =
  (name: string): Locate =>
  (i) =>
    `${name}[${i}]`;

// ---------------------------------------------------------------------------------------------
// Gendered words

/** Whole words that mark gender (feminine -ess/-ette/-trix forms, kinship, titles, pronouns). */
export const GENDERED_WORDS: ReadonlySet<string> = new Set([
  // -ess and other feminine-suffix forms
  'actress', 'waitress', 'stewardess', 'hostess', 'seamstress', 'songstress', 'poetess',
  'authoress', 'sculptress', 'governess', 'headmistress', 'schoolmistress', 'postmistress',
  'mistress', 'manageress', 'proprietress', 'ambassadress', 'laundress', 'huntress',
  'sorceress', 'enchantress', 'priestess', 'abbess', 'heiress', 'goddess', 'princess',
  'duchess', 'countess', 'baroness', 'empress', 'marchioness', 'murderess', 'temptress',
  'benefactress', 'adventuress', 'conductress', 'usherette', 'majorette', 'suffragette',
  'comedienne', 'tragedienne', 'masseuse', 'masseur', 'chanteuse', 'danseuse', 'aviatrix',
  'executrix', 'heroine', 'ballerina', 'starlet', 'waiter',
  // titles and ranks
  'king', 'queen', 'prince', 'duke', 'emperor', 'baron', 'lord', 'lady', 'ladies', 'sir',
  'madam', 'madame', 'dame', 'mr', 'mrs', 'ms', 'miss', 'monk', 'nun', 'abbot', 'matron',
  'landlady', 'chairlady',
  // kinship and persons
  'man', 'men', 'woman', 'women', 'male', 'female', 'boy', 'boys', 'girl', 'girls', 'guy',
  'guys', 'gal', 'lad', 'lass', 'gentleman', 'gentlemen', 'mother', 'father', 'son',
  'daughter', 'brother', 'sister', 'aunt', 'uncle', 'wife', 'husband', 'widow', 'widower',
  'bride', 'housewife', 'househusband', 'midwife', 'maid', 'housemaid', 'barmaid',
  'milkmaid', 'nursemaid', 'fiance', 'fiancee',
  // pronouns
  'he', 'she', 'him', 'her', 'his', 'hers', 'himself', 'herself',
]);

/** Words ending in -man/-men/-boy/-girl that do not mark gender. */
const SUFFIX_EXCEPTIONS: ReadonlySet<string> = new Set([
  'human', 'humans', 'inhuman', 'superhuman', 'nonhuman', 'shaman', 'shamans', 'german',
  'germans', 'roman', 'romans', 'ottoman', 'talisman', 'caiman', 'cayman', 'specimen', 'regimen',
  'abdomen', 'acumen', 'omen', 'amen', 'stamen', 'semen', 'hymen', 'dolmen', 'catechumen',
]);

const GENDERED_SUFFIX = /(man|men|woman|women|boy|boys|girl|girls)$/;

/** The words of `name` that mark gender (empty when the name is gender-neutral). */
export function genderedWords(name: string): string[] {
  const words = name.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 0);
  return words.filter(
    (w) => GENDERED_WORDS.has(w) || (GENDERED_SUFFIX.test(w) && !SUFFIX_EXCEPTIONS.has(w)),
  );
}

export function isGendered(name: string): boolean {
  return genderedWords(name).length > 0;
}

// ---------------------------------------------------------------------------------------------
// Professions

/** Normal form used to detect duplicates: case and spacing do not make a new profession. */
export function professionKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export function validateProfession(p: Profession, where: string): void {
  if (typeof p.name !== 'string' || p.name.trim() === '') {
    throw new LftfError('bad-profession', 'profession name must be a non-empty string', fieldAt(where, 'name'));
  }
  if (p.name !== p.name.trim() || /\s{2,}/.test(p.name)) {
    throw new LftfError(
      'bad-profession',
      `profession "${p.name}" has leading, trailing or repeated spaces`,
      fieldAt(where, 'name'),
    );
  }
  if (/[{}]/.test(p.name)) {
    throw new LftfError('bad-profession', `profession "${p.name}" contains a brace`, fieldAt(where, 'name'));
  }
  const gendered = genderedWords(p.name);
  if (gendered.length > 0) {
    throw new LftfError(
      'gendered-profession',
      `profession "${p.name}" is not gender-neutral (gendered word: ${gendered.join(', ')})`,
      fieldAt(where, 'name'),
    );
  }
  const share = p.female_share;
  if (share !== null) {
    if (typeof share !== 'number' || !Number.isFinite(share) || share < 0 || share > 1) {
      throw new LftfError(
        'bad-share',
        `female_share must be a number in [0, 1] or null, got ${JSON.stringify(share)}`,
        fieldAt(where, 'female_share'),
      );
    }
    if (typeof p.source !== 'string' || p.source.trim() === '') {
      throw new LftfError(
        'missing-source',
        `profession "${p.name}" has a female_share but no source; give the published table and year, or leave the share null`,
        fieldAt(where, 'source'),
      );
    }
  } else if (p.source !== null && typeof p.source !== 'string') {
    throw new LftfError('bad-type', 'source must be a string or null', fieldAt(where, 'source'));
  }
}

/** Throws on an empty list, a bad entry or a case-insensitive duplicate; returns the list. */
export function validateProfessions<T extends Profession>(
  list: readonly T[],
  locate: Locate = listLocate('professions'),
  setName = 'professions',
): readonly T[] {
  if (list.length === 0) throw new LftfError('empty-set', 'no professions given', setName);
  const seen = new Map<string, number>();
  list.forEach((p, i) => {
    validateProfession(p, locate(i));
    const key = professionKey(p.name);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new LftfError(
        'duplicate-profession',
        `profession "${p.name}" repeats ${locate(first)} (case-insensitive)`,
        fieldAt(locate(i), 'name'),
      );
    }
    seen.set(key, i);
  });
  return list;
}

// ---------------------------------------------------------------------------------------------
// Templates

export interface TemplateCheckOptions {
  /** Reject templates that do not end in "because" (default true; see the file header). */
  requireBecause?: boolean;
}

function checkTemplateCommon(
  t: { id: unknown; scale: unknown; text: unknown },
  where: string,
  opts: TemplateCheckOptions,
  allowedSlots: readonly string[],
): void {
  if (typeof t.id !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(t.id)) {
    throw new LftfError(
      'bad-template',
      `template id must be a non-empty string of letters, digits, "_", "." or "-", got ${JSON.stringify(t.id)}`,
      fieldAt(where, 'id'),
    );
  }
  if (typeof t.scale !== 'string' || !(SCALES as readonly string[]).includes(t.scale)) {
    throw new LftfError(
      'bad-template',
      `scale must be one of ${SCALES.map((s) => `"${s}"`).join(', ')}, got ${JSON.stringify(t.scale)}`,
      fieldAt(where, 'scale'),
    );
  }
  if (typeof t.text !== 'string' || t.text.trim() === '') {
    throw new LftfError('bad-template', 'template text must be a non-empty string', fieldAt(where, 'text'));
  }
  if (!t.text.includes(PROFESSION_SLOT)) {
    throw new LftfError(
      'bad-template',
      `template "${t.id}" has no ${PROFESSION_SLOT} slot`,
      fieldAt(where, 'text'),
    );
  }
  for (const slot of t.text.match(/\{[^{}]*\}/g) ?? []) {
    if (!allowedSlots.includes(slot)) {
      throw new LftfError(
        'bad-template',
        `template "${t.id}" has an unknown slot ${slot} (allowed: ${allowedSlots.join(', ')})`,
        fieldAt(where, 'text'),
      );
    }
  }
  if ((opts.requireBecause ?? true) && !/\bbecause$/.test(t.text.trimEnd())) {
    throw new LftfError(
      'bad-template',
      `template "${t.id}" must end in "because" (the pronoun is read as the next word)`,
      fieldAt(where, 'text'),
    );
  }
}

function checkUniqueIds(list: readonly { id: string }[], locate: Locate, kind: string): void {
  const seen = new Map<string, number>();
  list.forEach((t, i) => {
    const first = seen.get(t.id);
    if (first !== undefined) {
      throw new LftfError(
        'duplicate-template',
        `${kind} template id "${t.id}" repeats ${locate(first)}`,
        fieldAt(locate(i), 'id'),
      );
    }
    seen.set(t.id, i);
  });
}

export function validateBiasTemplate(t: BiasTemplate, where: string, opts: TemplateCheckOptions = {}): void {
  checkTemplateCommon(t, where, opts, [PROFESSION_SLOT]);
}

export function validateHintTemplate(t: HintTemplate, where: string, opts: TemplateCheckOptions = {}): void {
  checkTemplateCommon(t, where, opts, [PROFESSION_SLOT, HINT_SLOT]);
  if (!t.text.includes(HINT_SLOT)) {
    throw new LftfError(
      'bad-template',
      `hint template "${t.id}" has no ${HINT_SLOT} slot (or inline pair such as {his/her})`,
      fieldAt(where, 'text'),
    );
  }
  validateWordPair(t.hint_pair, fieldAt(where, 'hint_pair'), 'hint_pair');
}

export function validateBiasTemplates(
  list: readonly BiasTemplate[],
  locate: Locate = listLocate('biasTemplates'),
  opts: TemplateCheckOptions = {},
): readonly BiasTemplate[] {
  if (list.length === 0) throw new LftfError('empty-set', 'no bias templates given', 'biasTemplates');
  list.forEach((t, i) => validateBiasTemplate(t, locate(i), opts));
  checkUniqueIds(list, locate, 'bias');
  return list;
}

export function validateHintTemplates(
  list: readonly HintTemplate[],
  locate: Locate = listLocate('hintTemplates'),
  opts: TemplateCheckOptions = {},
): readonly HintTemplate[] {
  if (list.length === 0) throw new LftfError('empty-set', 'no hint templates given', 'hintTemplates');
  list.forEach((t, i) => validateHintTemplate(t, locate(i), opts));
  checkUniqueIds(list, locate, 'hint');
  return list;
}

// ---------------------------------------------------------------------------------------------
// Pronoun and hint pairs

/** A male and a female word: non-empty single words without spaces or braces, and different. */
export function validateWordPair(pair: GenderedPair, where: string, what = 'pair'): void {
  if (typeof pair !== 'object' || pair === null) {
    throw new LftfError('bad-pair', `${what} must be an object {male, female}`, where);
  }
  for (const side of ['male', 'female'] as const) {
    const w: unknown = pair[side];
    if (typeof w !== 'string' || w.trim() === '' || w !== w.trim() || /[\s{}]/.test(w)) {
      throw new LftfError(
        'bad-pair',
        `${what}.${side} must be one word without spaces or braces, got ${JSON.stringify(w)}`,
        `${where}.${side}`,
      );
    }
  }
  if (pair.male === pair.female) {
    throw new LftfError('bad-pair', `${what} has the same word "${pair.male}" for male and female`, where);
  }
}

export interface TokenizerLike {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

/**
 * Rejects pronouns that the model's tokenizer cannot encode and decode back unchanged after a
 * space (the way they follow "because"): scoring would otherwise measure a different string.
 */
export function validatePronouns(pair: PronounPair, tokenizer: TokenizerLike, where = 'pronouns'): void {
  validateWordPair(pair, where, 'pronouns');
  for (const side of ['male', 'female'] as const) {
    const w = pair[side];
    let ids: number[];
    let back: string;
    try {
      ids = tokenizer.encode(' ' + w);
      back = ids.length === 0 ? '' : tokenizer.decode(ids).trim();
    } catch (e) {
      throw new LftfError('bad-pronoun', `the tokenizer cannot encode " ${w}" (${(e as Error).message})`, `${where}.${side}`);
    }
    if (ids.length === 0) {
      throw new LftfError('bad-pronoun', `the tokenizer gives no tokens for " ${w}"`, `${where}.${side}`);
    }
    if (back !== w) {
      throw new LftfError(
        'bad-pronoun',
        `the tokenizer does not round-trip " ${w}": decode(encode(" ${w}")) is ${JSON.stringify(back)}`,
        `${where}.${side}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Split fractions

export interface SplitFractions {
  train: number;
  dev: number;
  test: number;
}

export function validateSplitFractions(split: SplitFractions, where = 'split'): void {
  for (const k of ['train', 'dev', 'test'] as const) {
    const v: unknown = split[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
      throw new LftfError('bad-split', `split.${k} must be a number in [0, 1], got ${JSON.stringify(v)}`, `${where}.${k}`);
    }
  }
  const sum = split.train + split.dev + split.test;
  if (Math.abs(sum - 1) > 1e-9) {
    throw new LftfError('bad-split', `split fractions must sum to 1, got ${sum}`, where);
  }
}
