/**
 * The hidden state entering block `from` for one fixed batch, computed once and reused while the
 * weights below `from` stay the same. LFTF trains one block at a time, so every step, dev
 * evaluation and BMI trial from block b runs only blocks b..L-1 on top of this cache.
 *
 * Validity: a tf.Variable gets a new data id on every assign (optimiser steps and
 * restoreBlocks included), so the cache keeps the data ids of the variables it was computed
 * from and recomputes when any of them changed. A cache at block f that is still valid is
 * advanced to a higher block g by running only blocks f..g-1, so BMI trials visited from
 * block 0 upwards cost one block per trial to keep their prefixes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderModel, TokenBatch } from '../engine/model.js';

export class PrefixCache {
  private hidden: tf.Tensor3D | null = null;
  private at = 0;
  private ids: object[] = [];
  /** Blocks run to build or advance caches (for tests and benchmarks). */
  blocksRun = 0;

  constructor(private readonly model: DecoderModel, readonly batch: TokenBatch) {}

  private currentIds(block: number): object[] {
    return this.model.variablesBelow(block).map((v) => v.dataId as object);
  }

  private valid(): boolean {
    if (!this.hidden) return false;
    const now = this.currentIds(this.at);
    return now.length === this.ids.length && now.every((id, i) => id === this.ids[i]);
  }

  /**
   * The hidden state entering block `from` (undefined for block 0: the model embeds the batch).
   * Kept outside any tidy scope; valid until the next call with another block or `dispose`.
   */
  get(from: number): tf.Tensor3D | undefined {
    if (from === 0) return undefined;
    const reuse = this.valid() && this.at <= from;
    if (reuse && this.at === from) return this.hidden!;
    const start = reuse ? this.at : 0;
    const base = reuse ? this.hidden! : undefined;
    // Kept: callers run inside tidy / variableGrads scopes that would otherwise free the cache.
    const next = tf.keep(tf.tidy(() => this.model.forward(this.batch, { fromBlock: start, hidden: base, toBlock: from, positions: 'none' }).hidden));
    this.blocksRun += from - start;
    this.hidden?.dispose();
    this.hidden = next;
    this.at = from;
    this.ids = this.currentIds(from);
    return next;
  }

  dispose(): void {
    this.hidden?.dispose();
    this.hidden = null;
    this.ids = [];
  }
}
