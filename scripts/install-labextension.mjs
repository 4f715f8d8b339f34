#!/usr/bin/env node
/**
 * Install the prebuilt JupyterLab extension (extensions/jupyterlab-lftf/dist/labextension,
 * made by `npm run extension:build`) where JupyterLab finds prebuilt extensions:
 *   npm run extension:install [-- --prefix P]    -> P/share/jupyter/labextensions/jupyterlab-lftf
 * Without --prefix: the sys.prefix of the Python that has Jupyter (same search as the kernel
 * installer: $LFTF_PY_VENV, <repo>/.venv-ref, python3, python; or --python PY).
 * Writes install.json beside it, as `pip install` of a prebuilt extension would.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NAME = 'jupyterlab-lftf';
const built = join(repo, 'extensions', NAME, 'dist', 'labextension');

function die(msg) {
  console.error(`[lftf] extension install: ${msg}`);
  process.exit(1);
}

const argv = process.argv.slice(2);
let prefix;
let python;
for (let i = 0; i < argv.length; i++) {
  const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
  const value = () => inline ?? argv[++i] ?? die(`${flag} needs a value`);
  if (flag === '--prefix') prefix = resolve(value());
  else if (flag === '--python') python = value();
  else die(`unknown argument ${argv[i]} (use --prefix P or --python PY)`);
}

if (!existsSync(join(built, 'package.json'))) die(`${built} is missing: run npm run extension:build first`);

if (!prefix) {
  const which = spawnSync(process.execPath, [join(repo, 'kernel', 'install.mjs'), '--which-python', ...(python ? ['--python', python] : [])], { encoding: 'utf8' });
  if (which.status !== 0) die(`no --prefix given and ${which.stderr.trim().replace(/^\[lftf\] kernel install: /, '')}`);
  const py = which.stdout.trim();
  const r = spawnSync(py, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' });
  if (r.status !== 0) die(`${py} did not report its sys.prefix`);
  prefix = r.stdout.trim();
}

const dest = join(prefix, 'share', 'jupyter', 'labextensions', NAME);
rmSync(dest, { recursive: true, force: true });
mkdirSync(dirname(dest), { recursive: true });
cpSync(built, dest, { recursive: true });
const version = JSON.parse(readFileSync(join(built, 'package.json'), 'utf8')).version;
writeFileSync(
  join(dest, 'install.json'),
  `${JSON.stringify(
    {
      packageManager: 'npm',
      packageName: NAME,
      uninstallInstructions: `Remove ${dest}`,
    },
    null,
    2,
  )}\n`,
);
console.log(`[lftf] ${NAME} ${version} installed in ${dest}`);
