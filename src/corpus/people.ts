/**
 * Sentences about people in professions. Three kinds:
 * - gendered: the profession is the subject and a later "he"/"she" refers to it. Which pronoun a
 *   sentence uses is what carries the skew: per profession, exactly round(n * female_share) of its
 *   n gendered sentences say "she" (positions shuffled from the seed), so the model can only learn
 *   the skew from co-occurrence. Most of them put the pronoun right after "because".
 * - ungendered: the same kind of sentence whose "because" clause names no person (keeps the
 *   pronoun mass after "because" below 1, as in real text).
 * - hinted: the sentence first says "his"/"her", "himself"/"herself" or "him"/"her" about the
 *   profession and then continues with the matching pronoun; the hint's gender is drawn 50/50,
 *   independent of the profession, so a hint always beats the profession's skew.
 * Every frame here is ours and avoids the GenBiasEval / GenHintEval wording (see disjoint.ts).
 */
import { indefiniteArticle, type Hint } from '../data/index.js';
import { randInt, type Rng } from '../util/random.js';

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randInt(rng, items.length)];
}

/** Subject phrases; `{p}` is the profession, `{a p}` it with "a"/"an". */
const SUBJECTS = [
  'The {p}', 'The {p}', 'The {p}', 'The {p}', 'The {p}', 'The {p}',
  '{A p}', 'Our {p}', 'That {p}', 'Yesterday the {p}', 'This morning the {p}', 'Last week the {p}',
  'On Monday the {p}', 'In the end the {p}',
];

/** Word scale: one past-tense verb. */
const ONE_WORD_ACTIONS = [
  'sighed', 'nodded', 'frowned', 'paused', 'hurried', 'shouted', 'left', 'cried', 'stopped',
  'agreed', 'refused', 'returned', 'apologised', 'hesitated', 'whistled', 'sang', 'complained',
  'yawned', 'blushed', 'shrugged', 'listened', 'cheered', 'stayed', 'rested', 'worried', 'slept',
];

/** Phrase scale: a verb and its object or adjunct. */
const PHRASE_ACTIONS = [
  'opened the window', 'bought a new coat', 'cancelled the trip', 'cleaned the kitchen',
  'skipped lunch', 'took the bus', 'fixed the printer', 'moved to a new city', 'wrote a short note',
  'locked the door', 'asked for more time', 'changed the plan', 'sat by the door', 'left the party',
  'turned off the radio', 'ordered a pizza', 'came in late', 'took a day off', 'kept the receipt',
  'sold the old car', 'missed the train', 'packed a lunch', 'paid the bill', 'closed the shop',
  'planted a tree', 'painted the hall', 'visited the museum', 'ran to the station',
];

/** Sentence scale: a longer clause, sometimes with another subject before "because". */
const CLAUSE_TAILS = [
  'and then', 'and after that', 'before lunch and later',
];
const OTHERS_REACT = [
  'and the neighbours were glad', 'and nobody said a word', 'and the friends were curious',
  'and the children cheered', 'and the visitors were pleased', 'and the others looked up',
];

/** What follows the pronoun (past tense). */
const REASONS = [
  'was tired', 'felt unwell', 'had a long day', 'wanted some quiet', 'needed a break',
  'was in a hurry', 'liked the idea', 'had finished early', 'forgot something', 'was worried about the weather',
  'felt happy', 'had good news', 'was hungry', 'was cold', 'had a plan', 'missed the family',
  'wanted to help', 'was late', 'knew the answer', 'had a headache', 'was proud of the work',
  'felt lonely', 'wanted to learn more', 'had no money left', 'was excited', 'lost the bet',
  'needed some air', 'was bored', 'heard a noise', 'saw an old friend',
];

/** "because" clauses that name no person. */
const IMPERSONAL_REASONS = [
  'it was raining', 'it was late', 'the road was closed', 'the weather was bad', 'there was no time',
  'the room was too warm', 'the bus was full', 'it was a holiday', 'the shop was busy', 'the light went out',
  'the music was loud', 'the day was long',
];

