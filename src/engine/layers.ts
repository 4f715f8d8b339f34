/**
 * Building blocks shared by the decoder families. Every op here has a gradient on every
 * backend we support; in particular row selection avoids the `gather` gradient, which the
 * wasm backend lacks (its UnsortedSegmentSum kernel is missing).
 */
import * as tf from '@tensorflow/tfjs-core';
// The union package registers every gradient and the method-style ops (x.add(y)) at run time;
// tfjs-core's own Node bundle has neither. The type-only import brings the methods' types.
import '@tensorflow/tfjs';
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

/**
 * Rows `idx` of a 2-D table: gather forward; the backward pass scatters with a one-hot
 * matMul, which every backend can differentiate.
 */
/**
 * One-hot rows as float32. Built as int32 and cast: on the wasm backend (tfjs 4.22)
 * tf.oneHot(..., 'float32') writes integer bit patterns (1 reads as 1.4e-45).
 */
export function oneHotFloat(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(indices, depth).cast('float32') as tf.Tensor2D);
}

const selectRowsImpl = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [table, idx, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([idx]);
  const rows = table.shape[0];
  return {
    value: tf.gather(table, idx),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const oneHot = oneHotFloat(saved[0] as tf.Tensor1D, rows);
      return [tf.matMul(oneHot, dy as tf.Tensor2D, true, false), tf.zerosLike(saved[0])];
    },
  };
});

export function selectRows(table: tf.Tensor2D, idx: tf.Tensor1D): tf.Tensor2D {
  return selectRowsImpl(table, idx) as tf.Tensor2D;
}

/** Axes of all but the last dimension (where a per-feature gamma or beta gradient sums). */
function leadingAxes(x: tf.Tensor): number[] {
  return [...Array(x.rank - 1).keys()];
}

// The norms have hand-written gradients: the textbook closed forms take about half the ops of
// differentiating mean/variance/rsqrt op by op, and the norms run twice per block.
// Both are checked against PyTorch autograd in engine-train.test.ts.
const layerNormFor = new Map<number, (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>();
const rmsNormFor = new Map<number, (x: tf.Tensor, gamma: tf.Tensor) => tf.Tensor>();

/** (x - mean) / sqrt(var + eps) * gamma + beta over the last axis (biased variance, as torch). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  let f = layerNormFor.get(eps);
  if (!f) {
    f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const xc = x.sub(tf.mean(x, -1, true));
      const rstd = tf.rsqrt(tf.mean(tf.square(xc), -1, true).add(eps));
      const xhat = xc.mul(rstd);
      save([xhat, rstd, gamma]);
      return {
        value: xhat.mul(gamma).add(beta),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xh, r, g] = saved;
          // dx = rstd * (dy*g - mean(dy*g) - xhat * mean(dy*g * xhat))
          const dyg = dy.mul(g);
          const dx = dyg.sub(tf.mean(dyg, -1, true)).sub(xh.mul(tf.mean(dyg.mul(xh), -1, true))).mul(r);
          const axes = leadingAxes(dy);
          return [dx, tf.sum(dy.mul(xh), axes), tf.sum(dy, axes)];
        },
      };
    }) as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
    layerNormFor.set(eps, f);
  }
  return f(x, gamma, beta);
}

/** x / sqrt(mean(x^2) + eps) * gamma over the last axis. */
export function rmsNorm(x: tf.Tensor, gamma: tf.Tensor, eps: number): tf.Tensor {
  let f = rmsNormFor.get(eps);
  if (!f) {
    f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, gamma, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const r = tf.rsqrt(tf.mean(tf.square(x), -1, true).add(eps));
      const xhat = x.mul(r);
      save([xhat, r, gamma]);
      return {
        value: xhat.mul(gamma),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xh, rr, g] = saved;
          // dx = r * (dy*g - xhat * mean(dy*g * xhat))
          const dyg = dy.mul(g);
          const dx = dyg.sub(xh.mul(tf.mean(dyg.mul(xh), -1, true))).mul(rr);
          return [dx, tf.sum(dy.mul(xh), leadingAxes(dy))];
        },
      };
    }) as (x: tf.Tensor, gamma: tf.Tensor) => tf.Tensor;
    rmsNormFor.set(eps, f);
  }
  return f(x, gamma);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GPT-2's "gelu_new", 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), written with the identity
 * 0.5 (1 + tanh(z)) = sigmoid(2z): x * sigmoid(x (2c + 2c * 0.044715 x^2)). The same function
 * in fewer ops (forward and backward); agrees with the tanh form to float32 rounding.
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return x.mul(tf.sigmoid(x.mul(tf.square(x).mul(2 * SQRT_2_OVER_PI * 0.044715).add(2 * SQRT_2_OVER_PI))));
}

export function geluErf(x: tf.Tensor): tf.Tensor {
  return x.mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5);
}

export function silu(x: tf.Tensor): tf.Tensor {
  return x.mul(tf.sigmoid(x));
}

/** x [B,T,in] @ w [in,out] (+ b) -> [B,T,out]. */
export function linear(x: tf.Tensor3D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor3D {
  const [B, T, D] = x.shape;
  let y: tf.Tensor2D = tf.matMul(x.reshape([B * T, D]) as tf.Tensor2D, w);
  if (b) y = y.add(b);
  return y.reshape([B, T, w.shape[1]]);
}

/** [B,T,H*hd] -> [B,H,T,hd] */
export function splitHeads(x: tf.Tensor, B: number, T: number, H: number, hd: number): tf.Tensor4D {
  return x.reshape([B, T, H, hd]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
}

/**
 * Scaled dot-product attention with grouped key/value heads. q [B,H,T,hd], k and v
 * [B,Hkv,T,hd], mask an additive [B,1,T,T] bias. Query heads kv*nRep..kv*nRep+nRep-1 share
 * key/value head kv (as transformers' repeat_kv); folding them into the row axis avoids copies.
 * Returns [B,T,H*hd].
 */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor4D, scale: number): tf.Tensor3D {
  const [B, H, T, hd] = q.shape;
  const Hkv = k.shape[1];
  const nRep = H / Hkv;
  const qg = nRep === 1 ? q : q.reshape([B, Hkv, nRep * T, hd]);
  let scores = tf.matMul(qg, k, false, true).mul(scale) as tf.Tensor4D;
  if (nRep !== 1) scores = scores.reshape([B, H, T, T]);
  let probs = tf.softmax(scores.add(mask)) as tf.Tensor4D;
  if (nRep !== 1) probs = probs.reshape([B, Hkv, nRep * T, T]);
  let out = tf.matMul(probs, v) as tf.Tensor4D;
  if (nRep !== 1) out = out.reshape([B, H, T, hd]);
  return out.transpose([0, 2, 1, 3]).reshape([B, T, H * hd]);
}

/** Rotary embedding, transformers' rotate_half layout. x [B,H,T,hd]; cos, sin [T,hd/2] or [B,1,T,hd/2]. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  return tf.concat([x1.mul(cos).sub(x2.mul(sin)), x2.mul(cos).add(x1.mul(sin))], 3) as tf.Tensor4D;
}
