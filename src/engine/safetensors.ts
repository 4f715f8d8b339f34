/**
 * The safetensors format: 8-byte little-endian header length N, N bytes of JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}, then the
 * raw little-endian data. Offsets are relative to the end of the header.
 * Every malformation is reported as an LftfError naming the file and the tensor.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { LftfError } from '../errors.js';
import { writeFileAtomic } from '../util/fs-atomic.js';

export type SafeDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<SafeDType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

export interface TensorEntry {
  name: string;
  dtype: SafeDType;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  path: string;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
  /** Bytes [begin, end) of the file (a file on disk is read there and then, not kept in memory). */
  read(begin: number, end: number): Uint8Array;
}

/** Largest header we accept (the reference implementation caps it at 100 MB too). */
const MAX_HEADER = 100_000_000;

/** Validate the header (N bytes of JSON after the 8-byte length) of a file of `size` bytes. */
function parseHeader(headerBytes: Uint8Array, size: number, path: string): Omit<SafetensorsFile, 'read'> {
  const fail = (msg: string, tensor?: string): never => {
    throw new LftfError('bad-safetensors', msg, tensor ? `${path}: tensor "${tensor}"` : path);
  };
  const n = headerBytes.byteLength;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = size - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
        fail('"__metadata__" is not an object of strings');
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    if (raw === null || typeof raw !== 'object') fail('entry is not an object', name);
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e.dtype === undefined) fail('entry has no dtype', name);
    // Object.hasOwn, not `in`: "toString" or "__proto__" must not pass for a dtype.
    if (typeof e.dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, e.dtype)) fail(`unsupported dtype ${JSON.stringify(e.dtype)}`, name);
    const dtype = e.dtype as SafeDType;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`, name);
    const shape = e.shape as number[];
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`data_offsets ${JSON.stringify(off)} are not two non-negative integers`, name);
    const [b, en] = off as [number, number];
    if (b > en) fail(`data_offsets [${b}, ${en}] are reversed`, name);
    if (en > dataLen) fail(`data_offsets [${b}, ${en}] lie outside the data section (${dataLen} bytes; truncated?)`, name);
    const count = shape.reduce((a, d) => a * d, 1);
    const want = count * DTYPE_BYTES[dtype];
    if (want !== en - b) fail(`shape [${shape}] of ${dtype} needs ${want} bytes but data_offsets hold ${en - b}`, name);
    tensors.set(name, { name, dtype, shape, begin: dataStart + b, end: dataStart + en });
  }
  return { path, tensors, metadata };
}

/** The header length N, checked against the file size. */
function headerLength(first8: Uint8Array, size: number, path: string): number {
  const fail = (msg: string): never => { throw new LftfError('bad-safetensors', msg, path); };
  if (size < 8) fail(`file is ${size} bytes, too short for the 8-byte header length (truncated?)`);
  const n = Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER) fail(`header length ${n} is implausibly large (corrupt file?)`);
  if (8 + n > size) fail(`header length ${n} runs past the end of the file (${size} bytes; truncated?)`);
  return n;
}

/** A safetensors file held in memory. */
export function parseSafetensors(bytes: Uint8Array, path = '<buffer>'): SafetensorsFile {
  const n = headerLength(bytes, bytes.byteLength, path);
  const parsed = parseHeader(bytes.subarray(8, 8 + n), bytes.byteLength, path);
  return { ...parsed, read: (begin, end) => bytes.subarray(begin, end) };
}

function readExactly(path: string, begin: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new LftfError('missing-file', `cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, path);
  }
  try {
    for (let done = 0; done < length;) {
      let got: number;
      try {
        got = readSync(fd, out, done, length - done, begin + done);
      } catch (e) {
        throw new LftfError('missing-file', `cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, path);
      }
      if (got === 0) throw new LftfError('bad-safetensors', `file ended at byte ${begin + done}, before byte ${begin + length} (changed or truncated while reading?)`, path);
      done += got;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/**
 * A safetensors file on disk: the header is read and checked now; each tensor's bytes are read
 * when asked for, so loading a model never holds the whole file in memory.
 */
export function readSafetensors(path: string): SafetensorsFile {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new LftfError('missing-file', `cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, path);
  }
  const n = headerLength(size >= 8 ? readExactly(path, 0, 8) : new Uint8Array(8), size, path);
  const parsed = parseHeader(readExactly(path, 8, n), size, path);
  return { ...parsed, read: (begin, end) => readExactly(path, begin, end - begin) };
}

// f16 -> f32 through a 65536-entry table: one lookup per value.
let f16Table: Float32Array | undefined;
function halfToFloatTable(): Float32Array {
  if (f16Table) return f16Table;
  f16Table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    f16Table[h] = e === 0 ? s * m * 2 ** -24
      : e === 31 ? (m ? NaN : s * Infinity)
      : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return f16Table;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decode a floating-point tensor to float32 (f16 and bf16 are widened exactly). An aligned F32
 * tensor on a little-endian machine comes back as a view of the bytes read, without a copy (of
 * the caller's buffer, for a file parsed in memory): treat the result as read-only.
 */
export function tensorToFloat32(file: SafetensorsFile, name: string): Float32Array {
  const e = file.tensors.get(name);
  if (!e) throw new LftfError('missing-tensor', `tensor "${name}" not found`, file.path);
  const n = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
  const src = file.read(e.begin, e.end);
  if (e.dtype === 'F32' && LITTLE_ENDIAN && src.byteOffset % 4 === 0) return new Float32Array(src.buffer, src.byteOffset, n);
  const view = new DataView(src.buffer, src.byteOffset, e.end - e.begin);
  const out = new Float32Array(n);
  switch (e.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F16': {
      const t = halfToFloatTable();
      for (let i = 0; i < n; i++) out[i] = t[view.getUint16(2 * i, true)];
      break;
    }
    case 'BF16': {
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    default:
      throw new LftfError('bad-dtype', `dtype ${e.dtype} is not a float type (F32, F16, BF16 or F64 is needed)`, `${file.path}: tensor "${name}"`);
  }
  return out;
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Write float32 tensors as a safetensors file, atomically, header padded to 8 bytes. */
export function writeSafetensors(path: string, tensors: TensorToWrite[], metadata: Record<string, string> = { format: 'pt' }): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length) throw new LftfError('shape-mismatch', `tensor "${t.name}": shape [${t.shape}] holds ${count} values, data has ${t.data.length}`, path);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  const parts: Uint8Array[] = [len, headerBytes];
  for (const t of tensors) parts.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  writeFileAtomic(path, parts);
}
