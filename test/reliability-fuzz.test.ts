/**
 * Property tests (fast-check): the parsers of user files never crash the process, never hang,
 * and report every malformation as an LftfError. Each case is time-bounded; case counts are
 * printed as diagnostics (seeded, so a failure reproduces).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LftfError } from '../src/errors.js';
import { parseSafetensors, tensorToFloat32, writeSafetensors } from '../src/engine/safetensors.js';
import { parseDatasetRow, readDatasetJsonl } from '../src/data/jsonl.js';
import { parseMultipleChoiceJsonl } from '../src/metrics/multiple-choice.js';
import { REPO } from './helpers/python.js';

const SEED = 20250611;
const FIXTURES = join(REPO, 'test', 'fixtures', 'reliability');
/** Most milliseconds one case may take: a parser that loops fails the property. */
const CASE_MS = 200;

/** Runs `fn`; returns normally when it succeeded or threw an LftfError, throws otherwise. */
function onlyLftfError(fn: () => unknown): void {
  const t0 = performance.now();
  try {
    fn();
  } catch (e) {
    if (!(e instanceof LftfError)) throw new Error(`not an LftfError: ${(e as Error)?.stack ?? e}`);
    assert.ok(e.message.length > 0 && !e.message.includes('\n'), `one-line message: ${e.message}`);
  }
  const ms = performance.now() - t0;
  if (ms > CASE_MS) throw new Error(`one case took ${ms.toFixed(0)} ms`);
}

function validSafetensors(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'lftf-fuzz-'));
  const path = join(dir, 'x.safetensors');
  writeSafetensors(path, [
    { name: 'a', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { name: 'b.weight', shape: [4], data: Float32Array.from([0.5, -1, 2, 8]) },
    { name: 'scalar', shape: [], data: Float32Array.from([7]) },
  ]);
  return new Uint8Array(readFileSync(path));
}

/** Parses and, when it parses, decodes every tensor: decoding must not read out of bounds. */
function parseAndRead(bytes: Uint8Array): void {
  const f = parseSafetensors(bytes, 'fuzz.safetensors');
  for (const name of f.tensors.keys()) tensorToFloat32(f, name);
}

const counts: Record<string, number> = {};
function run<T>(name: string, arb: fc.Arbitrary<T>, check: (v: T) => void, numRuns: number): void {
  counts[name] = 0;
  fc.assert(fc.property(arb, (v) => { counts[name]++; check(v); }), { seed: SEED, numRuns });
}

