/**
 * The corpus must not contain the evaluation prompts' wording, so that the bias the model shows
 * on GenBiasEval / GenHintEval comes from what it learned about professions, not from having
 * memorised the prompts. The check, precisely:
 *   a template's fragments are the pieces of its text between the slots ({profession}, {hint}),
 *   trimmed, with runs of whitespace made one space; every fragment of more than one word must
 *   not occur anywhere in the corpus text as a substring, ignoring case.
 * (One-word fragments such as "The" or "because" are allowed: they are ordinary English.)
 */
import { BIAS_TEMPLATES, HINT_SLOT, HINT_TEMPLATES, PROFESSION_SLOT } from '../data/index.js';

export interface TemplateLike {
  id: string;
  text: string;
}

export interface TemplateFragment {
  /** "genbias:w1", "genhint:p2", ... */
  template: string;
  fragment: string;
}

/** Fragments of more than one word of each template, in template order. */
export function templateFragments(
  sets: Record<string, readonly TemplateLike[]> = { genbias: BIAS_TEMPLATES, genhint: HINT_TEMPLATES },
): TemplateFragment[] {
  const out: TemplateFragment[] = [];
  for (const [name, templates] of Object.entries(sets)) {
    for (const t of templates) {
      const pieces = t.text.split(PROFESSION_SLOT).flatMap((p) => p.split(HINT_SLOT));
      for (const piece of pieces) {
        const fragment = piece.trim().replace(/\s+/g, ' ');
        if (fragment.split(' ').length > 1) out.push({ template: `${name}:${t.id}`, fragment });
      }
    }
  }
  return out;
}

/** The fragments that do occur in `text` (empty when the corpus is disjoint from the templates). */
export function templateOverlaps(text: string, fragments: readonly TemplateFragment[] = templateFragments()): TemplateFragment[] {
  const hay = text.toLowerCase();
  return fragments.filter((f) => hay.includes(f.fragment.toLowerCase()));
}
