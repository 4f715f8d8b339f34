/**
 * Reading and writing datasets (JSONL, one DatasetRow per line) and user-supplied professions and
 * templates. Every reader checks every line and reports the first problem as an LftfError whose
 * `where` is `path:line` plus the field, so a broken file is fixed in one look.
 * Writes are atomic (temp file in the same folder, then rename): a crash never leaves half a file.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LftfError } from '../errors.js';
import { ensureDir, fsReason } from '../util/fs-atomic.js';
import {
  DATASET_NAMES,
  ROW_FIELDS,
  SPLITS,
  type DatasetName,
  type DatasetRow,
} from './build.js';
import type { Profession } from './professions.js';
import {
  HINT_SLOT,
  SCALES,
  parseInlineHint,
  type BiasTemplate,
  type GenderedPair,
  type HintTemplate,
  type Scale,
} from './templates.js';
import {
  fieldAt,
  validateBiasTemplates,
  validateHintTemplates,
  validateProfessions,
} from './validate.js';

// ---------------------------------------------------------------------------------------------
// Generic helpers

/** Writes one JSON value per line, atomically (temp file in the same folder, then rename). */
export async function writeJsonl(path: string, rows: readonly unknown[]): Promise<void> {
  const text = rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');
  await writeAtomic(path, text);
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // ensureDir, not mkdir({recursive}): the latter never returns for paths such as /proc/x.
  ensureDir(dir, 'cannot create the folder for this file', path);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new LftfError('write-failed', `cannot write file (${fsReason(e)})`, path);
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LftfError(
      'unreadable-file',
      code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(e)})`,
      path,
    );
  }
}

interface Line {
  line: number;
  text: string;
}

/** Non-blank lines with their 1-based line numbers (a UTF-8 BOM is ignored). */
function nonBlankLines(text: string): Line[] {
  const out: Line[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((t, i) => {
      if (t.trim() !== '') out.push({ line: i + 1, text: t });
    });
  return out;
}

function parseJsonLine(l: Line, path: string): unknown {
  try {
    return JSON.parse(l.text);
  } catch (e) {
    throw new LftfError('bad-json', `malformed JSON (${(e as Error).message})`, `${path}:${l.line}`);
  }
}

type Obj = Record<string, unknown>;

function expectObject(v: unknown, where: string, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new LftfError('bad-row', `expected a JSON object (${what}), got ${describe(v)}`, where);
  }
  return v as Obj;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function rejectUnknownFields(o: Obj, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new LftfError(
        'unknown-field',
        `unknown field (allowed: ${allowed.join(', ')})`,
        fieldAt(where, k),
      );
    }
  }
}

function requireField(o: Obj, field: string, where: string): unknown {
  if (!(field in o)) throw new LftfError('missing-field', 'missing field', fieldAt(where, field));
  return o[field];
}

function requireString(o: Obj, field: string, where: string): string {
  const v = requireField(o, field, where);
  if (typeof v !== 'string') {
    throw new LftfError('bad-type', `expected a string, got ${describe(v)}`, fieldAt(where, field));
  }
  if (v.trim() === '') throw new LftfError('bad-value', 'must not be empty', fieldAt(where, field));
  return v;
}

function requireEnum<T extends string>(
  o: Obj,
  field: string,
  allowed: readonly T[],
  where: string,
  nullable = false,
): T | null {
  const v = requireField(o, field, where);
  if (v === null && nullable) return null;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    const options = allowed.map((a) => JSON.stringify(a)).concat(nullable ? ['null'] : []);
    throw new LftfError(
      typeof v === 'string' ? 'bad-value' : 'bad-type',
      `expected one of ${options.join(', ')}, got ${describe(v)}`,
      fieldAt(where, field),
    );
  }
  return v as T;
}

// ---------------------------------------------------------------------------------------------
// Dataset rows

/** Checks one parsed JSONL value against the DatasetRow schema. */
export function parseDatasetRow(value: unknown, where: string): DatasetRow {
  const o = expectObject(value, where, 'a dataset row');
  rejectUnknownFields(o, ROW_FIELDS, where);
  const row: DatasetRow = {
    id: requireString(o, 'id', where),
    dataset: requireEnum(o, 'dataset', DATASET_NAMES, where)!,
    split: requireEnum(o, 'split', SPLITS, where)!,
    profession: requireString(o, 'profession', where),
    template_id: requireString(o, 'template_id', where),
    scale: requireEnum(o, 'scale', SCALES, where)!,
    prompt: requireString(o, 'prompt', where),
    hint: requireEnum(o, 'hint', ['male', 'female'] as const, where, true),
  };
  if (row.dataset === 'genbias' && row.hint !== null) {
    throw new LftfError('bad-value', 'a genbias row must have hint null', fieldAt(where, 'hint'));
  }
  if (row.dataset === 'genhint' && row.hint === null) {
    throw new LftfError('bad-value', 'a genhint row needs hint "male" or "female"', fieldAt(where, 'hint'));
  }
  return row;
}

/**
 * Reads and checks a dataset JSONL file: malformed JSON, missing, unknown or wrongly typed fields,
 * unknown enum values, repeated ids and a profession placed in two splits are all rejected.
 */
export async function readDatasetJsonl(path: string): Promise<DatasetRow[]> {
  return (await readRowsWithLines(path)).map((r) => r.row);
}

async function readRowsWithLines(path: string): Promise<{ row: DatasetRow; line: number }[]> {
  const lines = nonBlankLines(await readText(path));
  if (lines.length === 0) throw new LftfError('empty-dataset', 'empty dataset', path);
  const rows: { row: DatasetRow; line: number }[] = [];
  const idLine = new Map<string, number>();
  const professionSplit = new Map<string, { split: string; line: number }>();
  for (const l of lines) {
    const where = `${path}:${l.line}`;
    const row = parseDatasetRow(parseJsonLine(l, path), where);
    const seen = idLine.get(row.id);
    if (seen !== undefined) {
      throw new LftfError('duplicate-id', `id "${row.id}" already used on line ${seen}`, fieldAt(where, 'id'));
    }
    idLine.set(row.id, l.line);
    const placed = professionSplit.get(row.profession);
    if (placed !== undefined && placed.split !== row.split) {
      throw new LftfError(
        'split-leak',
        `profession "${row.profession}" is in split "${placed.split}" on line ${placed.line} and in "${row.split}" here; splits must be by profession`,
        fieldAt(where, 'split'),
      );
    }
    if (placed === undefined) professionSplit.set(row.profession, { split: row.split, line: l.line });
    rows.push({ row, line: l.line });
  }
  return rows;
}

export interface DatasetFiles {
  genbias: readonly DatasetRow[];
  genhint: readonly DatasetRow[];
}

export function datasetPath(dir: string, name: DatasetName): string {
  return join(dir, `${name}.jsonl`);
}

/** Writes `dir/genbias.jsonl` and `dir/genhint.jsonl`. */
export async function writeDatasets(dir: string, data: DatasetFiles): Promise<void> {
  await writeJsonl(datasetPath(dir, 'genbias'), data.genbias);
  await writeJsonl(datasetPath(dir, 'genhint'), data.genhint);
}

/**
 * Reads both files of `dir`; each row's `dataset` must match its file, and a profession must sit in
 * the same split in both files.
 */
export async function readDatasets(dir: string): Promise<{ genbias: DatasetRow[]; genhint: DatasetRow[] }> {
  const out = { genbias: [] as DatasetRow[], genhint: [] as DatasetRow[] };
  const splitOf = new Map<string, { split: string; where: string }>();
  for (const name of DATASET_NAMES) {
    const path = datasetPath(dir, name);
    const rows = await readRowsWithLines(path);
    for (const { row, line } of rows) {
      const where = `${path}:${line}`;
      if (row.dataset !== name) {
        throw new LftfError('bad-value', `a "${row.dataset}" row in ${name}.jsonl`, fieldAt(where, 'dataset'));
      }
      const placed = splitOf.get(row.profession);
      if (placed === undefined) splitOf.set(row.profession, { split: row.split, where });
      else if (placed.split !== row.split) {
        throw new LftfError(
          'split-leak',
          `profession "${row.profession}" is in split "${placed.split}" at ${placed.where} and in "${row.split}" here`,
          fieldAt(where, 'split'),
        );
      }
    }
    out[name] = rows.map((r) => r.row);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// User-supplied professions

const PROFESSION_FIELDS = ['name', 'female_share', 'source'] as const;

function parseProfessionRecord(value: unknown, where: string): Profession {
  if (typeof value === 'string') return { name: value, female_share: null, source: null };
  const o = expectObject(value, where, 'a profession name or {name, female_share?, source?}');
  rejectUnknownFields(o, PROFESSION_FIELDS, where);
  const name = requireField(o, 'name', where);
  if (typeof name !== 'string') {
    throw new LftfError('bad-type', `expected a string, got ${describe(name)}`, fieldAt(where, 'name'));
  }
  const share = o.female_share ?? null;
  if (share !== null && typeof share !== 'number') {
    throw new LftfError('bad-type', `expected a number or null, got ${describe(share)}`, fieldAt(where, 'female_share'));
  }
  const source = o.source ?? null;
  if (source !== null && typeof source !== 'string') {
    throw new LftfError('bad-type', `expected a string or null, got ${describe(source)}`, fieldAt(where, 'source'));
  }
  return { name, female_share: share, source };
}

/**
 * Reads professions from a JSON array (of names or records), JSONL of records
 * {name, female_share?, source?}, or plain text with one name per line ("#" starts a comment line).
 * The list is then validated (gendered words, duplicates, shares without a source).
 */
export async function readProfessions(path: string): Promise<Profession[]> {
  const text = (await readText(path)).replace(/^\uFEFF/, '');
  const items: Profession[] = [];
  const where: string[] = [];
  if (text.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new LftfError('bad-json', `malformed JSON (${(e as Error).message})`, path);
    }
    if (!Array.isArray(parsed)) throw new LftfError('bad-json', 'expected a JSON array', path);
    parsed.forEach((v, i) => {
      const at = `${path}[${i}]`;
      items.push(parseProfessionRecord(v, at));
      where.push(at);
    });
  } else {
    const lines = nonBlankLines(text).filter((l) => !l.text.trimStart().startsWith('#'));
    const jsonl = lines.length > 0 && lines[0].text.trimStart().startsWith('{');
    for (const l of lines) {
      const at = `${path}:${l.line}`;
      if (jsonl) {
        const v = parseJsonLine(l, path);
        if (typeof v === 'string') {
          throw new LftfError('bad-row', 'expected a JSON object like every other line', at);
        }
        items.push(parseProfessionRecord(v, at));
      } else {
        items.push({ name: l.text.trim(), female_share: null, source: null });
      }
      where.push(at);
    }
  }
  if (items.length === 0) throw new LftfError('empty-set', 'no professions in file', path);
  validateProfessions(items, (i) => where[i], path);
  return items;
}

// ---------------------------------------------------------------------------------------------
// User-supplied templates

const TEMPLATE_FIELDS = ['id', 'scale', 'text', 'kind', 'hint_pair'] as const;

export interface TemplateSets {
  bias: BiasTemplate[];
  hint: HintTemplate[];
}

/**
 * Reads templates from JSONL: {id, scale, text, kind: "bias"|"hint", hint_pair?}. A hint template
 * gives its pair as `hint_pair: {male, female}` with a `{hint}` slot, or inline in the text, e.g.
 * "drove {himself/herself} to work because" (male word first).
 */
export async function readTemplates(path: string): Promise<TemplateSets> {
  const lines = nonBlankLines(await readText(path));
  if (lines.length === 0) throw new LftfError('empty-set', 'no templates in file', path);
  const out: TemplateSets = { bias: [], hint: [] };
  const biasAt: string[] = [];
  const hintAt: string[] = [];
  for (const l of lines) {
    const where = `${path}:${l.line}`;
    const o = expectObject(parseJsonLine(l, path), where, 'a template');
    rejectUnknownFields(o, TEMPLATE_FIELDS, where);
    const kind = requireEnum(o, 'kind', ['bias', 'hint'] as const, where)!;
    const id = requireString(o, 'id', where);
    const scale = requireEnum(o, 'scale', SCALES, where)! as Scale;
    let text = requireString(o, 'text', where);
    if (kind === 'bias') {
      if ('hint_pair' in o) {
        throw new LftfError('unknown-field', 'a bias template takes no hint_pair', fieldAt(where, 'hint_pair'));
      }
      out.bias.push({ id, scale, text });
      biasAt.push(where);
      continue;
    }
    let pair: GenderedPair;
    if ('hint_pair' in o) {
      const p = expectObject(o.hint_pair, fieldAt(where, 'hint_pair'), '{male, female}');
      rejectUnknownFields(p, ['male', 'female'], fieldAt(where, 'hint_pair'));
      pair = { male: p.male as string, female: p.female as string };
    } else {
      const inline = parseInlineHint(text);
      if (inline === null) {
        throw new LftfError(
          'bad-template',
          `hint template "${id}" needs a ${HINT_SLOT} slot with hint_pair, or an inline pair such as {his/her}`,
          fieldAt(where, 'text'),
        );
      }
      text = inline.text;
      pair = inline.hint_pair;
    }
    out.hint.push({ id, scale, text, hint_pair: pair });
    hintAt.push(where);
  }
  if (out.bias.length > 0) validateBiasTemplates(out.bias, (i) => biasAt[i]);
  if (out.hint.length > 0) validateHintTemplates(out.hint, (i) => hintAt[i]);
  return out;
}
