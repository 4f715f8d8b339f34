/**
 * The Llama family (llama, mistral, qwen2): RMSNorm, rotary positions (rope_theta, linear or
 * llama3 scaling), SwiGLU MLP, grouped-query attention, optional q/k/v(/o) bias, tied or untied
 * head. nn.Linear weights arrive [out, in]; they are stored [in, out], and q/k/v and gate/up are
 * fused into one matrix each so a block runs two matMuls fewer. Saving splits them back.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, RopeConfig } from './config.js';
import { applyRope, attention, linear, rmsNorm, selectRows, silu, splitHeads } from './layers.js';
import { DecoderModel, type TokenBatch } from './model.js';
import type { TensorToWrite } from './safetensors.js';
import type { TextTokenizer } from './tokenizer.js';
import { transpose2d, type WeightSource } from './weights.js';

/** Concatenate [in, a], [in, b], ... column-wise into [in, a+b+...]. */
function concatColumns(parts: Float32Array[], widths: number[], rows: number): Float32Array {
  const total = widths.reduce((x, y) => x + y, 0);
  const out = new Float32Array(rows * total);
  for (let r = 0; r < rows; r++) {
    let off = r * total;
    parts.forEach((p, i) => {
      out.set(p.subarray(r * widths[i], (r + 1) * widths[i]), off);
      off += widths[i];
    });
  }
  return out;
}

function splitColumns(data: Float32Array, widths: number[], rows: number): Float32Array[] {
  const total = widths.reduce((x, y) => x + y, 0);
  const outs = widths.map((w) => new Float32Array(rows * w));
  for (let r = 0; r < rows; r++) {
    let off = r * total;
    widths.forEach((w, i) => {
      outs[i].set(data.subarray(off, off + w), r * w);
      off += w;
    });
  }
  return outs;
}

/** Inverse frequencies in float32, as transformers computes them, with optional scaling. */
export function ropeInvFreq(rope: RopeConfig, headDim: number): Float32Array {
  const half = headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(rope.theta, Math.fround((2 * i) / headDim));
  if (rope.type === 'linear') for (let i = 0; i < half; i++) inv[i] /= rope.factor!;
  if (rope.type === 'llama3') {
    const { factor = 8, lowFreqFactor = 1, highFreqFactor = 4, originalMaxPositions = 8192 } = rope;
    const lowWavelen = originalMaxPositions / lowFreqFactor;
    const highWavelen = originalMaxPositions / highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i];
      if (wavelen > lowWavelen) inv[i] = inv[i] / factor;
      else if (wavelen >= highWavelen) {
        const smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        inv[i] = (1 - smooth) * (inv[i] / factor) + smooth * inv[i];
      }
    }
  }
  return inv;
}

export class LlamaModel extends DecoderModel {
  private ropeTable: [tf.Tensor2D, tf.Tensor2D] | undefined;
  private readonly invFreq: Float32Array;

  private constructor(config: ModelConfig, tokenizer: TextTokenizer, name: string) {
    super(config, tokenizer, name);
    this.invFreq = ropeInvFreq(config.rope!, config.headDim);
  }

