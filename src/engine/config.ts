/**
 * config.json -> one normalised ModelConfig for both decoder families.
 * Accepts the key layouts of transformers 4.x (rope_theta, rope_scaling) and 5.x (rope_parameters).
 */
import { readFileSync } from 'node:fs';
import { LftfError } from '../errors.js';

export type Family = 'gpt2' | 'llama';
export type Activation = 'gelu_new' | 'gelu' | 'relu' | 'silu' | 'gelu_pytorch_tanh';

export interface RopeConfig {
  theta: number;
  type: 'default' | 'linear' | 'llama3';
  factor?: number;
  lowFreqFactor?: number;
  highFreqFactor?: number;
  originalMaxPositions?: number;
}

export interface ModelConfig {
  family: Family;
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  maxPositions: number;
  normEps: number;
  activation: Activation;
  tieEmbeddings: boolean;
  /** Llama family: bias on q/k/v projections (Qwen2: true; Llama: attention_bias). */
  qkvBias: boolean;
  /** Llama family: bias on o_proj (Llama's attention_bias covers o_proj too; Qwen2 has none). */
  oBias: boolean;
  mlpBias: boolean;
  rope?: RopeConfig;
  slidingWindow: number | null;
  /** GPT-2 only: divide attention scores by (layer index + 1) as well. */
  scaleAttnByInverseLayerIdx: boolean;
  bosTokenId: number | null;
  eosTokenId: number | null;
  padTokenId: number | null;
  /** The original config.json object, kept so a saved model round-trips unknown keys. */
  raw: Record<string, unknown>;
}

const FAMILIES: Record<string, Family> = { gpt2: 'gpt2', llama: 'llama', qwen2: 'llama', mistral: 'llama' };
export const SUPPORTED_MODEL_TYPES = Object.keys(FAMILIES);

export function readConfig(path: string): ModelConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LftfError('missing-file', code === 'ENOENT' ? 'config.json not found (is this a Hugging Face checkpoint folder?)' : `cannot read config (${code ?? (e as Error).message})`, path);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LftfError('bad-config', `not valid JSON (${(e as Error).message})`, path);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new LftfError('bad-config', 'not a JSON object', path);
  return parseConfig(raw as Record<string, unknown>, path);
}

