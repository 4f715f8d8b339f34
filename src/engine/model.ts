/**
 * The decoder contract shared by both families:
 *   embeddings -> block 0..L-1 -> final norm -> head.
 * A forward pass can start at any block from given hidden states, stop early, return the
 * hidden state after every block, and compute logits only at the positions asked for.
 * Parameters are tf.Variables; training a set of blocks means differentiating with respect to
 * exactly their variables, so no gradient is computed for any other weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LftfError } from '../errors.js';
import type { ModelConfig } from './config.js';
import type { TensorToWrite } from './safetensors.js';
import type { TextTokenizer } from './tokenizer.js';
import { selectRows } from './layers.js';

/** Large negative additive bias for masked attention logits (exp underflows to 0 in float32). */
export const MASKED = -1e9;

export interface BatchOptions {
  /**
   * Pack several short sequences into one row (first fit, longest first), each with its own
   * positions from 0 and a block-diagonal causal mask: fewer padded slots, the same numbers.
   * Rows then no longer match sequences: address tokens with `at(seq, t)`.
   */
  pack?: boolean;
}

/**
 * First-fit placement of sequences, given longest first, into rows of T slots: each goes into the
 * first row with room, else a new row. Stops before a sequence that would need row `maxRows + 1`;
 * returns the placements made (one per placed sequence, in order).
 */
export function firstFit(lengths: readonly number[], T: number, maxRows = Infinity): { row: number; offset: number }[] {
  const used: number[] = [];
  const out: { row: number; offset: number }[] = [];
  for (const n of lengths) {
    let row = used.findIndex((u) => u + n <= T);
    if (row < 0) {
      if (used.length >= maxRows) break;
      row = used.push(0) - 1;
    }
    out.push({ row, offset: used[row] });
    used[row] += n;
  }
  return out;
}

/**
 * Token sequences laid out as B rows of T slots (T = the longest sequence), padded on the right.
 * Right padding keeps every real token at its natural position (0..len-1), so learned and rotary
 * positions need no offsets; the mask hides keys that are in the future, padding, or (packed)
 * another sequence. Everything that reads results goes through `at(seq, t)`.
 */
export class TokenBatch {
  /** Rows and slots of the tensors: [B, T]. */
  readonly B: number;
  readonly T: number;
  readonly lengths: number[];
  readonly seqs: number[][];
  /** Flat token ids [B*T] (padding filled with padId). */
  readonly ids: tf.Tensor1D;
  /** Additive attention bias [B,1,T,T]. */
  readonly mask: tf.Tensor4D;
  /** Position of each slot [B*T] when rows are packed; null when every row starts at 0. */
  readonly positionIds: tf.Tensor1D | null;
  /** Where each sequence sits: flat index of its first token. */
  private readonly starts: number[];

