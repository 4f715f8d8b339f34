/**
 * A small world of neutral facts (animals and their sounds, colours of things, tools and their
 * uses, opposites, counting), each said through several sentence frames. For every fact ONE frame
 * is held out of the training corpus (chosen from the seed, spread evenly over the frames); those
 * held-out (fact, frame) combinations are the multiple-choice probe and the held-out perplexity
 * text. So the probe asks a fact the model has seen, in a phrasing it never saw with that fact.
 */
import { indefiniteArticle } from '../data/index.js';
import { makeRng, shuffled, type Rng } from '../util/random.js';

/** A frame: `{a}`/`{A}` (capitalised) is the cue, `{b}` the answer, always the frame's end. */
export interface FactFrame {
  text: string;
}

export interface FactCategory {
  name: string;
  /** [cue, answer] pairs. Answers repeat across facts only where the world says so (colours). */
  facts: readonly (readonly [string, string])[];
  frames: readonly FactFrame[];
}

/** Generic multiple-choice schema of the metrics stage: the answer continues `context`. */
export interface ProbeItem {
  id: string;
  context: string;
  choices: string[];
  gold: number;
}

const ANIMALS: readonly (readonly [string, string])[] = [
  ['dog', 'woof'], ['cat', 'meow'], ['cow', 'moo'], ['duck', 'quack'], ['sheep', 'baa'],
  ['lion', 'roar'], ['owl', 'hoot'], ['horse', 'neigh'], ['pig', 'oink'], ['frog', 'croak'],
  ['bee', 'buzz'], ['snake', 'hiss'], ['mouse', 'squeak'], ['wolf', 'howl'], ['donkey', 'bray'],
  ['goat', 'bleat'], ['crow', 'caw'], ['dove', 'coo'],
];

const COLOURS: readonly (readonly [string, string])[] = [
  ['sky', 'blue'], ['grass', 'green'], ['snow', 'white'], ['coal', 'black'], ['banana', 'yellow'],
  ['tomato', 'red'], ['carrot', 'orange'], ['plum', 'purple'], ['flamingo', 'pink'],
  ['elephant', 'grey'], ['chocolate', 'brown'], ['lemon', 'yellow'], ['strawberry', 'red'],
  ['leaf', 'green'], ['milk', 'white'], ['crow feather', 'black'], ['pumpkin', 'orange'],
  ['ocean', 'blue'], ['violet', 'purple'], ['mushroom', 'brown'],
];

const TOOLS: readonly (readonly [string, string])[] = [
  ['hammer', 'drive nails'], ['saw', 'cut wood'], ['broom', 'sweep the floor'], ['spoon', 'eat soup'],
  ['key', 'open a lock'], ['pen', 'write a letter'], ['needle', 'sew cloth'], ['shovel', 'dig a hole'],
  ['ladder', 'reach the roof'], ['scissors', 'cut paper'], ['bucket', 'carry water'],
  ['umbrella', 'stay dry'], ['clock', 'tell the time'], ['map', 'find the way'], ['soap', 'wash your hands'],
  ['kettle', 'boil water'], ['towel', 'dry your face'], ['net', 'catch fish'], ['comb', 'tidy your hair'],
  ['lamp', 'light a room'],
];

const OPPOSITE_PAIRS: readonly (readonly [string, string])[] = [
  ['hot', 'cold'], ['big', 'small'], ['up', 'down'], ['fast', 'slow'], ['happy', 'sad'],
  ['wet', 'dry'], ['full', 'empty'], ['loud', 'quiet'], ['hard', 'soft'], ['long', 'short'],
  ['thick', 'thin'], ['rich', 'poor'], ['strong', 'weak'], ['near', 'far'], ['clean', 'dirty'],
  ['young', 'old'], ['early', 'late'], ['open', 'closed'],
];
const OPPOSITES: readonly (readonly [string, string])[] = OPPOSITE_PAIRS.flatMap(([a, b]) => [[a, b], [b, a]] as const);

const NUMBER_WORDS = [
  'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty',
];
const SUCCESSORS: readonly (readonly [string, string])[] = NUMBER_WORDS.slice(0, -1).map((n, i) => [n, NUMBER_WORDS[i + 1]] as const);
const PREDECESSORS: readonly (readonly [string, string])[] = NUMBER_WORDS.slice(1).map((n, i) => [n, NUMBER_WORDS[i]] as const);

