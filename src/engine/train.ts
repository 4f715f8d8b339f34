/**
 * Training helpers on the engine: the causal LM loss, and one optimiser step that differentiates
 * with respect to a chosen set of variables only (everything else stays bit-identical).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderModel, TokenBatch } from './model.js';
import { targetLogProbs } from '../score/continuations.js';

/** Mean next-token cross-entropy over the real (unpadded) positions of a batch. */
export function lmLoss(model: DecoderModel, batch: TokenBatch): tf.Scalar {
  const positions: number[] = [];
  const targets: number[] = [];
  batch.seqs.forEach((s, b) => {
    for (let t = 0; t + 1 < s.length; t++) {
      positions.push(batch.at(b, t));
      targets.push(s[t + 1]);
    }
  });
  return tf.tidy(() => {
    const { logits } = model.forward(batch, { positions });
    return tf.neg(tf.mean(targetLogProbs(logits as tf.Tensor2D, targets))) as tf.Scalar;
  });
}

/**
 * One optimiser step on `vars` only. Returns the loss value. Gradients are taken with respect to
 * `vars` alone, so no gradient is computed for any other weight.
 */
export function trainStep(optimizer: tf.Optimizer, vars: tf.Variable[], loss: () => tf.Scalar): number {
  const { value, grads } = tf.variableGrads(loss, vars);
  optimizer.applyGradients(grads);
  const v = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return v;
}
