/**
 * Where a family's loader reads Hugging Face tensors from: one safetensors file, the shards of
 * model.safetensors.index.json, or an in-memory map (random initialisation).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LftfError } from '../errors.js';
import { readSafetensors, tensorToFloat32, type SafetensorsFile } from './safetensors.js';

export interface WeightSource {
  /** Where the weights come from, for error messages. */
  readonly where: string;
  has(name: string): boolean;
  /** The tensor as float32; checks the shape. */
  read(name: string, shape: number[]): Float32Array;
}

export function checkShape(where: string, name: string, found: number[], expected: number[]): void {
  if (found.length !== expected.length || found.some((d, i) => d !== expected[i])) {
    throw new LftfError('shape-mismatch', `tensor "${name}": expected shape [${expected.join(', ')}], found [${found.join(', ')}]`, where);
  }
}

export class SafetensorsSource implements WeightSource {
  readonly where: string;
  private readonly files: SafetensorsFile[];
  private readonly index = new Map<string, SafetensorsFile>();

  constructor(where: string, files: SafetensorsFile[]) {
    this.where = where;
    this.files = files;
    for (const f of files) for (const name of f.tensors.keys()) this.index.set(name, f);
  }

  /** model.safetensors, or the shards listed by model.safetensors.index.json. */
  static fromFolder(dir: string): SafetensorsSource {
    const single = join(dir, 'model.safetensors');
    if (existsSync(single)) return new SafetensorsSource(single, [readSafetensors(single)]);
    const indexPath = join(dir, 'model.safetensors.index.json');
    if (!existsSync(indexPath)) {
      throw new LftfError('missing-file', 'no model.safetensors or model.safetensors.index.json (only safetensors weights are supported)', dir);
    }
    let index: { weight_map?: Record<string, string> };
    try {
      index = JSON.parse(readFileSync(indexPath, 'utf8'));
    } catch (e) {
      throw new LftfError('bad-safetensors', `not valid JSON (${(e as Error).message})`, indexPath);
    }
    if (!index.weight_map || typeof index.weight_map !== 'object') throw new LftfError('bad-safetensors', 'missing "weight_map" object', `${indexPath}: field "weight_map"`);
    const shards = [...new Set(Object.values(index.weight_map))].sort();
    const files = shards.map((s) => readSafetensors(join(dir, s)));
    const src = new SafetensorsSource(indexPath, files);
    for (const [name, shard] of Object.entries(index.weight_map)) {
      if (!src.index.has(name)) throw new LftfError('missing-tensor', `tensor "${name}" is listed in the index but absent from ${shard}`, indexPath);
    }
    return src;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  read(name: string, shape: number[]): Float32Array {
    const f = this.index.get(name);
    if (!f) throw new LftfError('missing-tensor', `tensor "${name}" not found`, this.where);
    checkShape(f.path, name, f.tensors.get(name)!.shape, shape);
    const data = tensorToFloat32(f, name);
    // A NaN or Inf weight would surface much later as a NaN probability far from its cause.
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new LftfError('non-finite-weight', `value ${i} is ${data[i]} (the checkpoint holds non-finite weights)`, `${f.path}: tensor "${name}"`);
      }
    }
    return data;
  }

  get fileCount(): number {
    return this.files.length;
  }
}

export class MemorySource implements WeightSource {
  readonly where: string;
  constructor(private readonly tensors: Map<string, { shape: number[]; data: Float32Array }>, where = '<memory>') {
    this.where = where;
  }
  has(name: string): boolean {
    return this.tensors.has(name);
  }
  read(name: string, shape: number[]): Float32Array {
    const t = this.tensors.get(name);
    if (!t) throw new LftfError('missing-tensor', `tensor "${name}" not found`, this.where);
    checkShape(this.where, name, t.shape, shape);
    return t.data;
  }
}

/** Row-major transpose of a [rows, cols] matrix. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c];
  }
  return out;
}