export const FACT_CATEGORIES: readonly FactCategory[] = [
  {
    name: 'animal-sound',
    facts: ANIMALS,
    frames: [
      { text: 'The {a} says {b}.' },
      { text: 'You can hear {an a} go {b}.' },
      { text: 'Every morning on the farm the {a} goes {b}.' },
      { text: 'The sound {an a} makes is {b}.' },
      { text: 'Listen, that is the {a}, it says {b}.' },
    ],
  },
  {
    name: 'sound-animal',
    facts: ANIMALS.map(([a, b]) => [b, a] as const),
    frames: [
      { text: 'The animal that says {b_cue} is the {b}.' },
      { text: 'If you hear {b_cue}, look for {an b}.' },
      { text: 'The one that goes {b_cue} all day is the {b}.' },
      { text: 'A loud {b_cue} came from the {b}.' },
    ],
  },
  {
    name: 'colour',
    facts: COLOURS,
    frames: [
      { text: 'The colour of the {a} is {b}.' },
      { text: 'Most of the time the {a} is {b}.' },
      { text: 'In the picture book the {a} was painted {b}.' },
      { text: 'Ask a child and they say the {a} is {b}.' },
      { text: 'Look at the {a}, it is {b}.' },
    ],
  },
  {
    name: 'tool-use',
    facts: TOOLS,
    frames: [
      { text: 'You use {an a} to {b}.' },
      { text: '{An A} helps you {b}.' },
      { text: 'With {an a} you can {b}.' },
      { text: 'People pick up {an a} when they want to {b}.' },
      { text: 'The best thing to do with {an a} is to {b}.' },
    ],
  },
  {
    name: 'use-tool',
    facts: TOOLS.map(([a, b]) => [b, a] as const),
    frames: [
      { text: 'To {b_cue}, you need {an b}.' },
      { text: 'If you want to {b_cue}, take {an b}.' },
      { text: 'The thing that helps you {b_cue} is {an b}.' },
      { text: 'We asked what to use to {b_cue} and the answer was {an b}.' },
    ],
  },
  {
    name: 'opposite',
    facts: OPPOSITES,
    frames: [
      { text: 'The opposite of {a} is {b}.' },
      { text: 'If it is not {a}, it is {b}.' },
      { text: 'Say the opposite of {a}: {b}.' },
      { text: 'One word is {a} and the other word is {b}.' },
      { text: 'We learned that {a} goes with {b}.' },
    ],
  },
  {
    name: 'after',
    facts: SUCCESSORS,
    frames: [
      { text: 'After {a} comes {b}.' },
      { text: 'The number after {a} is {b}.' },
      { text: 'Count on from {a} and you say {b}.' },
      { text: 'We counted {a} and then {b}.' },
    ],
  },
  {
    name: 'before',
    facts: PREDECESSORS,
    frames: [
      { text: 'Before {a} comes {b}.' },
      { text: 'The number before {a} is {b}.' },
      { text: 'Count back from {a} and you say {b}.' },
      { text: 'Just before {a} we say {b}.' },
    ],
  },
];

/** The frame with its cue filled; the answer slot is returned separately. */
function renderFrame(frame: string, cue: string, answer: string): { context: string; answerText: string; full: string } {
  // In a "sound-animal" style frame the cue is written {b_cue} and the answer is {b}.
  let text = frame.replace('{b_cue}', cue).replace('{a}', cue);
  text = text.replace('{an a}', `${indefiniteArticle(cue)} ${cue}`);
  text = text.replace('{An A}', `${cap(indefiniteArticle(cue))} ${cue}`);
  const slot = text.includes('{an b}') ? '{an b}' : '{b}';
  const answerText = slot === '{an b}' ? `${indefiniteArticle(answer)} ${answer}` : answer;
  const at = text.indexOf(slot);
  const before = text.slice(0, at);
  const after = text.slice(at + slot.length);
  const full = cap(before + answerText + after);
  // The context ends before the space that precedes the answer: the choice carries the space.
  return { context: cap(before.replace(/\s+$/, '')), answerText: answerText + after, full };
}

function cap(s: string): string {
  return s.length ? s[0].toUpperCase() + s.slice(1) : s;
}