  constructor(seqs: number[][], padId: number, slidingWindow: number | null = null, opts: BatchOptions = {}) {
    if (seqs.length === 0) throw new LftfError('empty-batch', 'a batch needs at least one sequence');
    const lengths = seqs.map((s) => s.length);
    if (lengths.some((n) => n === 0)) throw new LftfError('empty-sequence', 'a sequence in the batch has no tokens');
    this.seqs = seqs;
    this.lengths = lengths;
    const T = Math.max(...lengths);
    this.T = T;
    // Placement: row and offset per sequence.
    const place: { row: number; offset: number }[] = lengths.map((_, i) => ({ row: i, offset: 0 }));
    if (opts.pack) {
      const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
      firstFit(order.map((i) => lengths[i]), T).forEach((p, k) => { place[order[k]] = p; });
    }
    const B = Math.max(...place.map((p) => p.row)) + 1;
    this.B = B;
    this.starts = place.map(({ row, offset }) => row * T + offset);
    const ids = new Int32Array(B * T).fill(padId);
    const pos = new Int32Array(B * T);
    // Segment of each slot (-1: padding).
    const seg = new Int32Array(B * T).fill(-1);
    seqs.forEach((s, i) => {
      const at = this.starts[i];
      ids.set(s, at);
      for (let t = 0; t < s.length; t++) {
        pos[at + t] = t;
        seg[at + t] = i;
      }
    });
    const mask = new Float32Array(B * T * T).fill(MASKED);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < T; i++) {
        const row = (b * T + i) * T;
        const si = seg[b * T + i];
        // A padding slot looks at its row's first slot only: defined, and never read.
        if (si < 0) {
          mask[row] = 0;
          continue;
        }
        for (let j = i - pos[b * T + i]; j <= i; j++) {
          if (slidingWindow === null || i - j < slidingWindow) mask[row + j] = 0;
        }
      }
    }
    this.ids = tf.tensor1d(ids, 'int32');
    this.mask = tf.tensor4d(mask, [B, 1, T, T]);
    this.positionIds = B < seqs.length ? tf.tensor1d(pos, 'int32') : null;
  }

  /** Flat index into [B*T] of position t of sequence `seq`. */
  at(seq: number, t: number): number {
    return this.starts[seq] + t;
  }

  /** Flat index of each sequence's last real token. */
  lastPositions(): number[] {
    return this.lengths.map((n, i) => this.at(i, n - 1));
  }

  dispose(): void {
    this.ids.dispose();
    this.mask.dispose();
    this.positionIds?.dispose();
  }
}

export interface ForwardOptions {
  /** First block to run (default 0). With fromBlock > 0, `hidden` must hold its input. */
  fromBlock?: number;
  /** Hidden state [B,T,d] entering `fromBlock`. Not disposed. */
  hidden?: tf.Tensor3D;
  /** Stop before this block (default: numBlocks). Below numBlocks, no logits are computed. */
  toBlock?: number;
  /** Also return the input of `fromBlock` and the output of every block run. */
  collectHidden?: boolean;
  /** Logits at these flat positions (b*T+t) -> [N,V]; 'all' -> [B,T,V]; 'none' -> no logits. */
  positions?: number[] | 'all' | 'none';
}

export interface ForwardResult {
  /** Output of the last block run, [B,T,d] (before the final norm). */
  hidden: tf.Tensor3D;
  /** [input of fromBlock, output of fromBlock, ..., output of toBlock-1] when collectHidden. */
  hiddens?: tf.Tensor3D[];
  logits?: tf.Tensor;
}

let modelCounter = 0;

export abstract class DecoderModel {
  readonly config: ModelConfig;
  readonly tokenizer: TextTokenizer;
  readonly name: string;
  /** Internal parameters by internal name; block parameters are named "h.<i>.<part>". */
  protected readonly params = new Map<string, tf.Variable>();
  private readonly uid = `lftf${modelCounter++}`;

  protected constructor(config: ModelConfig, tokenizer: TextTokenizer, name: string) {
    this.config = config;
    this.tokenizer = tokenizer;
    this.name = name;
  }

  get numBlocks(): number {
    return this.config.numLayers;
  }

  /** Pad id for batches: the config's, else EOS, else 0 (padding never reaches a real token). */
  get padId(): number {
    return this.config.padTokenId ?? this.config.eosTokenId ?? 0;
  }

  protected addParam(name: string, data: Float32Array, shape: number[]): void {
    const t = tf.tensor(data, shape, 'float32');
    // Trainable in principle; what actually trains is always an explicit variable list.
    const v = tf.variable(t, true, `${this.uid}/${name}`);
    this.params.set(name, v);
    t.dispose();
    // The native backend keeps `data` on the JS side until a tensor's first use; using it now
    // moves it into TensorFlow so `data` can be freed while the next weight is read, and a
    // model's load never holds two copies of its weights (other backends copy at creation).
    if (tf.getBackend() === 'tensorflow') tf.sum(v).dispose();
  }

