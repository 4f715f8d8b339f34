/**
 * Multiple-choice general-ability checks in the conventions of lm-evaluation-harness 0.4.13
 * (METHOD.md "Ours: scoring"). Each dataset row becomes a context and one continuation per
 * choice; a model scores log P(continuation | context) for each, and `mcAccuracy` turns those
 * log-likelihoods into acc / acc_norm exactly as lm_eval does.
 *
 * How lm_eval 0.4.13 builds a zero-shot request (lm_eval/api/task.py, ConfigurableTask):
 *  - context = doc_to_text(doc) alone (no description, no few-shot examples, no trailing space:
 *    build_qa_turn adds the target delimiter to the context only when an answer follows).
 *  - continuation_i = target_delimiter + doc_to_choice(doc)[i], target_delimiter defaulting to " "
 *    (lm_eval/config/task.py) and none of these task configs overrides it.
 *  - gold = doc_to_target(doc): an index, or for COPA a string looked up with choices.index().
 * Per task (files under lm_eval/tasks/):
 *  - arc/arc_easy.yaml (arc_challenge.yaml includes it, dataset ARC-Challenge):
 *      text "Question: {{question}}\nAnswer:", choices choices.text,
 *      gold choices.label.index(answerKey): answerKey is a letter ("A".."E") or, in some rows,
 *      a digit ("1".."4"), always matching the row's own labels.
 *  - openbookqa/openbookqa.yaml (dataset_name "main"): text is question_stem verbatim,
 *      choices choices.text, gold choices.label.index(answerKey.lstrip()).
 *  - super_glue/copa/default.yaml + utils.py: text = premise.strip() minus its last character
 *      (the full stop) + " because" (question "cause") or " therefore" ("effect");
 *      choices " " + choice with its first character lower-cased. With the default delimiter
 *      the continuation therefore starts with TWO spaces ("  it ..."); 0.4.13 does this and we
 *      copy it so numbers stay comparable.
 *  - generic (ours): {id?, context, choices: string[], gold: number}; context verbatim,
 *      continuation " " + choice, like any lm_eval YAML task with doc_to_choice.
 */
import { readFile } from 'node:fs/promises';
import { LftfError } from '../errors.js';
import type { MultipleChoiceResult } from '../results.js';

/** Field layouts we can read. ARC-Easy and ARC-Challenge share one layout. */
export type McSchema = 'arc' | 'openbookqa' | 'copa' | 'generic';
/** Task names, as lm_eval calls them (plus our generic one). */
export type McTask = 'arc_easy' | 'arc_challenge' | 'openbookqa' | 'copa' | 'generic';

const TASK_SCHEMA: Record<McTask, McSchema> = {
  arc_easy: 'arc',
  arc_challenge: 'arc',
  openbookqa: 'openbookqa',
  copa: 'copa',
  generic: 'generic',
};

/** lm_eval's default target_delimiter, put in front of every choice. */
export const TARGET_DELIMITER = ' ';

