#!/usr/bin/env node
/**
 * Register the `lftf` Jupyter kernel ("TypeScript (LFTF)"): tslab from this checkout, with
 * `import * as lftf from "lftf"` working in any notebook inside the checkout.
 *
 *   npm run kernel:install [-- --prefix P] [-- --python PY] [-- --user] [-- --name N]
 *   node kernel/install.mjs --which-python     print the python that has Jupyter, or fail
 *
 * Where: --prefix P -> P/share/jupyter/kernels/<name>; --user -> the per-user kernels folder;
 * otherwise the sys.prefix of the chosen python (its own Jupyter finds it there).
 * Python: --python, else $LFTF_PY_VENV/bin/python, <repo>/.venv-ref/bin/python, python3,
 * python: the first that can import jupyter_client.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSelfLink } from './self-link.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function die(msg) {
  console.error(`[lftf] kernel install: ${msg}`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { name: 'lftf', user: false, whichPython: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) die(`${flag} needs a value`);
      return v;
    };
    if (flag === '--prefix') opts.prefix = resolve(value());
    else if (flag === '--python') opts.python = value();
    else if (flag === '--name') opts.name = value();
    else if (flag === '--user') opts.user = true;
    else if (flag === '--which-python') opts.whichPython = true;
    else if (flag === '--help' || flag === '-h') {
      console.log('usage: node kernel/install.mjs [--prefix P] [--python PY] [--user] [--name N] [--which-python]');
      process.exit(0);
    } else die(`unknown argument ${a}`);
  }
  if (opts.prefix && opts.user) die('--prefix and --user exclude each other');
  if (!/^[a-z0-9._-]+$/i.test(opts.name)) die(`kernel name "${opts.name}" must be letters, digits, . _ -`);
  return opts;
}

/** Each candidate python with why it was rejected; the first with jupyter_client wins. */
function findPython(explicit) {
  const candidates = explicit
    ? [explicit]
    : [
        process.env.LFTF_PY_VENV && join(process.env.LFTF_PY_VENV, 'bin', 'python'),
        join(repo, '.venv-ref', 'bin', 'python'),
        'python3',
        'python',
      ].filter(Boolean);
  const tried = [];
  for (const py of [...new Set(candidates)]) {
    if (py.includes('/') && !existsSync(py)) {
      tried.push(`${py} (not found)`);
      continue;
    }
    const r = spawnSync(py, ['-c', 'import jupyter_client, sys; print(sys.prefix)'], { encoding: 'utf8' });
    if (r.error) tried.push(`${py} (${r.error.code === 'ENOENT' ? 'not found' : r.error.message})`);
    else if (r.status !== 0) tried.push(`${py} (no jupyter_client: ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 120)})`);
    else return { python: py, sysPrefix: r.stdout.trim() };
  }
  die(
    `no Python with Jupyter found; tried: ${tried.join('; ')}.\n` +
      '  Install it (bash scripts/setup-python.sh jupyter) or pass --python <python that has jupyter>.',
  );
}

const opts = parseArgs(process.argv.slice(2));
const { python, sysPrefix } = findPython(opts.python);
if (opts.whichPython) {
  console.log(python);
  process.exit(0);
}

const tslabMain = join(repo, 'node_modules', 'tslab', 'dist', 'main.js');
if (!existsSync(tslabMain)) die(`tslab not found at ${tslabMain}: run npm install in ${repo}`);
const link = ensureSelfLink(repo);
if (link !== 'ok' && link !== 'created') console.warn(`[lftf] warning: ${link}`);
if (!existsSync(join(repo, 'dist', 'src', 'index.d.ts'))) {
  console.warn(`[lftf] warning: ${join(repo, 'dist/src/index.d.ts')} is missing: run npm run build before using the kernel`);
}

const spec = {
  argv: [process.execPath, '--disable-warning=ExperimentalWarning', join(repo, 'kernel', 'launch.mjs'), '--config-path', '{connection_file}'],
  display_name: 'TypeScript (LFTF)',
  language: 'typescript',
  // TensorFlow's native start-up lines would otherwise land in the first cell's output.
  env: { TF_CPP_MIN_LOG_LEVEL: '2' },
  metadata: { lftf_repo: repo },
};
const dir = mkdtempSync(join(tmpdir(), 'lftf-kernelspec-'));
writeFileSync(join(dir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
const prefix = opts.user ? null : (opts.prefix ?? sysPrefix);
const py = [
  'import sys',
  'from jupyter_client.kernelspec import KernelSpecManager',
  'src, name, prefix = sys.argv[1], sys.argv[2], sys.argv[3]',
  "print(KernelSpecManager().install_kernel_spec(src, name, user=(prefix == ''), prefix=(prefix or None), replace=True))",
].join('\n');
const r = spawnSync(python, ['-c', py, dir, opts.name, prefix ?? ''], { encoding: 'utf8' });
rmSync(dir, { recursive: true, force: true });
if (r.status !== 0) die(`${python} could not install the kernel spec:\n${r.stderr || r.error}`);
console.log(`[lftf] kernel "${opts.name}" (TypeScript (LFTF)) installed in ${r.stdout.trim()} (python: ${python})`);
