#!/usr/bin/env node
/**
 * Build the prebuilt JupyterLab extension without Python (`npm run extension:build` at the repo
 * root): npm ci here if node_modules is missing or stale, tsc, then @jupyterlab/builder's
 * build-labextension.js against a core package.json taken from @jupyterlab/core-meta.
 * Output: dist/labextension (see "jupyterlab.outputDir"). Skipped when that output is newer
 * than every input; --force rebuilds anyway, --dev builds unminified.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dev = process.argv.includes('--dev');
const force = process.argv.includes('--force') || dev;
const run = (cmd, args) => execFileSync(cmd, args, { cwd: here, stdio: 'inherit' });
const t0 = Date.now();
const step = (msg) => console.log(`[lftf] extension: ${msg} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

/** Newest modification time under the given files and folders. */
function newest(paths) {
  let t = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(readdirSync(p).map((f) => join(p, f))) : st.mtimeMs);
  }
  return t;
}
const output = join(here, 'dist', 'labextension', 'package.json');
const inputs = ['src', 'style', 'package.json', 'package-lock.json', 'tsconfig.json', 'build.mjs', 'webpack.config.js'].map((f) => join(here, f));
inputs.push(join(here, '..', '..', 'src', 'results.ts'), join(here, '..', '..', 'src', 'notebook', 'format.ts'));
if (!force && existsSync(output) && statSync(output).mtimeMs > newest(inputs)) {
  console.log(`[lftf] extension: up to date (${dirname(output)}); --force to rebuild`);
  process.exit(0);
}

const stamp = join(here, 'node_modules', '.package-lock.json');
if (!existsSync(stamp) || statSync(stamp).mtimeMs < statSync(join(here, 'package-lock.json')).mtimeMs) {
  step('installing build dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
step('tsc');
rmSync(join(here, 'lib'), { recursive: true, force: true });
run(process.execPath, [join(here, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);

const core = join(here, '.core');
mkdirSync(core, { recursive: true });
copyFileSync(join(here, 'node_modules', '@jupyterlab', 'core-meta', 'core.package.json'), join(core, 'package.json'));
rmSync(join(here, 'dist', 'labextension'), { recursive: true, force: true });
step(`webpack (${dev ? 'development' : 'production'}; plotly makes this take a while)`);
run(process.execPath, [
  join(here, 'node_modules', '@jupyterlab', 'builder', 'lib', 'build-labextension.js'),
  '--core-path',
  core,
  ...(dev ? ['--development'] : []),
  here,
]);
step(`built ${join(here, 'dist', 'labextension')}`);