export interface MultipleChoiceItem {
  id: string;
  context: string;
  /** What the model scores after `context`: TARGET_DELIMITER + choices[i]. */
  continuations: string[];
  /**
   * The choice strings as lm_eval's doc_to_choice returns them (without the delimiter);
   * acc_norm divides by their length, not the continuation's.
   */
  choices: string[];
  gold: number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldError(where: string, field: string, message: string): LftfError {
  return new LftfError('bad-field', message, `${where} field ${field}`);
}

function needString(doc: Json, field: string, where: string, nonEmpty = false): string {
  const v = doc[field];
  if (typeof v !== 'string') {
    throw fieldError(where, field, `expected a string, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  }
  if (nonEmpty && v.length === 0) throw fieldError(where, field, 'must not be empty');
  return v;
}

function needStringArray(v: unknown, field: string, where: string): string[] {
  if (!Array.isArray(v) || v.length < 2) {
    throw fieldError(where, field, 'expected an array of at least 2 strings');
  }
  v.forEach((s, i) => {
    // An empty choice has length 0, and acc_norm would divide by it.
    if (typeof s !== 'string' || s.length === 0) {
      throw fieldError(where, `${field}[${i}]`, `expected a non-empty string, got ${JSON.stringify(s)}`);
    }
  });
  return v as string[];
}

function idOf(doc: Json, field: string, where: string, fallback: string): string {
  const v = doc[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return String(v);
  throw fieldError(where, field, `expected a string or number, got ${JSON.stringify(v)}`);
}

function withDelimiter(choices: string[]): string[] {
  return choices.map((c) => TARGET_DELIMITER + c);
}

/** choices {text[], label[]} and the gold index label.index(key), shared by ARC and OpenBookQA. */
function labelledChoices(doc: Json, key: string, keyField: string, where: string): { choices: string[]; gold: number } {
  const c = doc.choices;
  if (!isObject(c)) throw fieldError(where, 'choices', 'expected an object {text: string[], label: string[]}');
  const choices = needStringArray(c.text, 'choices.text', where);
  const labels = c.label;
  if (!Array.isArray(labels) || labels.length !== choices.length || labels.some((l) => typeof l !== 'string')) {
    throw fieldError(where, 'choices.label', `expected ${choices.length} string labels, one per choices.text entry`);
  }
  const gold = (labels as string[]).indexOf(key);
  if (gold === -1) {
    throw fieldError(where, keyField, `${JSON.stringify(key)} is not one of the labels ${JSON.stringify(labels)}`);
  }
  return { choices, gold };
}

/** ARC-Easy / ARC-Challenge (allenai/ai2_arc): lm_eval/tasks/arc/arc_easy.yaml. */
export function arcToItem(doc: Json, where = 'doc', fallbackId = 'arc'): MultipleChoiceItem {
  const question = needString(doc, 'question', where);
  const answerKey = needString(doc, 'answerKey', where, true);
  const { choices, gold } = labelledChoices(doc, answerKey, 'answerKey', where);
  return {
    id: idOf(doc, 'id', where, fallbackId),
    context: `Question: ${question}\nAnswer:`,
    continuations: withDelimiter(choices),
    choices,
    gold,
  };
}

/** OpenBookQA, "main" config (allenai/openbookqa): lm_eval/tasks/openbookqa/openbookqa.yaml. */
export function openbookqaToItem(doc: Json, where = 'doc', fallbackId = 'openbookqa'): MultipleChoiceItem {
  const stem = needString(doc, 'question_stem', where);
  // Python's str.lstrip() and JS trimStart() agree on ASCII whitespace, which is what occurs.
  const answerKey = needString(doc, 'answerKey', where, true).trimStart();
  const { choices, gold } = labelledChoices(doc, answerKey, 'answerKey', where);
  return {
    id: idOf(doc, 'id', where, fallbackId),
    context: stem,
    continuations: withDelimiter(choices),
    choices,
    gold,
  };
}

/** choice[0].lower() + choice[1:] (super_glue/copa/utils.py convert_choice), per code point. */
function lowerFirst(s: string): string {
  const first = String.fromCodePoint(s.codePointAt(0) as number);
  return first.toLowerCase() + s.slice(first.length);
}

/** COPA (super_glue "copa"): lm_eval/tasks/super_glue/copa/default.yaml and utils.py. */
export function copaToItem(doc: Json, where = 'doc', fallbackId = 'copa'): MultipleChoiceItem {
  const premise = needString(doc, 'premise', where, true);
  const question = needString(doc, 'question', where);
  const connector = question === 'cause' ? 'because' : question === 'effect' ? 'therefore' : undefined;
  if (connector === undefined) {
    throw fieldError(where, 'question', `expected "cause" or "effect", got ${JSON.stringify(question)}`);
  }
  const c1 = needString(doc, 'choice1', where, true);
  const c2 = needString(doc, 'choice2', where, true);
  const label = doc.label;
  if (label !== 0 && label !== 1) {
    // The super_glue test split carries label -1 (hidden): it cannot be scored.
    throw fieldError(where, 'label', `expected 0 (choice1) or 1 (choice2), got ${JSON.stringify(label)}`);
  }
  // premise.strip()[:-1]: trim, then drop the last character (the full stop) by code point.
  const trimmed = [...premise.trim()];
  const context = trimmed.slice(0, -1).join('') + ` ${connector}`;
  const choices = [' ' + lowerFirst(c1), ' ' + lowerFirst(c2)];
  // doc_to_target returns the correct choice's string; process_results finds it with
  // choices.index(), so identical choices resolve to the first, as in lm_eval.
  const gold = choices.indexOf(label === 0 ? choices[0] : choices[1]);
  return {
    id: idOf(doc, 'idx', where, fallbackId),
    context,
    continuations: withDelimiter(choices),
    choices,
    gold,
  };
}

/** Our generic schema {id?, context, choices: string[], gold: number}. */
export function genericToItem(doc: Json, where = 'doc', fallbackId = 'item'): MultipleChoiceItem {
  const context = needString(doc, 'context', where);
  const choices = needStringArray(doc.choices, 'choices', where);
  const gold = doc.gold;
  if (typeof gold !== 'number' || !Number.isInteger(gold) || gold < 0 || gold >= choices.length) {
    throw fieldError(where, 'gold', `expected an integer index in [0, ${choices.length - 1}], got ${JSON.stringify(gold)}`);
  }
  return { id: idOf(doc, 'id', where, fallbackId), context, continuations: withDelimiter(choices), choices, gold };
}

const CONVERT: Record<McSchema, (doc: Json, where: string, fallbackId: string) => MultipleChoiceItem> = {
  arc: arcToItem,
  openbookqa: openbookqaToItem,
  copa: copaToItem,
  generic: genericToItem,
};

/** Which layout a row has, from its fields; undefined when none fits. */
export function detectSchema(doc: Json): McSchema | undefined {
  if ('premise' in doc && 'choice1' in doc) return 'copa';
  if ('question_stem' in doc) return 'openbookqa';
  if ('question' in doc && isObject(doc.choices)) return 'arc';
  if ('context' in doc && Array.isArray(doc.choices)) return 'generic';
  return undefined;
}

export function isMcTask(s: string): s is McTask {
  return Object.prototype.hasOwnProperty.call(TASK_SCHEMA, s);
}

export interface MultipleChoiceDataset {
  /** The task given, else the detected schema's name ("arc" when ARC-Easy/Challenge is unknown). */
  task: string;
  schema: McSchema;
  items: MultipleChoiceItem[];
}

/**
 * Parses JSONL text (one JSON object a line; blank lines skipped). The schema comes from `task`
 * or, without it, from the first row's fields; every row must then fit that schema.
 * Errors name `path:line` and the field.
 */
export function parseMultipleChoiceJsonl(text: string, path: string, task?: McTask): MultipleChoiceDataset {
  if (task !== undefined && !isMcTask(task)) {
    throw new LftfError(
      'bad-option',
      `unknown multiple-choice task ${JSON.stringify(task)}; expected one of ${Object.keys(TASK_SCHEMA).join(', ')}`,
      'task',
    );
  }
  let schema: McSchema | undefined = task ? TASK_SCHEMA[task] : undefined;
  const items: MultipleChoiceItem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${path}:${i + 1}`;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (e) {
      throw new LftfError('bad-json', `not valid JSON (${(e as Error).message})`, where);
    }
    if (!isObject(doc)) throw new LftfError('bad-json', 'expected a JSON object', where);
    if (schema === undefined) {
      schema = detectSchema(doc);
      if (schema === undefined) {
        throw new LftfError(
          'unknown-schema',
          'cannot tell the schema from the fields: expected ARC (question, choices{text,label}, answerKey), ' +
            'OpenBookQA (question_stem, choices, answerKey), COPA (premise, choice1, choice2, question, label) ' +
            'or generic (context, choices[], gold)',
          where,
        );
      }
    }
    items.push(CONVERT[schema](doc, where, `line-${i + 1}`));
  });
  if (schema === undefined || items.length === 0) {
    throw new LftfError('empty', 'no rows', path);
  }
  return { task: task ?? schema, schema, items };
}

/** Reads a multiple-choice JSONL file; see `parseMultipleChoiceJsonl`. */
export async function readMultipleChoiceJsonl(path: string, task?: McTask): Promise<MultipleChoiceDataset> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new LftfError('io', `cannot read file (${(e as Error).message})`, path);
  }
  return parseMultipleChoiceJsonl(text, path, task);
}