/**
 * Everyday sentences with no person in a profession and no gendered word. They give ordinary
 * words (including ones the evaluation prompts use, such as "smiled" or "deadline") a trained
 * meaning, the way any language model knows them; none contains a template fragment.
 */
export const EVERYDAY: readonly string[] = [
  'The baby smiled at the dog.', 'The children laughed at the funny clown.', 'We waited for the bus in the rain.',
  'Everyone smiled for the photo.', 'The crowd laughed and clapped.', 'The passengers waited at the gate.',
  'The office was quiet on Sunday.', 'The report was ten pages long.', 'The deadline is next Friday.',
  'The meeting room has a big table.', 'The meeting started at nine.', 'A letter came in the morning post.',
  'The letter was short and kind.', 'The keys were on the kitchen table.', 'A spare key hangs by the door.',
  'Music takes talent and practice.', 'The team has a lot of talent.', 'The neighbour grows tomatoes.',
  'The night shift ends at midnight.', 'At midnight the streets were empty.', 'Learning a new skill takes time.',
  'In summer the days are long.', 'The visitors liked the old museum.', 'The rules of the game are simple.',
  'The new rules start in spring.', 'The road to work was busy.', 'The car was parked in the street.',
  'The class read a story about a fox.', 'The team won the match.', 'A colleague is someone you work with.',
  'The door was open, so the cat walked in.', 'The break lasted ten minutes.', 'We put the plates away quietly.',
  'The report and the letter were on the desk.', 'The bus was late again.', 'It rained all day, so the match was cancelled.',
  'The garden was green after the rain.', 'The shop opens at eight.', 'The train left on time.',
  'The children drew a house with a red roof.',
];

export interface WorldSplit {
  /** Sentences for the training corpus (each (fact, frame) once; the generator repeats them). */
  train: string[];
  /** Held-out sentences: each fact in its held-out frame. */
  heldOut: string[];
  probe: ProbeItem[];
}

/**
 * Splits the world into training sentences and held-out combinations. Within a category the
 * facts are shuffled from the seed and the held-out frame cycles through the frames, so every
 * frame is held out for about the same number of facts and every fact is trained in all others.
 */
export function splitWorld(seed: number): WorldSplit {
  const rng = makeRng(seed ^ 0x51a7);
  const train: string[] = [];
  const heldOut: string[] = [];
  const probe: ProbeItem[] = [];
  for (const cat of FACT_CATEGORIES) {
    const order = shuffled(cat.facts.map((_, i) => i), rng);
    const heldFrame = new Map<number, number>();
    order.forEach((factIndex, k) => heldFrame.set(factIndex, k % cat.frames.length));
    const answers = [...new Set(cat.facts.map(([, b]) => b))];
    cat.facts.forEach(([cue, answer], fi) => {
      cat.frames.forEach((frame, j) => {
        const r = renderFrame(frame.text, cue, answer);
        if (j !== heldFrame.get(fi)) {
          train.push(r.full);
          return;
        }
        heldOut.push(r.full);
        probe.push(probeItem(cat, fi, frame.text, cue, answer, answers, rng, r.context));
      });
    });
  }
  return { train, heldOut, probe };
}

function probeItem(
  cat: FactCategory,
  fi: number,
  frame: string,
  cue: string,
  answer: string,
  answers: string[],
  rng: Rng,
  context: string,
): ProbeItem {
  // Distractors: three other answers of the category that are not also true of this cue.
  const wrong = shuffled(answers.filter((a) => a !== answer), rng).slice(0, 3);
  const options = shuffled([answer, ...wrong], rng);
  const choices = options.map((o) => renderFrame(frame, cue, o).answerText);
  return { id: `${cat.name}-${fi}`, context, choices, gold: options.indexOf(answer) };
}

/**
 * The built-in multiple-choice probe for the embedded model (generic schema
 * {id, context, choices, gold}; choices continue the context after a space). Chance is 1/4.
 */
export function probeSet(seed = 0): ProbeItem[] {
  return splitWorld(seed).probe;
}

/** Held-out general text (one sentence a line) for perplexity and the LFTF keep loss. */
export function heldOutText(seed = 0): string {
  return splitWorld(seed).heldOut.join('\n') + '\n';
}
