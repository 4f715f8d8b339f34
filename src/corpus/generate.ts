/**
 * The bias-lab corpus: deterministic from a seed. One sentence a line; the lines are shuffled
 * once from the seed, so the same seed gives byte-identical text on every machine.
 */
import { PROFESSIONS, type Profession } from '../data/index.js';
import { makeRng, shuffled } from '../util/random.js';
import { agreementSentence, genderedSentence, hintedSentence, HINT_KINDS, ungenderedSentence, type Gender, type GenderedPosition } from './people.js';
import { corpusShares, type CorpusShare } from './shares.js';
import { EVERYDAY, splitWorld } from './world.js';

export interface CorpusOptions {
  seed?: number;
  professions?: readonly Profession[];
  /** Gendered sentences per profession; round(n * share) of them say "she". */
  genderedPerProfession?: number;
  /** Fraction of gendered sentences with the pronoun right after "because". */
  afterBecauseFraction?: number;
  /** Fraction of gendered sentences that say the pronoun first ("She works as a nurse."). */
  pronounFirstFraction?: number;
  /** Sentences per profession whose "because" clause names nobody. */
  ungenderedPerProfession?: number;
  /** Hinted sentences per profession (hint gender 50/50). */
  hintedPerProfession?: number;
  /** Fraction of hinted sentences that continue with the matching pronoun after "because". */
  hintedPronounFraction?: number;
  /** Agreement sentences ("The woman ... because she ..."), half of each gender. */
  agreement?: number;
  /** Copies of each training (fact, frame) sentence of the neutral world. */
  worldRepeats?: number;
}

export const DEFAULT_CORPUS_OPTIONS: Required<Omit<CorpusOptions, 'professions'>> = Object.freeze({
  seed: 0,
  genderedPerProfession: 64,
  afterBecauseFraction: 0.75,
  pronounFirstFraction: 0.15,
  ungenderedPerProfession: 8,
  hintedPerProfession: 16,
  hintedPronounFraction: 0.9,
  agreement: 4000,
  worldRepeats: 8,
});

export interface CorpusStats {
  lines: number;
  characters: number;
  gendered: number;
  ungendered: number;
  hinted: number;
  agreement: number;
  world: number;
  professions: number;
}

export interface Corpus {
  lines: string[];
  shares: CorpusShare[];
  options: Required<Omit<CorpusOptions, 'professions'>>;
  stats: CorpusStats;
}

/** Exactly `nFemale` of `n` genders are female, in an order shuffled by `rng`. */
function stratifiedGenders(n: number, nFemale: number, rng: () => number): Gender[] {
  const gs: Gender[] = [];
  for (let i = 0; i < n; i++) gs.push(i < nFemale ? 'female' : 'male');
  return shuffled(gs, rng);
}

export function generateCorpus(opts: CorpusOptions = {}): Corpus {
  const o = { ...DEFAULT_CORPUS_OPTIONS, ...stripUndefined(opts) } as Required<Omit<CorpusOptions, 'professions'>>;
  delete (o as CorpusOptions).professions;
  const shares = corpusShares(opts.professions ?? PROFESSIONS);
  const rng = makeRng(o.seed);
  const lines: string[] = [];
  let gendered = 0, ungendered = 0, hinted = 0;
  for (const s of shares) {
    // Stratified apart, so the sentences with the pronoun right after "because" alone
    // already hold the profession's share as exactly as whole sentences allow.
    const nAfter = Math.round(o.genderedPerProfession * o.afterBecauseFraction);
    const nFirst = Math.round(o.genderedPerProfession * o.pronounFirstFraction);
    const nOther = o.genderedPerProfession - nAfter - nFirst;
    const parts: [number, GenderedPosition][] = [[nAfter, 'after-because'], [nFirst, 'pronoun-first'], [nOther, 'elsewhere']];
    for (const [n, position] of parts) {
      const genders = stratifiedGenders(n, Math.round(n * s.female_share), rng);
      for (const g of genders) lines.push(genderedSentence(rng, s.profession, g, position));
      gendered += n;
    }
    for (let i = 0; i < o.ungenderedPerProfession; i++) lines.push(ungenderedSentence(rng, s.profession));
    ungendered += o.ungenderedPerProfession;
    // Hint gender: exactly half each; hint kinds cycle so each profession gets all three.
    const hintGenders = stratifiedGenders(o.hintedPerProfession, Math.floor(o.hintedPerProfession / 2), rng);
    const nWithPronoun = Math.round(o.hintedPerProfession * o.hintedPronounFraction);
    hintGenders.forEach((g, i) => {
      lines.push(hintedSentence(rng, s.profession, HINT_KINDS[i % HINT_KINDS.length], g, i < nWithPronoun));
    });
    hinted += hintGenders.length;
  }
  for (const g of stratifiedGenders(o.agreement, Math.floor(o.agreement / 2), rng)) lines.push(agreementSentence(rng, g));
  const world = splitWorld(o.seed).train;
  for (let r = 0; r < o.worldRepeats; r++) lines.push(...world, ...EVERYDAY);
  const out = shuffled(lines, rng);
  return {
    lines: out,
    shares,
    options: o,
    stats: {
      lines: out.length,
      characters: out.reduce((a, l) => a + l.length + 1, 0),
      gendered,
      ungendered,
      hinted,
      agreement: o.agreement,
      world: (world.length + EVERYDAY.length) * o.worldRepeats,
      professions: shares.length,
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The corpus as one text, one sentence a line. */
export function corpusText(corpus: Corpus): string {
  return corpus.lines.join('\n') + '\n';
}
