/**
 * Hugging Face checkpoint folders: config.json + model.safetensors (or a sharded index) +
 * tokenizer.json, loaded into a family model; and saved back in the same layout.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../backend.js';
import { LftfError } from '../errors.js';
import { ensureDir, writeFileAtomic } from '../util/fs-atomic.js';
import { readConfig, type ModelConfig } from './config.js';
import { Gpt2Model } from './gpt2.js';
import { LlamaModel } from './llama.js';
import type { DecoderModel } from './model.js';
import { writeSafetensors } from './safetensors.js';
import { TextTokenizer } from './tokenizer.js';
import { SafetensorsSource, type WeightSource } from './weights.js';

/** The embedded teaching model shipped with the package (models/bias-lab). */
export function embeddedModelDir(): string {
  return join(PACKAGE_ROOT, 'models', 'bias-lab');
}

export function buildModel(config: ModelConfig, tokenizer: TextTokenizer, weights: WeightSource, name: string, configPath = 'config.json'): DecoderModel {
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new LftfError('bad-config', `tokenizer has ${tokenizer.vocabSize} tokens but vocab_size is ${config.vocabSize}`, `${configPath}: field "vocab_size"`);
  }
  return config.family === 'gpt2'
    ? Gpt2Model.fromWeights(config, tokenizer, weights, name)
    : LlamaModel.fromWeights(config, tokenizer, weights, name);
}

/** Load a checkpoint folder. Errors name the file and the field or tensor at fault. */
export function loadModel(dir: string, opts: { name?: string } = {}): DecoderModel {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new LftfError('missing-model', 'model folder not found', abs);
  const configPath = join(abs, 'config.json');
  const config = readConfig(configPath);
  const tokenizer = TextTokenizer.fromFolder(abs);
  const weights = SafetensorsSource.fromFolder(abs);
  return buildModel(config, tokenizer, weights, opts.name ?? basename(abs), configPath);
}

/** Save a model as a Hugging Face folder (atomic per file): transformers loads it as is. */
export function saveModel(model: DecoderModel, dir: string, extraConfig: Record<string, unknown> = {}): void {
  ensureDir(dir, 'cannot create the model folder');
  writeSafetensors(join(dir, 'model.safetensors'), model.toHuggingFace());
  const config = { ...model.config.raw, ...extraConfig };
  writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  writeFileAtomic(join(dir, 'tokenizer.json'), JSON.stringify(model.tokenizer.json) + '\n');
  writeFileAtomic(join(dir, 'tokenizer_config.json'), JSON.stringify(model.tokenizer.tokenizerConfig, null, 2) + '\n');
}