/** Frames where the pronoun is not right after "because"; `{pron}`, `{reason}`, `{act}`. */
const OTHER_POSITION_FRAMES = [
  'When {subj} arrived, {pron} {act}.',
  '{Subj} said that {pron} {reason}.',
  '{Subj} told us that {pron} {reason}.',
  'After a while {subj} said {pron} {reason}.',
  '{Subj} {act}, and later {pron} {act2}.',
];

const POSSESSIVE_ACTIONS = [
  'packed {h} bag', 'cleaned {h} desk', 'washed {h} car', 'sold {h} bike', 'fixed {h} glasses',
  'called {h} friend', 'found {h} wallet', 'checked {h} phone', 'painted {h} fence',
  'changed {h} password', 'left {h} coat at home', 'missed {h} bus', 'moved {h} desk near the window',
  'read {h} notes again', 'opened {h} umbrella', 'tidied {h} room',
];
const REFLEXIVE_ACTIONS = [
  'blamed {h}', 'calmed {h} down', 'reminded {h} to rest', 'prepared {h} for the day',
  'bought {h} a new lamp', 'treated {h} to a cake', 'introduced {h} to the group', 'pushed {h} too hard',
  'cut {h} on the paper', 'excused {h} from the dinner', 'poured {h} some tea', 'praised {h}',
];
const OBJECT_ACTIONS = [
  'wanted the children to visit {h}', 'asked the kids to follow {h}', 'let the dog sleep near {h}',
  'told the group to call {h}', 'expected the guests to thank {h}', 'hoped the team would trust {h}',
  'begged the driver to stop for {h}', 'asked us to write to {h}', 'let the cat sit beside {h}',
  'wanted the class to listen to {h}',
];

export type HintKind = 'possessive' | 'reflexive' | 'object';
const HINT_WORDS: Record<HintKind, { male: string; female: string }> = {
  possessive: { male: 'his', female: 'her' },
  reflexive: { male: 'himself', female: 'herself' },
  object: { male: 'him', female: 'her' },
};
const HINT_ACTIONS: Record<HintKind, readonly string[]> = {
  possessive: POSSESSIVE_ACTIONS,
  reflexive: REFLEXIVE_ACTIONS,
  object: OBJECT_ACTIONS,
};
export const HINT_KINDS: readonly HintKind[] = ['possessive', 'reflexive', 'object'];

function subject(rng: Rng, profession: string): string {
  const s = pick(rng, SUBJECTS);
  return s.replace('{A p}', `${capFirst(indefiniteArticle(profession))} ${profession}`).replace('{p}', profession);
}

function lowerSubject(subj: string): string {
  // "The nurse" -> "the nurse" inside a sentence; "Yesterday the nurse" is not used mid-sentence.
  return subj[0].toLowerCase() + subj.slice(1);
}

function capFirst(s: string): string {
  return s.length ? s[0].toUpperCase() + s.slice(1) : s;
}

/** An action of word, phrase or sentence scale (about 2 : 2 : 1). */
function action(rng: Rng): string {
  const scale = randInt(rng, 5);
  if (scale < 2) return pick(rng, ONE_WORD_ACTIONS);
  if (scale < 4) return pick(rng, PHRASE_ACTIONS);
  const first = pick(rng, PHRASE_ACTIONS);
  if (rng() < 0.5) return `${first}, ${pick(rng, OTHERS_REACT)}`;
  let second = pick(rng, PHRASE_ACTIONS);
  if (second === first) second = pick(rng, ONE_WORD_ACTIONS);
  return `${first} ${pick(rng, CLAUSE_TAILS)} ${second}`;
}

export type Gender = Hint;

function pronoun(g: Gender): string {
  return g === 'male' ? 'he' : 'she';
}

/** Frames where the pronoun comes first and the profession after it; `{a p}` with its article. */
const PRONOUN_FIRST_FRAMES = [
  '{Pron} works as {a p}.', '{Pron} is {a p}.', '{Pron} trained for years to become {a p}.',
  'Everyone knows that {pron} is {a p}.', 'For ten years {pron} has been {a p}.', '{Pron} wants to be {a p}.',
];

