/**
 * The female share each profession gets in the bias-lab corpus.
 *
 * - Where the profession list carries a published figure (`female_share` with a `source`), the
 *   corpus uses that figure unchanged: it is a real statistic.
 * - Everywhere else the share is SYNTHETIC, not a statistic: u = FNV-1a hash of the profession's
 *   name (lower-cased) scaled into [0, 1), and the share is the u-quantile (linear interpolation)
 *   of the empirical distribution of the published shares. So the synthetic shares are spread
 *   like the real ones, are the same on every machine, and say nothing true about the profession.
 */
import { PROFESSIONS, type Profession } from '../data/index.js';

export type ShareKind = 'published' | 'synthetic';

export interface CorpusShare {
  profession: string;
  /** Share of the profession's gendered corpus sentences that use "she". */
  female_share: number;
  kind: ShareKind;
  /** The published source for `published`; the rule for `synthetic`. */
  source: string;
}

export const SYNTHETIC_SHARE_RULE =
  'synthetic (not a statistic): the u-quantile of the published shares, u = FNV-1a hash of the name / 2^32';

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Linear-interpolation quantile (type 7, as numpy's default) of ascending `sorted`. */
function quantile(sorted: readonly number[], u: number): number {
  if (sorted.length === 1) return sorted[0];
  const pos = u * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Shares for every profession of `professions` (default: the built-in list), in input order. */
export function corpusShares(professions: readonly Profession[] = PROFESSIONS): CorpusShare[] {
  const published = professions
    .filter((p) => p.female_share !== null)
    .map((p) => p.female_share as number)
    .sort((a, b) => a - b);
  if (published.length === 0) throw new Error('corpusShares needs at least one profession with a published share');
  return professions.map((p) => {
    if (p.female_share !== null) {
      return { profession: p.name, female_share: p.female_share, kind: 'published', source: p.source ?? 'unstated' };
    }
    const u = fnv1a(p.name.toLowerCase()) / 2 ** 32;
    return { profession: p.name, female_share: quantile(published, u), kind: 'synthetic', source: SYNTHETIC_SHARE_RULE };
  });
}
