#!/usr/bin/env node
/**
 * The `lftf` Jupyter kernel, started by Jupyter through kernel.json (written by install.mjs):
 * this checkout's tslab, so that the copy of tslab the kernel runs is the copy lftf's notebook
 * bridge (src/notebook/tslab.ts) finds in the module cache.
 *   node launch.mjs --config-path <connection file>
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSelfLink } from './self-link.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(repo, 'package.json'));

const linked = ensureSelfLink(repo);
if (linked !== 'ok' && linked !== 'created') console.error(`[lftf kernel] ${linked}`);

const at = process.argv.indexOf('--config-path');
const configPath = at >= 0 ? process.argv[at + 1] : undefined;
if (!configPath) {
  console.error('usage: launch.mjs --config-path <connection file> (Jupyter passes it)');
  process.exit(2);
}
let tslab;
try {
  tslab = require('tslab/dist/main.js');
} catch (e) {
  console.error(`[lftf kernel] tslab is not installed in ${repo}/node_modules: run npm install there (${e.message})`);
  process.exit(1);
}
// enableFindLocal: false keeps this copy even when a notebook folder has its own tslab.
tslab.startKernel({
  configPath,
  enableFindLocal: false,
  jsKernel: false,
  globalVersion: require('tslab/package.json').version,
});