  static fromWeights(config: ModelConfig, tokenizer: TextTokenizer, src: WeightSource, name: string): LlamaModel {
    const m = new LlamaModel(config, tokenizer, name);
    const c = config;
    const d = c.hiddenSize, hd = c.headDim, I = c.intermediateSize;
    const qw = c.numHeads * hd, kvw = c.numKvHeads * hd;
    // nn.Linear [out, in] -> [in, out]
    const lin = (n: string, out: number, inp: number) => transpose2d(src.read(n, [out, inp]), out, inp);
    try {
      m.addParam('embed', src.read('model.embed_tokens.weight', [c.vocabSize, d]), [c.vocabSize, d]);
      m.addParam('norm', src.read('model.norm.weight', [d]), [d]);
      if (!c.tieEmbeddings) m.addParam('lm_head', src.read('lm_head.weight', [c.vocabSize, d]), [c.vocabSize, d]);
      for (let i = 0; i < c.numLayers; i++) {
        const p = `model.layers.${i}.`;
        const h = `h.${i}.`;
        m.addParam(h + 'ln1', src.read(p + 'input_layernorm.weight', [d]), [d]);
        m.addParam(h + 'ln2', src.read(p + 'post_attention_layernorm.weight', [d]), [d]);
        const q = lin(p + 'self_attn.q_proj.weight', qw, d);
        const k = lin(p + 'self_attn.k_proj.weight', kvw, d);
        const v = lin(p + 'self_attn.v_proj.weight', kvw, d);
        m.addParam(h + 'qkv_w', concatColumns([q, k, v], [qw, kvw, kvw], d), [d, qw + 2 * kvw]);
        if (c.qkvBias) {
          const qb = src.read(p + 'self_attn.q_proj.bias', [qw]);
          const kb = src.read(p + 'self_attn.k_proj.bias', [kvw]);
          const vb = src.read(p + 'self_attn.v_proj.bias', [kvw]);
          m.addParam(h + 'qkv_b', concatColumns([qb, kb, vb], [qw, kvw, kvw], 1), [qw + 2 * kvw]);
        }
        m.addParam(h + 'o_w', lin(p + 'self_attn.o_proj.weight', d, qw), [qw, d]);
        if (c.oBias) m.addParam(h + 'o_b', src.read(p + 'self_attn.o_proj.bias', [d]), [d]);
        const g = lin(p + 'mlp.gate_proj.weight', I, d);
        const u = lin(p + 'mlp.up_proj.weight', I, d);
        m.addParam(h + 'gu_w', concatColumns([g, u], [I, I], d), [d, 2 * I]);
        m.addParam(h + 'down_w', lin(p + 'mlp.down_proj.weight', d, I), [I, d]);
        if (c.mlpBias) {
          const gb = src.read(p + 'mlp.gate_proj.bias', [I]);
          const ub = src.read(p + 'mlp.up_proj.bias', [I]);
          m.addParam(h + 'gu_b', concatColumns([gb, ub], [I, I], 1), [2 * I]);
          m.addParam(h + 'down_b', src.read(p + 'mlp.down_proj.bias', [d]), [d]);
        }
      }
    } catch (e) {
      m.dispose();
      throw e;
    }
    return m;
  }

  /**
   * cos/sin for the batch's positions: [T, hd/2] for positions 0..T-1 (every row starts at 0), or
   * [B,1,T,hd/2] gathered by position id (packed rows). Slices of one table that grows by doubling.
   */
  private rope(batch: TokenBatch): [tf.Tensor, tf.Tensor] {
    const T = batch.T;
    if (!this.ropeTable || this.ropeTable[0].shape[0] < T) {
      const cap = Math.max(64, 2 ** Math.ceil(Math.log2(T)));
      const half = this.invFreq.length;
      const cos = new Float32Array(cap * half), sin = new Float32Array(cap * half);
      for (let t = 0; t < cap; t++) {
        for (let i = 0; i < half; i++) {
          const a = Math.fround(t * this.invFreq[i]);
          cos[t * half + i] = Math.cos(a);
          sin[t * half + i] = Math.sin(a);
        }
      }
      if (this.ropeTable) tf.dispose(this.ropeTable);
      this.ropeTable = [tf.keep(tf.tensor2d(cos, [cap, half])), tf.keep(tf.tensor2d(sin, [cap, half]))];
    }
    const [cos, sin] = this.ropeTable;
    const ids = batch.positionIds;
    if (ids) return [cos, sin].map((table) => tf.gather(table, ids).reshape([batch.B, 1, T, -1])) as [tf.Tensor, tf.Tensor];
    return [cos.slice([0, 0], [T, -1]), sin.slice([0, 0], [T, -1])];
  }

  embed(batch: TokenBatch): tf.Tensor3D {
    return selectRows(this.p('embed') as tf.Tensor2D, batch.ids).reshape([batch.B, batch.T, this.config.hiddenSize]);
  }

