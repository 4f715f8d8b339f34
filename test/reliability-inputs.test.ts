/**
 * Hostile inputs and failing disks through the `lftf` command: every one gives exactly one line
 * `lftf: error: <file and line/field/tensor>: <what>`, exit 1, no stack trace (unless --debug), and
 * leaves nothing half-written. Validation that has no CLI flag is checked through the API.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { LftfError } from '../src/errors.js';
import { loadModel } from '../src/engine/checkpoint.js';
import { parseSafetensors, tensorToFloat32 } from '../src/engine/safetensors.js';
import { TextTokenizer } from '../src/engine/tokenizer.js';
import { readTemplates } from '../src/data/jsonl.js';
import { validateBiasTemplate, validatePronouns } from '../src/data/validate.js';
import { prepareData } from '../src/lftf/pipeline.js';
import { TuneContext, tuneBlocks } from '../src/lftf/tune.js';
import { ensureDir, writeFileAtomic } from '../src/util/fs-atomic.js';
import { REPO, referenceCheckpoints, referencePython } from './helpers/python.js';
import { useBackend } from './helpers/backends.js';

const BIN = join(REPO, 'bin', 'lftf.js');
const FIXTURES = join(REPO, 'test', 'fixtures', 'reliability');
const env = { ...process.env, LFTF_BACKEND: 'wasm', LFTF_PROGRESS: 'off' };
const py = referencePython();
const skipNoPython = py.python ? false : py.reason;
const tmp = (tag: string) => mkdtempSync(join(tmpdir(), `lftf-rel-${tag}-`));

/** Runs the CLI with a time bound: a hang is a failure, not a stuck suite. */
function cli(args: string[], timeoutMs = 60_000) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: timeoutMs });
  assert.equal(r.error, undefined, `lftf ${args.join(' ')} did not end within ${timeoutMs} ms`);
  return r;
}

/** Exit 1 and exactly one stderr line, `lftf: error: ...`, matching `pattern`, and no stack. */
function assertOneLine(r: ReturnType<typeof cli>, pattern: RegExp): string {
  const lines = r.stderr.trim().split('\n');
  assert.equal(r.status, 1, `exit status (stderr: ${r.stderr})`);
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], /^lftf: error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
  return lines[0];
}

/** Every temporary file of an atomic write is gone. */
function assertNoTemporaries(dir: string): void {
  const left = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'));
  assert.deepEqual(left, [], `temporary files left in ${dir}`);
}

// ---------------------------------------------------------------------------------------------
// Datasets