export function parseConfig(raw: Record<string, unknown>, path = 'config.json'): ModelConfig {
  const where = (field: string) => `${path}: field "${field}"`;
  const num = (keys: string[], opts: { int?: boolean; min?: number; def?: number } = {}): number => {
    for (const k of keys) {
      const v = raw[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || (opts.int && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min)) {
        throw new LftfError('bad-config', `expected ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, found ${JSON.stringify(v)}`, where(k));
      }
      return v;
    }
    if (opts.def !== undefined) return opts.def;
    throw new LftfError('bad-config', 'missing required key', where(keys.join('" or "')));
  };
  const bool = (k: string, def: boolean): boolean => {
    const v = raw[k];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') throw new LftfError('bad-config', `expected true or false, found ${JSON.stringify(v)}`, where(k));
    return v;
  };
  const tokenId = (k: string): number | null => {
    const v = raw[k];
    if (Array.isArray(v)) return typeof v[0] === 'number' ? v[0] : null;
    return typeof v === 'number' ? v : null;
  };

  const modelType = raw.model_type;
  if (typeof modelType !== 'string') throw new LftfError('bad-config', 'missing required key', where('model_type'));
  const family = FAMILIES[modelType];
  if (!family) throw new LftfError('unsupported-model', `unknown model_type "${modelType}"; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`, where('model_type'));

  const vocabSize = num(['vocab_size'], { int: true, min: 1 });
  const hiddenSize = num(family === 'gpt2' ? ['n_embd', 'hidden_size'] : ['hidden_size'], { int: true, min: 1 });
  const numLayers = num(family === 'gpt2' ? ['n_layer', 'num_hidden_layers'] : ['num_hidden_layers'], { int: true, min: 1 });
  const numHeads = num(family === 'gpt2' ? ['n_head', 'num_attention_heads'] : ['num_attention_heads'], { int: true, min: 1 });
  const numKvHeads = family === 'gpt2' ? numHeads : num(['num_key_value_heads'], { int: true, min: 1, def: numHeads });
  const headDim = num(['head_dim'], { int: true, min: 1, def: hiddenSize / numHeads });
  if (!Number.isInteger(headDim)) throw new LftfError('bad-config', `hidden size ${hiddenSize} is not divisible by ${numHeads} heads`, where('num_attention_heads'));
  if (numHeads % numKvHeads !== 0) throw new LftfError('bad-config', `${numHeads} attention heads are not a multiple of ${numKvHeads} key/value heads`, where('num_key_value_heads'));

  const base = {
    family, modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim,
    bosTokenId: tokenId('bos_token_id'), eosTokenId: tokenId('eos_token_id'), padTokenId: tokenId('pad_token_id'), raw,
  };

  if (family === 'gpt2') {
    const act = (raw.activation_function ?? 'gelu_new') as string;
    if (!['gelu_new', 'gelu', 'relu', 'gelu_pytorch_tanh'].includes(act)) throw new LftfError('bad-config', `unsupported activation "${act}"`, where('activation_function'));
    if (raw.scale_attn_weights === false) throw new LftfError('bad-config', 'scale_attn_weights=false is not supported', where('scale_attn_weights'));
    return {
      ...base,
      intermediateSize: num(['n_inner'], { int: true, min: 1, def: 4 * hiddenSize }),
      maxPositions: num(['n_positions', 'max_position_embeddings'], { int: true, min: 1 }),
      normEps: num(['layer_norm_epsilon'], { min: 0, def: 1e-5 }),
      activation: act as Activation,
      tieEmbeddings: bool('tie_word_embeddings', true),
      qkvBias: true, oBias: true, mlpBias: true,
      slidingWindow: null,
      scaleAttnByInverseLayerIdx: bool('scale_attn_by_inverse_layer_idx', false),
    };
  }

  const act = (raw.hidden_act ?? 'silu') as string;
  if (act !== 'silu') throw new LftfError('bad-config', `unsupported activation "${act}" (the Llama family uses silu)`, where('hidden_act'));
  const attentionBias = bool('attention_bias', false);
  const useSliding = modelType === 'mistral' || bool('use_sliding_window', false);
  const sw = raw.sliding_window;
  if (useSliding && sw !== undefined && sw !== null && !(typeof sw === 'number' && Number.isInteger(sw) && sw >= 1)) {
    throw new LftfError('bad-config', `expected an integer >= 1 or null, found ${JSON.stringify(sw)}`, where('sliding_window'));
  }
  return {
    ...base,
    intermediateSize: num(['intermediate_size'], { int: true, min: 1 }),
    maxPositions: num(['max_position_embeddings'], { int: true, min: 1, def: 4096 }),
    normEps: num(['rms_norm_eps'], { min: 0, def: 1e-6 }),
    activation: 'silu',
    tieEmbeddings: bool('tie_word_embeddings', false),
    qkvBias: modelType === 'qwen2' ? true : attentionBias,
    oBias: modelType === 'qwen2' ? false : attentionBias,
    mlpBias: bool('mlp_bias', false),
    rope: parseRope(raw, where),
    slidingWindow: useSliding && typeof sw === 'number' ? sw : null,
    scaleAttnByInverseLayerIdx: false,
  };
}

function parseRope(raw: Record<string, unknown>, where: (f: string) => string): RopeConfig {
  // transformers 5 keeps everything under rope_parameters; 4.x has rope_theta + rope_scaling.
  const field = raw.rope_parameters !== undefined && raw.rope_parameters !== null ? 'rope_parameters' : 'rope_scaling';
  const p = raw[field] ?? null;
  if (p !== null && (typeof p !== 'object' || Array.isArray(p))) throw new LftfError('bad-config', `expected an object or null, found ${JSON.stringify(p)}`, where(field));
  const params = p as Record<string, unknown> | null;
  const theta = (params && typeof params.rope_theta === 'number' ? params.rope_theta : raw.rope_theta) ?? 10000;
  if (typeof theta !== 'number' || !(theta > 0)) throw new LftfError('bad-config', `rope_theta must be a positive number, found ${JSON.stringify(theta)}`, where('rope_theta'));
  const type = (params?.rope_type ?? params?.type ?? 'default') as string;
  if (type === 'default') return { theta, type };
  const factor = params?.factor;
  if (typeof factor !== 'number') throw new LftfError('bad-config', `rope type "${type}" needs a numeric factor`, where(`${field}.factor`));
  if (type === 'linear') return { theta, type, factor };
  if (type === 'llama3') {
    return {
      theta, type, factor,
      lowFreqFactor: Number(params?.low_freq_factor ?? 1),
      highFreqFactor: Number(params?.high_freq_factor ?? 4),
      originalMaxPositions: Number(params?.original_max_position_embeddings ?? 8192),
    };
  }
  throw new LftfError('bad-config', `unsupported rope type "${type}" (supported: default, linear, llama3)`, where(`${field}.rope_type`));
}