/** First index of the maximum, like numpy.argmax on finite inputs. */
function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

export interface MultipleChoiceItemResult {
  id: string;
  gold: number;
  /** argmax of summed log-likelihood. */
  pred: number;
  /** argmax of log-likelihood / character length of the choice. */
  pred_norm: number;
  /** argmax of log-likelihood / UTF-8 byte length of the choice. */
  pred_bytes: number;
  acc: number;
  acc_norm: number;
  acc_bytes: number;
}

export type MultipleChoiceAccuracy = MultipleChoiceResult & {
  /** lm_eval's acc_bytes: the byte-length normalisation METHOD.md names (see mcAccuracy). */
  acc_bytes: number;
  items: MultipleChoiceItemResult[];
};

/** Unicode code points, as Python's len() counts a str. */
function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * acc / acc_norm / acc_bytes over items, given loglikelihoods[i][j] = summed log P of
 * items[i].continuations[j] after items[i].context.
 *
 * Normalisation follows lm_eval 0.4.13 (api/task.py, process_results, multiple_choice):
 * acc_norm divides by `len(choice)`, the CHARACTER (code point) length of the doc_to_choice
 * string, without the target delimiter. METHOD.md says "byte length"; lm_eval's byte-length
 * variant is the separate metric acc_bytes (len(choice.encode("utf-8"))), which we also report.
 * For ASCII choices the two agree. Ties go to the first maximum, as numpy.argmax.
 */
