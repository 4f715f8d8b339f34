/**
 * GPT-2: learned positions, pre-LayerNorm blocks, GELU (tanh) MLP, fused c_attn Conv1D
 * weights (stored [in, out], so no transpose), head tied to the token embedding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LftfError } from '../errors.js';
import type { ModelConfig } from './config.js';
import { attention, geluErf, geluTanh, layerNorm, linear, selectRows, splitHeads } from './layers.js';
import { DecoderModel, type TokenBatch } from './model.js';
import type { TensorToWrite } from './safetensors.js';
import type { TextTokenizer } from './tokenizer.js';
import type { WeightSource } from './weights.js';
import { makeRng, randNormal } from '../util/random.js';

/** Internal name -> Hugging Face suffix and shape, per block. */
function blockLayout(c: ModelConfig): [string, string, number[]][] {
  const d = c.hiddenSize, f = c.intermediateSize;
  return [
    ['ln1_g', 'ln_1.weight', [d]], ['ln1_b', 'ln_1.bias', [d]],
    ['qkv_w', 'attn.c_attn.weight', [d, 3 * d]], ['qkv_b', 'attn.c_attn.bias', [3 * d]],
    ['o_w', 'attn.c_proj.weight', [d, d]], ['o_b', 'attn.c_proj.bias', [d]],
    ['ln2_g', 'ln_2.weight', [d]], ['ln2_b', 'ln_2.bias', [d]],
    ['fc_w', 'mlp.c_fc.weight', [d, f]], ['fc_b', 'mlp.c_fc.bias', [f]],
    ['proj_w', 'mlp.c_proj.weight', [f, d]], ['proj_b', 'mlp.c_proj.bias', [d]],
  ];
}

function globalLayout(c: ModelConfig): [string, string, number[]][] {
  const d = c.hiddenSize;
  return [
    ['wte', 'wte.weight', [c.vocabSize, d]], ['wpe', 'wpe.weight', [c.maxPositions, d]],
    ['lnf_g', 'ln_f.weight', [d]], ['lnf_b', 'ln_f.bias', [d]],
  ];
}

export class Gpt2Model extends DecoderModel {
  private readonly act: (x: tf.Tensor) => tf.Tensor;

  private constructor(config: ModelConfig, tokenizer: TextTokenizer, name: string) {
    super(config, tokenizer, name);
    this.act = config.activation === 'gelu' ? geluErf : geluTanh;
  }

  static fromWeights(config: ModelConfig, tokenizer: TextTokenizer, src: WeightSource, name: string): Gpt2Model {
    const m = new Gpt2Model(config, tokenizer, name);
    // Checkpoints saved from GPT2LMHeadModel prefix "transformer."; the original OpenAI ones do not.
    const prefix = src.has('transformer.wte.weight') ? 'transformer.' : '';
    try {
      for (const [internal, hf, shape] of globalLayout(config)) m.addParam(internal, src.read(prefix + hf, shape), shape);
      for (let i = 0; i < config.numLayers; i++) {
        for (const [internal, hf, shape] of blockLayout(config)) {
          m.addParam(`h.${i}.${internal}`, src.read(`${prefix}h.${i}.${hf}`, shape), shape);
        }
      }
      if (!config.tieEmbeddings) {
        const shape = [config.vocabSize, config.hiddenSize];
        m.addParam('lm_head', src.read('lm_head.weight', shape), shape);
      }
    } catch (e) {
      m.dispose();
      throw e;
    }
    return m;
  }

  embed(batch: TokenBatch): tf.Tensor3D {
    const { B, T } = batch;
    if (T > this.config.maxPositions) {
      throw new LftfError('too-long', `sequence of ${T} tokens exceeds the model's ${this.config.maxPositions} positions`);
    }
    const d = this.config.hiddenSize;
    const tok = selectRows(this.p('wte') as tf.Tensor2D, batch.ids).reshape([B, T, d]);
    const pos = batch.positionIds
      ? selectRows(this.p('wpe') as tf.Tensor2D, batch.positionIds).reshape([B, T, d])
      : tf.slice(this.p('wpe'), [0, 0], [T, d]);
    return tok.add(pos) as tf.Tensor3D;
  }