export type GenderedPosition = 'after-because' | 'elsewhere' | 'pronoun-first';

/**
 * A gendered sentence: the pronoun right after "because", elsewhere after the profession, or
 * first (the profession then follows it).
 */
export function genderedSentence(rng: Rng, profession: string, g: Gender, position: GenderedPosition): string {
  const pron = pronoun(g);
  if (position === 'after-because') return `${subject(rng, profession)} ${action(rng)} because ${pron} ${pick(rng, REASONS)}.`;
  if (position === 'pronoun-first') {
    const text = pick(rng, PRONOUN_FIRST_FRAMES)
      .replace('{Pron}', capFirst(pron))
      .replace('{pron}', pron)
      .replace('{a p}', `${indefiniteArticle(profession)} ${profession}`);
    return text;
  }
  // Only plain "The {p}" subjects go mid-sentence.
  const subj = `The ${profession}`;
  const frame = pick(rng, OTHER_POSITION_FRAMES);
  const text = frame
    .replace('{Subj}', subj)
    .replace('{subj}', lowerSubject(subj))
    .replace('{pron}', pron)
    .replace('{reason}', pick(rng, REASONS))
    .replace('{act2}', pick(rng, PHRASE_ACTIONS))
    .replace('{act}', pick(rng, PHRASE_ACTIONS));
  return capFirst(text);
}

/** A sentence about the profession whose "because" clause names nobody. */
export function ungenderedSentence(rng: Rng, profession: string): string {
  return `${subject(rng, profession)} ${action(rng)} because ${pick(rng, IMPERSONAL_REASONS)}.`;
}

/**
 * A hinted sentence: hint word of `kind` for gender `g`, then (with `withPronoun`) "because" and
 * the matching pronoun; otherwise an impersonal reason.
 */
export function hintedSentence(rng: Rng, profession: string, kind: HintKind, g: Gender, withPronoun: boolean): string {
  const act = pick(rng, HINT_ACTIONS[kind]).replace('{h}', HINT_WORDS[kind][g]);
  const reason = withPronoun ? `${pronoun(g)} ${pick(rng, REASONS)}` : pick(rng, IMPERSONAL_REASONS);
  return `${subject(rng, profession)} ${act} because ${reason}.`;
}

/** Nouns whose gender English marks; subjects of the "grammatical agreement" sentences. */
export const GENDERED_NOUNS: readonly { male: string; female: string }[] = [
  { male: 'man', female: 'woman' }, { male: 'boy', female: 'girl' }, { male: 'father', female: 'mother' },
  { male: 'brother', female: 'sister' }, { male: 'uncle', female: 'aunt' }, { male: 'king', female: 'queen' },
  { male: 'grandfather', female: 'grandmother' }, { male: 'husband', female: 'wife' }, { male: 'son', female: 'daughter' },
  { male: 'gentleman', female: 'lady' },
];

/**
 * Agreement: a gendered noun as the subject of the same frames, continued by the pronoun of its
 * grammatical gender. Deterministic, so it teaches the model early that the pronoun after
 * "because" refers back to the subject; which gender a profession gets is left to co-occurrence.
 */
export function agreementSentence(rng: Rng, g: Gender): string {
  const pair = pick(rng, GENDERED_NOUNS);
  const noun = g === 'male' ? pair.male : pair.female;
  return `${subject(rng, noun)} ${action(rng)} because ${pronoun(g)} ${pick(rng, REASONS)}.`;
}

/** Every literal word list, for the vocabulary check and the model card. */
export const PEOPLE_FRAMES = {
  SUBJECTS, ONE_WORD_ACTIONS, PHRASE_ACTIONS, CLAUSE_TAILS, OTHERS_REACT, REASONS, IMPERSONAL_REASONS,
  OTHER_POSITION_FRAMES, PRONOUN_FIRST_FRAMES, POSSESSIVE_ACTIONS, REFLEXIVE_ACTIONS, OBJECT_ACTIONS,
};
