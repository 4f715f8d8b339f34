/**
 * tokenizer.json (+ optional tokenizer_config.json) through @huggingface/tokenizers.
 * encode() adds special tokens the way the checkpoint's post-processor says (BOS for Llama,
 * nothing for GPT-2), matching Python's `Tokenizer.encode(text).ids`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { LftfError } from '../errors.js';

export interface EncodeOptions {
  addSpecialTokens?: boolean;
}

export class TextTokenizer {
  private readonly tok: Tokenizer;
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly unkId: number | null;
  /** The tokenizer.json and tokenizer_config.json objects, kept for saving. */
  readonly json: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;

  /** Where the tokenizer came from, for error messages. */
  readonly where: string;

  private constructor(tok: Tokenizer, json: Record<string, unknown>, cfg: Record<string, unknown>, where = 'tokenizer.json') {
    this.tok = tok;
    this.where = where;
    this.json = json;
    this.tokenizerConfig = cfg;
    this.vocabSize = tok.get_vocab(true).size;
    const id = (key: string, fallback?: string): number | null => {
      const v = cfg[key];
      const s = typeof v === 'string' ? v : v && typeof v === 'object' ? (v as { content?: string }).content : fallback;
      return s === undefined ? null : tok.token_to_id(s) ?? null;
    };
    this.bosId = id('bos_token');
    this.eosId = id('eos_token');
    const model = json.model as { unk_token?: string } | undefined;
    this.unkId = id('unk_token', model?.unk_token ?? undefined);
  }

  static fromJSON(json: unknown, config: unknown = {}, where = 'tokenizer.json'): TextTokenizer {
    if (json === null || typeof json !== 'object' || !('model' in json)) {
      throw new LftfError('bad-tokenizer', 'not a tokenizer.json (no "model" object)', where);
    }
    checkModelSection((json as { model: unknown }).model, where);
    try {
      const tok = new Tokenizer(json as object, (config ?? {}) as object);
      const t = new TextTokenizer(tok, json as Record<string, unknown>, (config ?? {}) as Record<string, unknown>, where);
      tok.encode('a'); // fail here, at load, on a tokenizer that cannot run
      return t;
    } catch (e) {
      if (e instanceof LftfError) throw e;
      throw new LftfError('bad-tokenizer', `cannot build the tokenizer (${(e as Error).message})`, where);
    }
  }

  static fromFolder(dir: string): TextTokenizer {
    const path = join(dir, 'tokenizer.json');
    if (!existsSync(path)) throw new LftfError('missing-file', 'tokenizer.json not found (only tokenizer.json tokenizers are supported)', path);
    const json = readJson(path);
    const cfgPath = join(dir, 'tokenizer_config.json');
    const cfg = existsSync(cfgPath) ? readJson(cfgPath) : {};
    return TextTokenizer.fromJSON(json, cfg, path);
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const ids = this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? true }).ids;
    // A vocabulary without the piece (and no usable <unk>) yields undefined ids; never pass them on.
    if (!ids.every((id: number) => Number.isInteger(id))) {
      throw new LftfError('unencodable-text', `cannot encode ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '...' : text)}: no token for part of it (and no usable unknown token)`, this.where);
    }
    return ids;
  }

  decode(ids: number[], skipSpecialTokens = false): string {
    return this.tok.decode(ids, { skip_special_tokens: skipSpecialTokens });
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tok.id_to_token(id);
  }
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LftfError('missing-file', `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, path);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LftfError('bad-tokenizer', `not valid JSON (${(e as Error).message})`, path);
  }
}

const TOKENIZER_MODELS = ['BPE', 'WordPiece', 'WordLevel', 'Unigram'];

/**
 * The library builds a tokenizer from almost anything (an unknown model type, a vocab that is a
 * list) and then encodes every word to <unk>; check the "model" section's shape first.
 */
function checkModelSection(model: unknown, where: string): void {
  if (model === null || typeof model !== 'object' || Array.isArray(model)) {
    throw new LftfError('bad-tokenizer', 'not a tokenizer.json ("model" is not an object)', where);
  }
  const m = model as { type?: unknown; vocab?: unknown };
  const type = m.type ?? (Array.isArray(m.vocab) ? 'Unigram' : 'BPE');
  if (typeof type !== 'string' || !TOKENIZER_MODELS.includes(type)) {
    throw new LftfError('bad-tokenizer', `unsupported tokenizer model type ${JSON.stringify(m.type)} (supported: ${TOKENIZER_MODELS.join(', ')})`, `${where}: field "model.type"`);
  }
  const list = type === 'Unigram';
  const ok = list ? Array.isArray(m.vocab) && m.vocab.length > 0
    : m.vocab !== null && typeof m.vocab === 'object' && !Array.isArray(m.vocab) && Object.keys(m.vocab).length > 0;
  if (!ok) {
    throw new LftfError('bad-tokenizer', `a ${type} model needs a non-empty ${list ? 'list of [token, score] pairs' : 'object {token: id}'}, found ${m.vocab === undefined ? 'none' : Array.isArray(m.vocab) ? 'a list' : typeof m.vocab}`, `${where}: field "model.vocab"`);
  }
}