export function mcAccuracy(
  items: readonly MultipleChoiceItem[],
  loglikelihoods: readonly (readonly number[])[],
  task = 'custom',
): MultipleChoiceAccuracy {
  if (items.length === 0) throw new LftfError('empty', 'no multiple-choice items', 'items');
  if (loglikelihoods.length !== items.length) {
    throw new LftfError(
      'length-mismatch',
      `expected ${items.length} rows of log-likelihoods (one per item), got ${loglikelihoods.length}`,
      'loglikelihoods',
    );
  }
  const encoder = new TextEncoder();
  const rows = items.map((item, i): MultipleChoiceItemResult => {
    const lls = loglikelihoods[i];
    if (!Array.isArray(lls) || lls.length !== item.continuations.length) {
      throw new LftfError(
        'length-mismatch',
        `item ${item.id} has ${item.continuations.length} choices but ${Array.isArray(lls) ? lls.length : 'no'} log-likelihoods`,
        `loglikelihoods[${i}]`,
      );
    }
    lls.forEach((ll, j) => {
      // -Infinity (probability 0) is a valid log-likelihood; NaN and +Infinity are not.
      if (typeof ll !== 'number' || Number.isNaN(ll) || ll === Infinity) {
        throw new LftfError('bad-loglikelihood', `expected a log-likelihood, got ${String(ll)}`, `loglikelihoods[${i}][${j}]`);
      }
    });
    const pred = argmax(lls);
    const pred_norm = argmax(lls.map((ll, j) => ll / charLength(item.choices[j])));
    const pred_bytes = argmax(lls.map((ll, j) => ll / encoder.encode(item.choices[j]).length));
    return {
      id: item.id,
      gold: item.gold,
      pred,
      pred_norm,
      pred_bytes,
      acc: pred === item.gold ? 1 : 0,
      acc_norm: pred_norm === item.gold ? 1 : 0,
      acc_bytes: pred_bytes === item.gold ? 1 : 0,
    };
  });
  const avg = (f: (r: MultipleChoiceItemResult) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  return {
    task,
    n: rows.length,
    acc: avg((r) => r.acc),
    acc_norm: avg((r) => r.acc_norm),
    acc_bytes: avg((r) => r.acc_bytes),
    items: rows,
  };
}