  block(i: number, x: tf.Tensor3D, batch: TokenBatch): tf.Tensor3D {
    const c = this.config;
    const { B, T } = batch;
    const H = c.numHeads, Hkv = c.numKvHeads, hd = c.headDim, I = c.intermediateSize;
    const [cos, sin] = this.rope(batch);
    const a = rmsNorm(x, this.bp(i, 'ln1'), c.normEps) as tf.Tensor3D;
    const qkv = linear(a, this.bp(i, 'qkv_w') as tf.Tensor2D, this.bpOpt(i, 'qkv_b') as tf.Tensor1D | undefined);
    const [q, k, v] = tf.split(qkv, [H * hd, Hkv * hd, Hkv * hd], 2);
    const ctx = attention(
      applyRope(splitHeads(q, B, T, H, hd), cos, sin),
      applyRope(splitHeads(k, B, T, Hkv, hd), cos, sin),
      splitHeads(v, B, T, Hkv, hd),
      batch.mask, 1 / Math.sqrt(hd));
    const h = x.add(linear(ctx, this.bp(i, 'o_w') as tf.Tensor2D, this.bpOpt(i, 'o_b') as tf.Tensor1D | undefined)) as tf.Tensor3D;
    const m = rmsNorm(h, this.bp(i, 'ln2'), c.normEps) as tf.Tensor3D;
    const gu = linear(m, this.bp(i, 'gu_w') as tf.Tensor2D, this.bpOpt(i, 'gu_b') as tf.Tensor1D | undefined);
    const [g, u] = tf.split(gu, [I, I], 2);
    const f = silu(g).mul(u) as tf.Tensor3D;
    return h.add(linear(f, this.bp(i, 'down_w') as tf.Tensor2D, this.bpOpt(i, 'down_b') as tf.Tensor1D | undefined)) as tf.Tensor3D;
  }

  finalNorm(x: tf.Tensor): tf.Tensor {
    return rmsNorm(x, this.p('norm'), this.config.normEps);
  }

  headMatrix(): tf.Tensor2D {
    return (this.params.get('lm_head') ?? this.p('embed')) as tf.Tensor2D;
  }

  toHuggingFace(): TensorToWrite[] {
    const c = this.config;
    const d = c.hiddenSize, hd = c.headDim, I = c.intermediateSize;
    const qw = c.numHeads * hd, kvw = c.numKvHeads * hd;
    const out: TensorToWrite[] = [];
    const get = (n: string) => this.p(n).dataSync() as Float32Array;
    // [in, out] -> nn.Linear [out, in]
    const linOut = (name: string, data: Float32Array, inp: number, outDim: number) =>
      out.push({ name, shape: [outDim, inp], data: transpose2d(data, inp, outDim) });
    out.push({ name: 'model.embed_tokens.weight', shape: [c.vocabSize, d], data: get('embed') });
    out.push({ name: 'model.norm.weight', shape: [d], data: get('norm') });
    if (!c.tieEmbeddings) out.push({ name: 'lm_head.weight', shape: [c.vocabSize, d], data: get('lm_head') });
    for (let i = 0; i < c.numLayers; i++) {
      const p = `model.layers.${i}.`, h = `h.${i}.`;
      out.push({ name: p + 'input_layernorm.weight', shape: [d], data: get(h + 'ln1') });
      out.push({ name: p + 'post_attention_layernorm.weight', shape: [d], data: get(h + 'ln2') });
      const [q, k, v] = splitColumns(get(h + 'qkv_w'), [qw, kvw, kvw], d);
      linOut(p + 'self_attn.q_proj.weight', q, d, qw);
      linOut(p + 'self_attn.k_proj.weight', k, d, kvw);
      linOut(p + 'self_attn.v_proj.weight', v, d, kvw);
      if (c.qkvBias) {
        const [qb, kb, vb] = splitColumns(get(h + 'qkv_b'), [qw, kvw, kvw], 1);
        out.push({ name: p + 'self_attn.q_proj.bias', shape: [qw], data: qb });
        out.push({ name: p + 'self_attn.k_proj.bias', shape: [kvw], data: kb });
        out.push({ name: p + 'self_attn.v_proj.bias', shape: [kvw], data: vb });
      }
      linOut(p + 'self_attn.o_proj.weight', get(h + 'o_w'), qw, d);
      if (c.oBias) out.push({ name: p + 'self_attn.o_proj.bias', shape: [d], data: get(h + 'o_b') });
      const [g, u] = splitColumns(get(h + 'gu_w'), [I, I], d);
      linOut(p + 'mlp.gate_proj.weight', g, d, I);
      linOut(p + 'mlp.up_proj.weight', u, d, I);
      linOut(p + 'mlp.down_proj.weight', get(h + 'down_w'), I, d);
      if (c.mlpBias) {
        const [gb, ub] = splitColumns(get(h + 'gu_b'), [I, I], 1);
        out.push({ name: p + 'mlp.gate_proj.bias', shape: [I], data: gb });
        out.push({ name: p + 'mlp.up_proj.bias', shape: [I], data: ub });
        out.push({ name: p + 'mlp.down_proj.bias', shape: [d], data: get(h + 'down_b') });
      }
    }
    return out;
  }

  override dispose(): void {
    if (this.ropeTable) tf.dispose(this.ropeTable);
    this.ropeTable = undefined;
    super.dispose();
  }
}