  block(i: number, x: tf.Tensor3D, batch: TokenBatch): tf.Tensor3D {
    const c = this.config;
    const { B, T } = batch;
    const d = c.hiddenSize, H = c.numHeads, hd = c.headDim;
    const w = (part: string) => this.bp(i, part);
    const a = layerNorm(x, w('ln1_g'), w('ln1_b'), c.normEps) as tf.Tensor3D;
    const qkv = linear(a, w('qkv_w') as tf.Tensor2D, w('qkv_b') as tf.Tensor1D);
    const [q, k, v] = tf.split(qkv, 3, 2);
    let scale = 1 / Math.sqrt(hd);
    if (c.scaleAttnByInverseLayerIdx) scale /= i + 1;
    const ctx = attention(splitHeads(q, B, T, H, hd), splitHeads(k, B, T, H, hd), splitHeads(v, B, T, H, hd), batch.mask, scale);
    const h = x.add(linear(ctx, w('o_w') as tf.Tensor2D, w('o_b') as tf.Tensor1D)) as tf.Tensor3D;
    const m = layerNorm(h, w('ln2_g'), w('ln2_b'), c.normEps) as tf.Tensor3D;
    const f = this.act(linear(m, w('fc_w') as tf.Tensor2D, w('fc_b') as tf.Tensor1D)) as tf.Tensor3D;
    return h.add(linear(f, w('proj_w') as tf.Tensor2D, w('proj_b') as tf.Tensor1D)).reshape([B, T, d]);
  }

  finalNorm(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.p('lnf_g'), this.p('lnf_b'), this.config.normEps);
  }

  headMatrix(): tf.Tensor2D {
    return (this.params.get('lm_head') ?? this.p('wte')) as tf.Tensor2D;
  }

  toHuggingFace(): TensorToWrite[] {
    const c = this.config;
    const out: TensorToWrite[] = [];
    const add = (name: string, internal: string, shape: number[]) =>
      out.push({ name, shape, data: this.p(internal).dataSync() as Float32Array });
    for (const [internal, hf, shape] of globalLayout(c)) add(`transformer.${hf}`, internal, shape);
    for (let i = 0; i < c.numLayers; i++) {
      for (const [internal, hf, shape] of blockLayout(c)) add(`transformer.h.${i}.${hf}`, `h.${i}.${internal}`, shape);
    }
    if (!c.tieEmbeddings) add('lm_head.weight', 'lm_head', [c.vocabSize, c.hiddenSize]);
    return out;
  }
}

/**
 * Random GPT-2 weights in the Hugging Face layout, initialised as transformers does:
 * N(0, 0.02) weights, residual projections scaled by 1/sqrt(2 * n_layer), zero biases, unit norms.
 */
export function randomGpt2Weights(config: ModelConfig, seed: number): Map<string, { shape: number[]; data: Float32Array }> {
  const rng = makeRng(seed);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const normal = (shape: number[], std: number) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = randNormal(rng) * std;
    return { shape, data };
  };
  const fill = (shape: number[], v: number) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) });
  const init = (hf: string, shape: number[]) => {
    if (/ln_\w+\.weight$/.test(hf)) return fill(shape, 1);
    if (hf.endsWith('.bias')) return fill(shape, 0);
    const residual = /c_proj\.weight$/.test(hf);
    return normal(shape, residual ? 0.02 / Math.sqrt(2 * config.numLayers) : 0.02);
  };
  for (const [, hf, shape] of globalLayout(config)) out.set(`transformer.${hf}`, init(hf, shape));
  for (let i = 0; i < config.numLayers; i++) {
    for (const [, hf, shape] of blockLayout(config)) out.set(`transformer.h.${i}.${hf}`, init(hf, shape));
  }
  return out;
}
