/**
 * Training a chosen block: gradients equal PyTorch's (transformers GPT-2 and Llama, autograd) on
 * the wasm backend, which lacks the gather gradient; an Adam step changes that block only, leaving every
 * other weight bit-identical; no tensors leak.
 */
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../src/engine/checkpoint.js';
import { lmLoss, trainStep } from '../src/engine/train.js';
import { pythonJson, referenceCheckpoints, referencePython } from './helpers/python.js';
import { useBackend } from './helpers/backends.js';

const py = referencePython();

describe('training one block', { skip: py.python ? false : py.reason }, () => {
  const texts = ['The accountant smiled because', 'Hi there', 'The nurse said she was late. café', 'number seven 3 14'];

  /** Our LM-loss gradients w.r.t. block 1 and transformers' (grads.py), on wasm; the losses must agree. */
  async function block1Grads(family: 'gpt2' | 'llama') {
    await useBackend('wasm');
    const dir = join(referenceCheckpoints(), family);
    const model = loadModel(dir);
    const seqs = texts.map((t) => model.tokenizer.encode(t));
    const ref = pythonJson<{ loss: number; grads: Record<string, number[]> }>('grads.py', [dir], { seqs, block: 1 });
    const batch = model.makeBatch(seqs);
    const vars = model.blockVariables(1);
    const { value, grads } = tf.variableGrads(() => lmLoss(model, batch), vars);
    assert.ok(Math.abs(value.dataSync()[0] - ref.loss) < 1e-5, `loss ${value.dataSync()[0]} vs ${ref.loss}`);
    return { model, ref, batch, vars, value, grads };
  }

  test('gradients of the LM loss w.r.t. block 1 equal PyTorch autograd (wasm)', async () => {
    const { model, ref, batch, vars, value, grads } = await block1Grads('gpt2');
    // GPT-2 keeps the HF layout and order for block weights: variable k is HF tensor k.
    const hf = model.toHuggingFace().filter((t) => t.name.startsWith('transformer.h.1.'));
    assert.equal(hf.length, vars.length);
    let worst = 0;
    hf.forEach((t, k) => {
      assert.deepEqual(Array.from(vars[k].dataSync()), Array.from(t.data), `${t.name} pairing`);
      const g = grads[vars[k].name].dataSync();
      ref.grads[t.name].forEach((r, i) => { worst = Math.max(worst, Math.abs(r - g[i])); });
    });
    assert.ok(worst <= 1e-5, `max |grad diff| ${worst}`);
    tf.dispose([value, ...Object.values(grads)]);
    batch.dispose();
    model.dispose();
  });

  test('llama: gradients w.r.t. block 1 equal PyTorch autograd through RMSNorm and RoPE (wasm)', async () => {
    const { model, ref, batch, vars, value, grads } = await block1Grads('llama');
    const grad = (part: string) => grads[vars.find((v) => v.name.endsWith(`/h.1.${part}`))!.name];
    // Unfused tensors: the norms as they are; o_proj and down_proj are stored transposed ([in, out]).
    const pairs: [string, tf.Tensor][] = [
      ['input_layernorm.weight', grad('ln1')],
      ['post_attention_layernorm.weight', grad('ln2')],
      ['self_attn.o_proj.weight', grad('o_w').transpose()],
      ['mlp.down_proj.weight', grad('down_w').transpose()],
    ];
    let worst = 0;
    for (const [name, g] of pairs) {
      const r = ref.grads[`model.layers.1.${name}`];
      const ours = g.dataSync();
      assert.equal(ours.length, r.length, name);
      r.forEach((x, i) => { worst = Math.max(worst, Math.abs(x - ours[i])); });
    }
    assert.ok(worst <= 1e-5, `max |grad diff| ${worst}`);
    tf.dispose([value, ...Object.values(grads), ...pairs.slice(2).map(([, g]) => g)]);
    batch.dispose();
    model.dispose();
  });

  test('an Adam step on block 1 leaves every other weight bit-identical and leaks nothing', async () => {
    await useBackend('wasm');
    const model = loadModel(join(referenceCheckpoints(), 'llama'));
    const before = new Map(model.allVariables().map((v) => [v.name, v.dataSync().slice()]));
    const batch = model.makeBatch(texts.map((t) => model.tokenizer.encode(t)));
    const opt = tf.train.adam(1e-2);
    const trained = new Set(model.blockVariables(1).map((v) => v.name));
    const losses: number[] = [];
    trainStep(opt, model.blockVariables(1), () => lmLoss(model, batch)); // warm-up: optimiser slots
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) losses.push(trainStep(opt, model.blockVariables(1), () => lmLoss(model, batch)));
    assert.equal(tf.memory().numTensors, count, 'training steps leaked tensors');
    assert.ok(losses[2] < losses[0], `loss should fall: ${losses}`);
    for (const v of model.allVariables()) {
      const same = Buffer.compare(Buffer.from(before.get(v.name)!.buffer), Buffer.from((v.dataSync() as Float32Array).buffer)) === 0;
      assert.equal(same, !trained.has(v.name), `${v.name}: ${trained.has(v.name) ? 'trained but unchanged' : 'frozen but changed'}`);
    }
    opt.dispose();
    batch.dispose();
    model.dispose();
  });
});