describe('fuzzing the parsers of user files', () => {
  const valid = validSafetensors();
  const headerLen = Number(new DataView(valid.buffer, valid.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(valid.subarray(8, 8 + headerLen)));
  const dataSection = valid.subarray(8 + headerLen);
  const rebuild = (h: unknown, data: Uint8Array = dataSection): Uint8Array => {
    const json = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  };

  test('parseSafetensors: random bytes', () => {
    run('safetensors random bytes', fc.uint8Array({ maxLength: 256 }), (b) => onlyLftfError(() => parseAndRead(b)), 2000);
    // Random bytes after a plausible length prefix reach the JSON and entry checks too.
    run('safetensors random header text', fc.string({ maxLength: 200 }), (s) => {
      const json = new TextEncoder().encode(s);
      onlyLftfError(() => parseAndRead(rebuildRaw(json, dataSection)));
    }, 1000);
  });

  test('parseSafetensors: mutations of a valid file (flip, truncate, extend, splice)', () => {
    parseAndRead(valid); // the seed itself is fine
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(valid.length - 1), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(valid.length), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('extend' as const), at: fc.nat(64), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('length' as const), at: fc.nat(7), value: fc.integer({ min: 0, max: 255 }) }),
    );
    run('safetensors byte mutations', fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
      let b = valid.slice();
      for (const m of ms) {
        if (m.kind === 'flip' || m.kind === 'length') b[Math.min(m.at, b.length - 1)] = m.value;
        else if (m.kind === 'truncate') b = b.slice(0, m.at);
        else { const e = new Uint8Array(b.length + m.at).fill(m.value); e.set(b); b = e; }
      }
      onlyLftfError(() => parseAndRead(b));
    }, 2000);
  });

  test('parseSafetensors: corrupted header fields (offsets, dtypes, shapes, entries)', () => {
    const names = ['a', 'b.weight', 'scalar'];
    const value = fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom(2 ** 53, -0, 1.5, NaN, 1e300), fc.string({ maxLength: 8 }), fc.constant(null),
      fc.array(fc.integer({ min: -2, max: 64 }), { maxLength: 4 }), fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I32', 'U8', 'BOOL', 'toString', '__proto__', 'constructor', 'F8_E4M3'));
    const edit = fc.record({ name: fc.constantFrom(...names, '__metadata__', 'new'), field: fc.constantFrom('dtype', 'shape', 'data_offsets', 'whole', 'delete'), value });
    run('safetensors header edits', fc.tuple(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.nat(dataSection.length)), ([edits, keep]) => {
      const h = structuredClone(header);
      for (const e of edits) {
        if (e.field === 'delete') delete h[e.name];
        else if (e.field === 'whole' || h[e.name] === null || typeof h[e.name] !== 'object') h[e.name] = e.value;
        else h[e.name][e.field] = e.value;
      }
      onlyLftfError(() => parseAndRead(rebuild(h, dataSection.subarray(0, keep))));
    }, 2000);
  });

  function rebuildRaw(json: Uint8Array, data: Uint8Array): Uint8Array {
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  }

  const validRow = JSON.parse(readFileSync(join(FIXTURES, 'dataset', 'genbias.jsonl'), 'utf8').split('\n')[0]);

  test('dataset rows: parseDatasetRow on any JSON value and on edited valid rows', () => {
    run('dataset row: any JSON value', fc.jsonValue(), (v) => onlyLftfError(() => parseDatasetRow(v, 'rows.jsonl:1')), 2000);
    const field = fc.constantFrom('id', 'dataset', 'split', 'profession', 'template_id', 'scale', 'prompt', 'hint', 'extra', '__proto__', 'constructor');
    run('dataset row: edited fields', fc.array(fc.tuple(field, fc.option(fc.jsonValue(), { nil: undefined })), { minLength: 1, maxLength: 3 }), (edits) => {
      const row: Record<string, unknown> = JSON.parse(JSON.stringify(validRow));
      for (const [k, v] of edits) {
        if (v === undefined) delete row[k];
        else Object.defineProperty(row, k, { value: v, enumerable: true, configurable: true, writable: true });
      }
      onlyLftfError(() => parseDatasetRow(row, 'rows.jsonl:1'));
    }, 2000);
  });

  test('dataset files: readDatasetJsonl on random and mutated JSONL text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lftf-fuzz-jsonl-'));
    const text = readFileSync(join(FIXTURES, 'dataset', 'genbias.jsonl'), 'utf8');
    const arb = fc.oneof(
      fc.string({ maxLength: 300, unit: 'binary' }),
      fc.array(fc.jsonValue().map((v) => JSON.stringify(v) ?? 'undefined'), { maxLength: 5 }).map((l) => l.join('\n')),
      fc.tuple(fc.nat(text.length), fc.nat(text.length), fc.string({ maxLength: 10 })).map(([a, b, s]) => text.slice(0, a) + s + text.slice(b)),
    );
    counts['dataset file text'] = 0;
    let i = 0;
    await fc.assert(fc.asyncProperty(arb, async (s) => {
      counts['dataset file text']++;
      const path = join(dir, `f${i++ % 8}.jsonl`);
      writeFileSync(path, s);
      const t0 = performance.now();
      try {
        await readDatasetJsonl(path);
      } catch (e) {
        if (!(e instanceof LftfError)) throw new Error(`not an LftfError: ${(e as Error)?.stack ?? e}`);
        assert.ok(!e.message.includes('\n'));
      }
      assert.ok(performance.now() - t0 < CASE_MS * 2);
    }), { seed: SEED, numRuns: 1000 });
  });

  test('multiple-choice JSONL: parseMultipleChoiceJsonl on random and near-valid rows', () => {
    const mcRows = [
      { question: 'Q?', choices: { text: ['a', 'b'], label: ['A', 'B'] }, answerKey: 'A' },
      { question_stem: 'Q?', choices: { text: ['a', 'b'], label: ['A', 'B'] }, answerKey: 'B' },
      { premise: 'P', choice1: 'x', choice2: 'y', question: 'cause', label: 0 },
      { context: 'C', choices: ['x', 'y'], gold: 1 },
    ];
    for (const r of mcRows) parseMultipleChoiceJsonl(JSON.stringify(r), 'mc.jsonl'); // seeds parse
    run('multiple choice: random text', fc.string({ maxLength: 300 }), (s) => onlyLftfError(() => parseMultipleChoiceJsonl(s, 'mc.jsonl')), 1500);
    const task = fc.option(fc.constantFrom('arc_easy', 'arc_challenge', 'openbookqa', 'copa', 'generic', 'nope') as fc.Arbitrary<never>, { nil: undefined });
    const edited = fc.tuple(fc.constantFrom(...mcRows), fc.array(fc.tuple(fc.constantFrom('question', 'question_stem', 'choices', 'answerKey', 'premise', 'choice1', 'choice2', 'label', 'context', 'gold', 'text'), fc.option(fc.jsonValue(), { nil: undefined })), { maxLength: 3 }))
      .map(([row, edits]) => {
        const r: Record<string, unknown> = structuredClone(row);
        for (const [k, v] of edits) { if (v === undefined) delete r[k]; else r[k] = v; }
        return JSON.stringify(r);
      });
    run('multiple choice: edited rows', fc.tuple(fc.array(edited, { minLength: 1, maxLength: 4 }), task), ([lines, t]) => onlyLftfError(() => parseMultipleChoiceJsonl(lines.join('\n'), 'mc.jsonl', t)), 2000);
  });

  test('case counts', (t) => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    t.diagnostic(`fuzz cases run: ${JSON.stringify(counts)} (total ${total})`);
    assert.ok(total >= 10_000, `${total} cases`);
  });
});