  protected p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`internal: parameter ${name} missing`);
    return v;
  }

  protected bp(block: number, part: string): tf.Variable {
    return this.p(`h.${block}.${part}`);
  }

  protected bpOpt(block: number, part: string): tf.Variable | undefined {
    return this.params.get(`h.${block}.${part}`);
  }

  abstract embed(batch: TokenBatch): tf.Tensor3D;
  abstract block(index: number, hidden: tf.Tensor3D, batch: TokenBatch): tf.Tensor3D;
  abstract finalNorm(hidden: tf.Tensor): tf.Tensor;
  /** Output projection [V,d] (the embedding matrix when tied). */
  abstract headMatrix(): tf.Tensor2D;
  /** All weights in the Hugging Face layout and names of this family. */
  abstract toHuggingFace(): TensorToWrite[];

  makeBatch(seqs: number[][], opts: BatchOptions = {}): TokenBatch {
    return new TokenBatch(seqs, this.padId, this.config.slidingWindow, opts);
  }

  /** The variables of block i (what trains when only block i is tuned). */
  blockVariables(i: number): tf.Variable[] {
    if (!Number.isInteger(i) || i < 0 || i >= this.numBlocks) {
      throw new LftfError('bad-block', `block ${i} does not exist (the model has blocks 0..${this.numBlocks - 1})`);
    }
    const prefix = `h.${i}.`;
    return [...this.params].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
  }

  /**
   * The variables the hidden state entering block `block` can depend on: every block below it
   * and every parameter outside the blocks (embeddings; the final norm and head are included
   * too, which only errs on the safe side for callers that use this to detect change).
   */
  variablesBelow(block: number): tf.Variable[] {
    return [...this.params].filter(([k]) => {
      const m = /^h\.(\d+)\./.exec(k);
      return !m || Number(m[1]) < block;
    }).map(([, v]) => v);
  }

  allVariables(): tf.Variable[] {
    return [...this.params.values()];
  }

  parameterCount(blocks?: number[]): number {
    const vars = blocks ? blocks.flatMap((b) => this.blockVariables(b)) : this.allVariables();
    return vars.reduce((a, v) => a + v.size, 0);
  }

  /** Logits for hidden rows [N,d] (pre-norm): final norm, then the head. */
  logitsFromHidden(rows: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(this.finalNorm(rows) as tf.Tensor2D, this.headMatrix(), false, true);
  }

  forward(batch: TokenBatch, opts: ForwardOptions = {}): ForwardResult {
    const from = opts.fromBlock ?? 0;
    const to = opts.toBlock ?? this.numBlocks;
    if (from < 0 || to > this.numBlocks || from > to) {
      throw new LftfError('bad-block', `block range ${from}..${to} is outside 0..${this.numBlocks}`);
    }
    if (from > 0 && !opts.hidden) throw new LftfError('bad-call', `forward from block ${from} needs the hidden state entering it`);
    return tf.tidy(() => {
      // A clone, so that a caller disposing the returned hiddens never frees its own input.
      let h = opts.hidden ? opts.hidden.clone() : this.embed(batch);
      const hiddens: tf.Tensor3D[] = opts.collectHidden ? [h] : [];
      for (let i = from; i < to; i++) {
        h = this.block(i, h, batch);
        if (opts.collectHidden) hiddens.push(h);
      }
      const result: ForwardResult = { hidden: h };
      if (opts.collectHidden) result.hiddens = hiddens;
      const positions = opts.positions ?? 'all';
      if (to === this.numBlocks && positions !== 'none') {
        const [B, T, d] = h.shape;
        const flat = h.reshape([B * T, d]) as tf.Tensor2D;
        if (positions === 'all') {
          result.logits = this.logitsFromHidden(flat).reshape([B, T, -1]);
        } else {
          result.logits = this.logitsFromHidden(selectRows(flat, tf.tensor1d(positions, 'int32')));
        }
      }
      return result as unknown as tf.TensorContainerObject;
    }) as unknown as ForwardResult;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
