/**
 * Builds GenBiasEval and GenHintEval rows: every profession crossed with every template, split
 * train/dev/test BY PROFESSION (a profession's prompts never leak across splits), with one seeded
 * profession split shared by both datasets so that tuning on train and selecting on dev never sees
 * a test profession.
 */
import * as aq from 'arquero';
import { LftfError } from '../errors.js';
import { makeRng, shuffled } from '../util/random.js';
import { PROFESSIONS, type Profession } from './professions.js';
import {
  BIAS_TEMPLATES,
  DEFAULT_PRONOUNS,
  HINT_TEMPLATES,
  fillTemplate,
  type BiasTemplate,
  type HintTemplate,
  type PronounPair,
  type Scale,
} from './templates.js';
import {
  professionKey,
  validateBiasTemplates,
  validateHintTemplates,
  validateProfessions,
  validateSplitFractions,
  validateWordPair,
  type SplitFractions,
} from './validate.js';

export type DatasetName = 'genbias' | 'genhint';
export type Split = 'train' | 'dev' | 'test';
export type Hint = 'male' | 'female';

export const DATASET_NAMES: readonly DatasetName[] = ['genbias', 'genhint'];
export const SPLITS: readonly Split[] = ['train', 'dev', 'test'];

/** One prompt. Serialised as one JSONL line; field order is the JSONL order. */
export interface DatasetRow {
  id: string;
  dataset: DatasetName;
  split: Split;
  profession: string;
  template_id: string;
  scale: Scale;
  prompt: string;
  hint: Hint | null;
}

export const DEFAULT_SPLIT: Readonly<SplitFractions> = Object.freeze({ train: 0.6, dev: 0.2, test: 0.2 });

export interface BuildOptions {
  /** Seed of the profession split (default 0). */
  seed?: number;
  /** Profession names or records; default: the built-in list. */
  professions?: readonly (string | Profession)[];
  biasTemplates?: readonly BiasTemplate[];
  hintTemplates?: readonly HintTemplate[];
  /** The pronouns the scorer compares; recorded in `config` (default he/she). */
  pronouns?: PronounPair;
  split?: SplitFractions;
}

/** Everything needed to rebuild the same rows; stored beside results. */
export interface DatasetConfig {
  seed: number;
  split: SplitFractions;
  pronouns: PronounPair;
  /** Professions in each split, in row order. */
  professions_by_split: Record<Split, string[]>;
  bias_template_ids: string[];
  hint_template_ids: string[];
  counts: Record<DatasetName, Record<Split, number>>;
}

export interface Datasets {
  genbias: DatasetRow[];
  genhint: DatasetRow[];
  config: DatasetConfig;
}

function asProfession(p: string | Profession): Profession {
  return typeof p === 'string' ? { name: p, female_share: null, source: null } : p;
}

/** Readable id part for a profession: lower case, spaces as "-" ("software-developer"). */
export function professionSlug(name: string): string {
  return professionKey(name).replace(/ /g, '-');
}

/**
 * Assigns each profession to one split. Names are sorted before the seeded shuffle, so the split
 * depends only on the set of names and the seed, not on list order. Dev and test sizes are rounded;
 * train takes the rest.
 */
export function splitProfessions(
  names: readonly string[],
  seed = 0,
  fractions: SplitFractions = DEFAULT_SPLIT,
): Record<Split, string[]> {
  validateSplitFractions(fractions);
  if (!Number.isInteger(seed)) throw new LftfError('bad-seed', `seed must be an integer, got ${seed}`, 'seed');
  const order = shuffled(
    [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    makeRng(seed),
  );
  const n = order.length;
  const nDev = Math.round(n * fractions.dev);
  const nTest = Math.min(n - nDev, Math.round(n * fractions.test));
  return {
    dev: order.slice(0, nDev),
    test: order.slice(nDev, nDev + nTest),
    train: order.slice(nDev + nTest),
  };
}

export function buildDatasets(opts: BuildOptions = {}): Datasets {
  const seed = opts.seed ?? 0;
  const fractions = opts.split ?? DEFAULT_SPLIT;
  const pronouns = opts.pronouns ?? DEFAULT_PRONOUNS;
  const professions = (opts.professions ?? PROFESSIONS).map(asProfession);
  const biasTemplates = opts.biasTemplates ?? BIAS_TEMPLATES;
  const hintTemplates = opts.hintTemplates ?? HINT_TEMPLATES;

  validateProfessions(professions);
  validateBiasTemplates(biasTemplates);
  validateHintTemplates(hintTemplates);
  validateWordPair(pronouns, 'pronouns', 'pronouns');

  const names = professions.map((p) => p.name);
  const bySplit = splitProfessions(names, seed, fractions);
  const splitOf = new Map<string, Split>();
  for (const s of SPLITS) for (const name of bySplit[s]) splitOf.set(name, s);
  // Rows (and the config lists) follow the order of the given professions.
  const professionsBySplit: Record<Split, string[]> = { train: [], dev: [], test: [] };
  for (const name of names) professionsBySplit[splitOf.get(name)!].push(name);

  const genbias: DatasetRow[] = [];
  const genhint: DatasetRow[] = [];
  const ids = new Set<string>();
  const push = (rows: DatasetRow[], row: DatasetRow): void => {
    if (ids.has(row.id)) {
      throw new LftfError('duplicate-id', `two rows would share the id "${row.id}"`, 'professions');
    }
    ids.add(row.id);
    rows.push(row);
  };

  for (const name of names) {
    const split = splitOf.get(name)!;
    const slug = professionSlug(name);
    for (const t of biasTemplates) {
      push(genbias, {
        id: `genbias/${slug}/${t.id}`,
        dataset: 'genbias',
        split,
        profession: name,
        template_id: t.id,
        scale: t.scale,
        prompt: fillTemplate(t.text, name),
        hint: null,
      });
    }
    for (const t of hintTemplates) {
      for (const hint of ['male', 'female'] as const) {
        push(genhint, {
          id: `genhint/${slug}/${t.id}/${hint}`,
          dataset: 'genhint',
          split,
          profession: name,
          template_id: t.id,
          scale: t.scale,
          prompt: fillTemplate(t.text, name, t.hint_pair[hint]),
          hint,
        });
      }
    }
  }

  const count = (rows: DatasetRow[]): Record<Split, number> => ({
    train: filterSplit(rows, 'train').length,
    dev: filterSplit(rows, 'dev').length,
    test: filterSplit(rows, 'test').length,
  });
  const config: DatasetConfig = {
    seed,
    split: { ...fractions },
    pronouns: { male: pronouns.male, female: pronouns.female },
    professions_by_split: professionsBySplit,
    bias_template_ids: biasTemplates.map((t) => t.id),
    hint_template_ids: hintTemplates.map((t) => t.id),
    counts: { genbias: count(genbias), genhint: count(genhint) },
  };
  return { genbias, genhint, config };
}

export function filterSplit(rows: readonly DatasetRow[], split: Split): DatasetRow[] {
  return rows.filter((r) => r.split === split);
}

export const ROW_FIELDS: readonly (keyof DatasetRow)[] = [
  'id', 'dataset', 'split', 'profession', 'template_id', 'scale', 'prompt', 'hint',
];

/** The rows as an arquero table, one column per DatasetRow field (also when there are no rows). */
export function toTable(rows: readonly DatasetRow[]): aq.ColumnTable {
  const columns: Record<string, unknown[]> = {};
  for (const f of ROW_FIELDS) columns[f] = rows.map((r) => r[f]);
  return aq.table(columns, [...ROW_FIELDS]);
}