describe('dataset JSONL through `lftf eval --data`', { skip: skipNoPython }, () => {
  const valid = join(FIXTURES, 'dataset');
  const variant = (edit: (files: Record<string, string[]>) => void): string => {
    const dir = tmp('data');
    const files: Record<string, string[]> = {};
    for (const f of ['genbias.jsonl', 'genhint.jsonl']) files[f] = readFileSync(join(valid, f), 'utf8').split('\n');
    edit(files);
    for (const [f, lines] of Object.entries(files)) writeFileSync(join(dir, f), lines.join('\n'));
    return dir;
  };
  const evalData = (dir: string) => cli(['eval', '--model', join(referenceCheckpoints(), 'llama'), '--data', dir]);
  const cases: [string, (f: Record<string, string[]>) => void, RegExp][] = [
    ['malformed JSON row', (f) => { f['genbias.jsonl'][1] = '{"id": "x", broken'; }, /genbias\.jsonl:2: malformed JSON/],
    ['a missing field', (f) => { f['genhint.jsonl'][2] = f['genhint.jsonl'][2].replace(/"split":"\w+",/, ''); }, /genhint\.jsonl:3 field "split": missing field$/],
    ['a wrongly typed field', (f) => { f['genbias.jsonl'][0] = f['genbias.jsonl'][0].replace('"hint":null', '"hint":3'); }, /genbias\.jsonl:1 field "hint": expected one of "male", "female", null, got number 3$/],
    ['an unknown field', (f) => { f['genbias.jsonl'][0] = f['genbias.jsonl'][0].replace('{', '{"extra":1,'); }, /genbias\.jsonl:1 field "extra": unknown field/],
    ['a row that is not an object', (f) => { f['genhint.jsonl'][0] = '[1, 2]'; }, /genhint\.jsonl:1: expected a JSON object \(a dataset row\), got an array$/],
    ['an empty dataset', (f) => { f['genbias.jsonl'] = ['', '  ']; }, /genbias\.jsonl: empty dataset$/],
    ['a missing file', () => undefined, /genbias\.jsonl: file not found$/],
  ];
  for (const [name, edit, pattern] of cases) {
    test(name, () => {
      const dir = name === 'a missing file' ? tmp('nodata') : variant(edit);
      assertOneLine(evalData(dir), pattern);
    });
  }
  test('--debug adds the stack trace', () => {
    const r = cli(['eval', '--debug', '--model', join(referenceCheckpoints(), 'llama'), '--data', tmp('nodata')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^lftf: error: .*genbias\.jsonl: file not found\n/);
    assert.match(r.stderr, /\n\s+at /);
  });
});

// ---------------------------------------------------------------------------------------------
// Templates and pronouns: library-level validation (no CLI flag takes them)

describe('templates and pronouns', () => {
  test('a template without {profession} names the file, line and field', async () => {
    const path = join(tmp('tpl'), 'templates.jsonl');
    writeFileSync(path, [
      JSON.stringify({ id: 'w1', scale: 'word', kind: 'bias', text: 'The {profession} smiled because' }),
      JSON.stringify({ id: 'w2', scale: 'word', kind: 'bias', text: 'The person smiled because' }),
    ].join('\n'));
    await assert.rejects(readTemplates(path), (e: unknown) => e instanceof LftfError
      && e.message === `${path}:2 field "text": template "w2" has no {profession} slot`);
    assert.throws(() => validateBiasTemplate({ id: 'b', scale: 'word', text: 'Someone waited because' }, 'biasTemplates[4]'),
      { name: 'LftfError', message: 'biasTemplates[4] field "text": template "b" has no {profession} slot' });
  });

  test('a pronoun the tokenizer cannot encode is named', () => {
    const tok = TextTokenizer.fromJSON(JSON.parse(readFileSync(join(FIXTURES, 'wordlevel-tokenizer.json'), 'utf8')), {}, 'wordlevel-tokenizer.json');
    validatePronouns({ male: 'he', female: 'she' }, tok); // both encodable: passes
    assert.throws(() => validatePronouns({ male: 'he', female: 'xe' }, tok), (e: unknown) => e instanceof LftfError
      && e.code === 'bad-pronoun' && e.message.startsWith('pronouns.female: the tokenizer cannot encode " xe"'));
  });

  test('a pronoun that does not round-trip is named', { skip: skipNoPython }, () => {
    // The Llama reference tokenizer maps the pronoun through its byte fallback; a fake decoder shows the check.
    const tok = { encode: (s: string) => [s.length], decode: () => '<unk>' };
    assert.throws(() => validatePronouns({ male: 'he', female: 'she' }, tok), { message: /^pronouns\.male: the tokenizer does not round-trip " he"/ });
  });
});

// ---------------------------------------------------------------------------------------------
// Checkpoint folders: safetensors, config.json, tokenizer.json

type Edit = (dir: string) => void;
function brokenModel(edit: Edit): string {
  const dir = tmp('model');
  cpSync(join(referenceCheckpoints(), 'llama'), dir, { recursive: true });
  edit(dir);
  return dir;
}
function editSafetensors(fn: (header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>, data: Buffer, name: string) => Buffer | void): Edit {
  return (dir) => {
    const p = join(dir, 'model.safetensors');
    const b = readFileSync(p);
    const n = Number(b.readBigUInt64LE(0));
    const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8'));
    const name = 'model.layers.1.mlp.down_proj.weight';
    const data = b.subarray(8 + n);
    const out = fn(header, data, name) ?? data;
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeFileSync(p, Buffer.concat([len, json, out]));
  };
}
function editBytes(fn: (b: Buffer) => Buffer): Edit {
  return (dir) => writeFileSync(join(dir, 'model.safetensors'), fn(Buffer.from(readFileSync(join(dir, 'model.safetensors')))));
}
function editJson(file: string, fn: (j: Record<string, any>) => unknown): Edit {
  return (dir) => {
    const j = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const r = fn(j);
    writeFileSync(join(dir, file), typeof r === 'string' ? r : JSON.stringify(j));
  };
}

const T = 'tensor "model.layers.1.mlp.down_proj.weight"';
const MODEL_CASES: [string, Edit, RegExp][] = [
  // safetensors
  ['safetensors: header length past the end', editBytes((b) => { b.writeBigUInt64LE(BigInt(b.length)); return b; }), /model\.safetensors: header length \d+ runs past the end of the file/],
  ['safetensors: header length absurd', editBytes((b) => { b.writeBigUInt64LE(2n ** 62n); return b; }), /model\.safetensors: header length \d+ is implausibly large/],
  ['safetensors: header not JSON', editBytes((b) => { b[8] = 0x23; return b; }), /model\.safetensors: header is not valid JSON/],
  ['safetensors: header not UTF-8', editBytes((b) => { b[9] = 0xff; return b; }), /model\.safetensors: header is not valid JSON/],
  ['safetensors: offsets outside the data', editSafetensors((h, d, n) => { h[n].data_offsets = [d.length - 4, d.length + 396]; }), new RegExp(`model\\.safetensors: ${T}: data_offsets \\[\\d+, \\d+\\] lie outside the data section`)],
  ['safetensors: reversed offsets', editSafetensors((h, d, n) => { h[n].data_offsets = [8, 4]; }), new RegExp(`${T}: data_offsets \\[8, 4\\] are reversed`)],
  ['safetensors: unknown dtype', editSafetensors((h, d, n) => { h[n].dtype = 'F8_E4M3'; }), new RegExp(`${T}: unsupported dtype "F8_E4M3"`)],
  ['safetensors: dtype "toString"', editSafetensors((h, d, n) => { h[n].dtype = 'toString'; }), new RegExp(`${T}: unsupported dtype "toString"`)],
  ['safetensors: integer dtype', editSafetensors((h, d, n) => { h[n].dtype = 'I32'; }), new RegExp(`${T}: dtype I32 is not a float type`)],
  ['safetensors: shape disagrees with byte size', editSafetensors((h, d, n) => { h[n].shape = [48, 97]; }), new RegExp(`${T}: shape \\[48,97\\] of F32 needs 18624 bytes but data_offsets hold 18432`)],
  ['safetensors: shape disagrees with the model', editSafetensors((h, d, n) => { h[n].shape = [96, 48]; }), new RegExp(`${T}: expected shape \\[48, 96\\], found \\[96, 48\\]`)],
  ['safetensors: truncated data section', editBytes((b) => b.subarray(0, b.length - 1000)), /model\.safetensors: tensor "[^"]+": data_offsets \[\d+, \d+\] lie outside the data section \(\d+ bytes; truncated\?\)/],
  ['safetensors: empty file', editBytes(() => Buffer.alloc(0)), /model\.safetensors: file is 0 bytes/],
  ['safetensors: 5 bytes', editBytes((b) => b.subarray(0, 5)), /model\.safetensors: file is 5 bytes, too short for the 8-byte header length/],
  ['safetensors: a folder, not a file', (d) => { rmSync(join(d, 'model.safetensors')); mkdirSync(join(d, 'model.safetensors')); }, /model\.safetensors: cannot read file \(EISDIR\)/],
  ['safetensors: a tensor missing', editSafetensors((h, d, n) => { delete h[n]; }), new RegExp(`model\\.safetensors: ${T} not found`)],
  ['safetensors: bad __metadata__', editSafetensors((h) => { (h as any).__metadata__ = { format: 1 }; }), /model\.safetensors: "__metadata__" is not an object of strings/],
  // config.json
  ['config: missing hidden_size', editJson('config.json', (c) => { delete c.hidden_size; }), /config\.json: field "hidden_size": missing required key$/],
  ['config: hidden_size not divisible by heads', editJson('config.json', (c) => { delete c.head_dim; c.hidden_size = 50; }), /config\.json: field "num_attention_heads": hidden size 50 is not divisible by 6 heads$/],
  ['config: heads not a multiple of kv heads', editJson('config.json', (c) => { c.num_key_value_heads = 4; }), /config\.json: field "num_key_value_heads": 6 attention heads are not a multiple of 4 key\/value heads$/],
  ['config: a string where a number belongs', editJson('config.json', (c) => { c.num_attention_heads = '6'; }), /config\.json: field "num_attention_heads": expected an integer >= 1, found "6"$/],
  ['config: vocab_size below the tokenizer', editJson('config.json', (c) => { c.vocab_size = 10; }), /\/config\.json: field "vocab_size": tokenizer has \d+ tokens but vocab_size is 10$/],
  ['config: rope_parameters not an object', editJson('config.json', (c) => { c.rope_parameters = 'x'; }), /config\.json: field "rope_parameters": expected an object or null, found "x"$/],
  ['config: unsupported rope type', editJson('config.json', (c) => { c.rope_parameters = { rope_type: 'yarn', factor: 2 }; }), /config\.json: field "rope_parameters\.rope_type": unsupported rope type "yarn"/],
  ['config: negative sliding_window', editJson('config.json', (c) => { c.model_type = 'mistral'; c.sliding_window = -3; }), /config\.json: field "sliding_window": expected an integer >= 1 or null, found -3$/],
  ['config: more layers than weights', editJson('config.json', (c) => { c.num_hidden_layers = 5; }), /model\.safetensors: tensor "model\.layers\.3\.[^"]+" not found$/],
  ['config: not JSON', editJson('config.json', () => '{"model_type": "llama",'), /config\.json: not valid JSON/],
  ['config: missing', (d) => rmSync(join(d, 'config.json')), /config\.json: config\.json not found/],
  // tokenizer.json
  ['tokenizer: not JSON', editJson('tokenizer.json', () => '{"model": '), /tokenizer\.json: not valid JSON/],
  ['tokenizer: no model section', editJson('tokenizer.json', (j) => { delete j.model; }), /tokenizer\.json: not a tokenizer\.json \(no "model" object\)$/],
  ['tokenizer: unknown model type', editJson('tokenizer.json', (j) => { j.model.type = 'Foo'; }), /tokenizer\.json: field "model\.type": unsupported tokenizer model type "Foo"/],
  ['tokenizer: vocab is a list', editJson('tokenizer.json', (j) => { j.model.vocab = [1, 2]; }), /tokenizer\.json: field "model\.vocab": a BPE model needs a non-empty object/],
  ['tokenizer: merges not a list', editJson('tokenizer.json', (j) => { j.model.merges = 5; }), /tokenizer\.json: cannot build the tokenizer/],
  ['tokenizer: unknown pre-tokenizer', editJson('tokenizer.json', (j) => { j.pre_tokenizer = { type: 'Nope' }; }), /tokenizer\.json: cannot build the tokenizer \(Unknown PreTokenizer type: Nope\)$/],
  ['tokenizer: missing', (d) => rmSync(join(d, 'tokenizer.json')), /tokenizer\.json: tokenizer\.json not found/],
  ['tokenizer_config.json not JSON', (d) => writeFileSync(join(d, 'tokenizer_config.json'), '{'), /tokenizer_config\.json: not valid JSON/],
];

describe('checkpoint folders through `lftf inspect logits`', { skip: skipNoPython }, () => {
  for (const [name, edit, pattern] of MODEL_CASES) {
    test(name, () => {
      const dir = brokenModel(edit);
      assertOneLine(cli(['inspect', 'logits', '--model', dir, '--text', 'The nurse said']), pattern);
    });
  }
  test('a missing model folder, and a file given as the folder', () => {
    assertOneLine(cli(['inspect', 'logits', '--model', '/nonexistent/model', '--text', 'hi']), /: \/nonexistent\/model: model folder not found$/);
    assertOneLine(cli(['inspect', 'logits', '--model', join(FIXTURES, 'wordlevel-tokenizer.json'), '--text', 'hi']), /wordlevel-tokenizer\.json: model folder not found$/);
  });
});

// ---------------------------------------------------------------------------------------------
// Unwritable run directories and a full disk

/** Mount a tmpfs (root + CAP_SYS_ADMIN only); returns an unmount function or the reason it cannot. */
function mountTmpfs(dir: string, opts: string): (() => void) | string {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot mount a tmpfs here (${(r.stderr || String(r.error)).trim()})`;
  return () => { spawnSync('umount', ['-l', dir]); };
}

const TUNE = (model: string, out: string, extra: string[] = []) => ['tune', '--model', model, '--block', '1', '--steps', '4', '--checkpoint-every', '2',
  '--eval-every', '0', '--max-train-prompts', '16', '--max-dev-prompts', '8', '--batch-size', '8', '--out', out, ...extra];

describe('unwritable run directories and a full disk', { skip: skipNoPython }, () => {
  test('ensureDir ends, with one clear reason, where mkdir -p would spin or mislead', () => {
    const t0 = Date.now();
    assert.throws(() => ensureDir('/proc/lftf-x/run'), { name: 'LftfError', message: /^\/proc\/lftf-x\/run: cannot create folder \(/ });
    const file = join(tmp('file'), 'a-file');
    writeFileSync(file, 'x');
    assert.throws(() => ensureDir(join(file, 'run')), { message: /a-file\/run: cannot create folder \(.*a-file is a file, not a folder\)$/ });
    assert.throws(() => writeFileAtomic(join(file, 'x.json'), '{}'), { name: 'LftfError', message: /a-file\/x\.json: cannot write file \(a path component is a file, not a folder\)$/ });
    const nested = join(tmp('ok'), 'a', 'b', 'c');
    ensureDir(nested);
    ensureDir(nested);
    assert.ok(existsSync(nested));
    assert.ok(Date.now() - t0 < 5000);
  });

  test('tune --out under a file: one line, exit 1', () => {
    const file = join(tmp('file'), 'a-file');
    writeFileSync(file, 'x');
    assertOneLine(cli(TUNE(join(referenceCheckpoints(), 'llama'), join(file, 'run'))), /a-file\/run: cannot create run directory \(.*a-file is a file, not a folder\)$/);
  });

  // Node 20's mkdirSync({recursive: true}) never returns for /proc/x; run directories are made
  // with ensureDir (src/util/fs-atomic.ts) instead.
  test('tune --out /proc/x: one line, exit 1 (not a hang)', () => {
    assertOneLine(cli(TUNE(join(referenceCheckpoints(), 'llama'), '/proc/lftf-x/run'), 15_000), /\/proc\/lftf-x\/run: cannot create/);
  });

  test('tune --out on a read-only file system: one line, exit 1, nothing written', (t) => {
    const ro = join(tmp('ro'), 'mnt');
    const umount = mountTmpfs(ro, 'ro,size=64k');
    if (typeof umount === 'string') return t.skip(umount);
    try {
      assertOneLine(cli(TUNE(join(referenceCheckpoints(), 'llama'), join(ro, 'run'))), /\/run: cannot create run directory/);
      assert.deepEqual(readdirSync(ro), []);
    } finally { umount(); }
  });

  test('the disk fills mid-run: one line naming the checkpoint; the last good checkpoint is intact; no temporaries', (t) => {
    // 360 KiB holds one block-1 checkpoint (param + Adam m + v, about 240 KB) but not a second
    // one written beside it: the step-2 checkpoint succeeds, the step-4 one hits ENOSPC.
    const mnt = join(tmp('full'), 'mnt');
    const umount = mountTmpfs(mnt, 'size=360k');
    if (typeof umount === 'string') return t.skip(umount);
    try {
      const run = join(mnt, 'run');
      assertOneLine(cli(TUNE(join(referenceCheckpoints(), 'llama'), run)), /run\/checkpoint\.safetensors: cannot write file \(no space left on device\)$/);
      assertNoTemporaries(mnt);
      const ckpt = parseSafetensors(readFileSync(join(run, 'checkpoint.safetensors')), 'checkpoint.safetensors');
      assert.equal(JSON.parse(ckpt.metadata.state).step, 2, 'the step-2 checkpoint is what is on disk');
      assert.equal(JSON.parse(readFileSync(join(run, 'checkpoint.json'), 'utf8')).step, 2);
      const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
      assert.equal(manifest.status, 'failed');
      assert.match(manifest.error, /no space left on device/);
      assert.equal(JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')).length, 2);
    } finally { umount(); }
  });

  test('writeFileAtomic on a full disk keeps the old file whole', (t) => {
    const mnt = join(tmp('full2'), 'mnt');
    const umount = mountTmpfs(mnt, 'size=64k');
    if (typeof umount === 'string') return t.skip(umount);
    try {
      const path = join(mnt, 'state.json');
      writeFileAtomic(path, JSON.stringify({ good: true }));
      assert.throws(() => writeFileAtomic(path, Buffer.alloc(200_000, 1)), { name: 'LftfError', message: `${path}: cannot write file (no space left on device)` });
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { good: true });
      assertNoTemporaries(mnt);
    } finally { umount(); }
  });
});

// ---------------------------------------------------------------------------------------------
// A non-finite loss

describe('NaN or Inf in the loss', { skip: skipNoPython }, () => {
  test('API: the error names the step and the terms; the checkpoint on disk is the last good one', async () => {
    await useBackend('wasm');
    const model = loadModel(join(referenceCheckpoints(), 'llama'));
    const prep = prepareData({ maxTrainPrompts: 16, maxDevPrompts: 8 });
    const ctx = new TuneContext(model, prep.data, 8, 0);
    const runDir = tmp('nan');
    let good: Float32Array[] = [];
    const poisoned = model.blockVariables(1)[0];
    try {
      assert.throws(() => tuneBlocks(ctx, [1], {
        steps: 6, lr: 1e-2, evalEvery: 0, runDir, checkpointEvery: 1,
        onCheckpoint: (steps) => {
          if (steps.length !== 2) return;
          good = model.blockVariables(1).map((v) => (v.dataSync() as Float32Array).slice());
          // After the step-2 checkpoint, one weight of block 1 turns NaN: step 3 must refuse to update.
          const values = (poisoned.dataSync() as Float32Array).slice();
          values[0] = NaN;
          poisoned.assign(tf.tensor(values, poisoned.shape));
        },
      }), (e: unknown) => e instanceof LftfError && e.code === 'non-finite-loss'
        && /loss is not finite at step 3 \(term (fair|hint|mass|keep|total)(, (fair|hint|mass|keep))*\); the last good checkpoint is kept$/.test(e.message)
        && e.message.startsWith(runDir));
      const ckpt = parseSafetensors(readFileSync(join(runDir, 'checkpoint.safetensors')), 'checkpoint.safetensors');
      assert.equal(JSON.parse(ckpt.metadata.state).step, 2);
      good.forEach((g, i) => assert.deepEqual(tensorToFloat32(ckpt, `param.${i}`), g, `param.${i} is the step-2 value`));
      assertNoTemporaries(runDir);
    } finally {
      ctx.dispose();
      model.dispose();
    }
  });

  test('CLI: a diverging run (--lr 1e30): one line naming step 2; the step-1 checkpoint stays; manifest says failed', () => {
    const out = tmp('nan-cli');
    const args = TUNE(join(referenceCheckpoints(), 'llama'), out);
    args[args.indexOf('--checkpoint-every') + 1] = '1';
    assertOneLine(cli([...args, '--lr', '1e30']), /: loss is not finite at step 2 \(term [a-z, ]+\); the last good checkpoint is kept$/);
    const ckpt = parseSafetensors(readFileSync(join(out, 'checkpoint.safetensors')), 'checkpoint.safetensors');
    assert.equal(JSON.parse(ckpt.metadata.state).step, 1);
    assert.equal(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).status, 'failed');
    assertNoTemporaries(out);
  });

  test('CLI: a checkpoint holding a NaN weight is refused at load, naming the tensor', () => {
    const dir = brokenModel(editSafetensors((h, data) => {
      data.writeFloatLE(NaN, h['model.layers.1.mlp.down_proj.weight'].data_offsets[0] + 4 * 5);
    }));
    assertOneLine(cli(['inspect', 'logits', '--model', dir, '--text', 'hi']), new RegExp(`model\\.safetensors: ${T}: value 5 is NaN \\(the checkpoint holds non-finite weights\\)$`));
  });
});
