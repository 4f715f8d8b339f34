#!/usr/bin/env node
// lftf postinstall: make the native TensorFlow.js backend ("tensorflow", from
// @tensorflow/tfjs-node) loadable, without touching package.json / package-lock.json.
//
// Order:
//   0. LFTF_SKIP_NATIVE=1                     -> skip (one line).
//   1. an already-loadable tfjs-node(-gpu)     -> record it, done ("existing").
//   2. sidecar install of @tensorflow/tfjs-node into <repo>/.native (scripts ignored),
//      with the sidecar's own copies of @tensorflow/tfjs* removed, so that it resolves the
//      project's single top-level @tensorflow/tfjs / tfjs-core (one engine, one registry).
//   3. ordinary path: tfjs-node's own scripts/install.js (downloads libtensorflow and a
//      prebuilt binding; needs internet), with a timeout            -> "download".
//   4. offline path: TensorFlow C library from the tensorflow-cpu wheel (pip download),
//      binding built with node-pre-gyp --build-from-source          -> "wheel-build".
//      The built binding is cached under .cache/native-build/ so a rebuild is a copy.
//   Result: .cache/native-backend.json {"module", "how", "built_at"} and, when nothing
//   else is there, a symlink node_modules/@tensorflow/tfjs-node -> the sidecar package.
// Whatever happens, exit status is 0; on failure exactly one notice line is printed.
//
// Environment knobs:
//   LFTF_SKIP_NATIVE=1              skip everything
//   LFTF_NATIVE_DOWNLOAD_TIMEOUT=s  timeout for tfjs-node's own install.js (default 600)
//   LFTF_NATIVE_NO_DOWNLOAD=1       skip step 3 (go straight to the wheel build)
//   LFTF_NATIVE_NO_LINK=1           do not create the node_modules symlink
//   LFTF_NATIVE_CACHE=dir           where wheels / libtensorflow / built bindings are kept
//                                   (default <repo>/.cache); share it between clones
//   LFTF_TF_WHEEL_SPEC=spec         pip requirement for the wheel (default tensorflow-cpu==2.21.*)
//   PYTHON=python3                  python used for pip
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pipEnv } from './lib-pip.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(REPO, '.cache');
const BIG_CACHE = path.resolve(process.env.LFTF_NATIVE_CACHE || CACHE);
const LOG = path.join(CACHE, 'setup-native.log');
const LOG_REL = path.relative(process.cwd(), LOG) || LOG;
const RECORD = path.join(CACHE, 'native-backend.json');
const SIDE = path.join(REPO, '.native');
const SIDE_PKG = path.join(SIDE, 'node_modules', '@tensorflow', 'tfjs-node');
const TOP_LINK = path.join(REPO, 'node_modules', '@tensorflow', 'tfjs-node');
const WHEEL_SPEC = process.env.LFTF_TF_WHEEL_SPEC || 'tensorflow-cpu==2.21.*';
const PYTHON = process.env.PYTHON || 'python3';
const DL_TIMEOUT_S = Number(process.env.LFTF_NATIVE_DOWNLOAD_TIMEOUT || 600);
// The sidecar's copies of these are removed so the project's copies are used.
const DUP_PKGS = ['tfjs', 'tfjs-core', 'tfjs-layers', 'tfjs-converter', 'tfjs-data', 'tfjs-backend-cpu', 'tfjs-backend-webgl'];
const T0 = Date.now();

const say = (msg) => console.log(`[lftf] ${msg}`);
const secs = () => `${((Date.now() - T0) / 1000).toFixed(1)}s`;

class SetupError extends Error {
  /** @param {string} short one-line reason for the notice */
  constructor(short, detail) {
    super(detail || short);
    this.short = short;
  }
}

// ---------------------------------------------------------------------------- logging
let logFd = -1;
function openLog() {
  fs.mkdirSync(CACHE, { recursive: true });
  logFd = fs.openSync(LOG, 'w');
  log(`lftf setup-native ${new Date().toISOString()} node ${process.version} ${process.platform}-${process.arch}`);
  log(`repo ${REPO}; cwd ${process.cwd()}; npm_command=${process.env.npm_command ?? ''}`);
}
function log(msg) {
  if (logFd >= 0) fs.writeSync(logFd, `${msg}\n`);
}
function phase(msg) {
  say(`native: ${msg}`);
  log(`\n=== [${secs()}] ${msg}`);
}

// ---------------------------------------------------------------------------- processes
/**
 * Run a command, all output into the log. Resolves {code, timedOut}; never rejects.
 * @param {string} cmd @param {string[]} args
 * @param {{cwd?: string, env?: NodeJS.ProcessEnv, timeoutS?: number}} [opts]
 */
function run(cmd, args, opts = {}) {
  log(`$ (cd ${opts.cwd ?? process.cwd()}) ${cmd} ${args.join(' ')}`);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['ignore', logFd, logFd],
        detached: true, // own process group, so a timeout kills grandchildren too
      });
    } catch (e) {
      log(`spawn failed: ${e}`);
      resolve({ code: -1, timedOut: false });
      return;
    }
    let timedOut = false;
    const timer = opts.timeoutS
      ? setTimeout(() => {
          timedOut = true;
          log(`timeout after ${opts.timeoutS}s, killing process group ${child.pid}`);
          try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
        }, opts.timeoutS * 1000)
      : null;
    child.on('error', (e) => {
      log(`spawn error: ${e.message}`);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      log(`-> exit ${code ?? signal}${timedOut ? ' (timed out)' : ''}`);
      resolve({ code: code ?? -1, timedOut });
    });
  });
}

/** Environment for nested npm / node-gyp: drop npm_config_* that would redirect or neuter it. */
function childEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    const l = k.toLowerCase();
    if (/^npm_config_(global|location|prefix|dry_run|save.*|omit|include|production|only|package_lock.*|ignore_scripts|workspaces?|include_workspace_root|install_links|link|foreground_scripts)$/.test(l)) {
      delete env[k];
    }
  }
  return { ...env, ...extra };
}

// ---------------------------------------------------------------------------- probing
const PROBE_SRC = `
const { createRequire } = require('module');
process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || '2';
const [mod, repo] = process.argv.slice(1);
const out = { module: mod };
try {
  const tfn = require(mod);
  out.backend = tfn.getBackend();
  const a = tfn.tensor2d([[1, 2], [3, 4]]);
  out.matmul = Array.from(tfn.matMul(a, a).dataSync());
  try {
    const tf = createRequire(repo + '/package.json')('@tensorflow/tfjs');
    out.projectTfjs = tf.version_core || (tf.version && tf.version['tfjs-core']);
    out.sharedEngine = tf.engine() === tfn.engine() && tf.getBackend() === 'tensorflow';
  } catch (e) { out.projectTfjs = null; out.sharedEngine = null; }
} catch (e) { out.error = String(e && e.stack || e).split('\\n').slice(0, 6).join('\\n'); }
console.log('LFTF_PROBE ' + JSON.stringify(out));
`;

/** Does the package dir load as the "tensorflow" backend (sharing the project's engine)? */
function probe(modDir) {
  log(`probe ${modDir}`);
  const r = spawnSync(process.execPath, ['-e', PROBE_SRC, modDir, REPO], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL || '2' },
  });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('LFTF_PROBE '));
  log(`probe stdout: ${(r.stdout || '').trim()}`);
  if (r.stderr) log(`probe stderr (tail): ${r.stderr.trim().split('\n').slice(-8).join('\n')}`);
  if (!line) return { ok: false, why: `probe exited ${r.status ?? r.signal} without a result` };
  const res = JSON.parse(line.slice('LFTF_PROBE '.length));
  if (res.error) return { ok: false, why: res.error.split('\n')[0] };
  const good = [7, 10, 15, 22];
  if (res.backend !== 'tensorflow') return { ok: false, why: `backend is ${res.backend}` };
  if (!res.matmul || res.matmul.some((v, i) => Math.abs(v - good[i]) > 1e-5)) {
    return { ok: false, why: `wrong matMul result ${JSON.stringify(res.matmul)}` };
  }
  if (res.sharedEngine === false) {
    return { ok: false, why: 'tfjs-node does not share the project @tensorflow/tfjs engine (duplicate tfjs-core?)' };
  }
  return { ok: true, res };
}

function readRecord() {
  try { return JSON.parse(fs.readFileSync(RECORD, 'utf8')); } catch { return null; }
}

function writeRecord(modDir, how, keepOld) {
  const old = readRecord();
  const rec = keepOld && old && old.module === modDir && old.how
    ? { module: modDir, how: old.how, built_at: old.built_at ?? new Date().toISOString() }
    : { module: modDir, how, built_at: new Date().toISOString() };
  fs.writeFileSync(RECORD, `${JSON.stringify(rec, null, 2)}\n`);
  log(`wrote ${RECORD}: ${JSON.stringify(rec)}`);
  return rec;
}

/**
 * Make `createRequire(<repo>/package.json)('@tensorflow/tfjs-node')` work: a relative symlink
 * node_modules/@tensorflow/tfjs-node -> ../../.native/node_modules/@tensorflow/tfjs-node.
 * Never replaces a real directory. npm may prune the link (it is not in the lockfile); the
 * record file stays valid, and rerunning this script restores the link in about a second.
 */
function ensureTopLink(modDir) {
  if (process.env.LFTF_NATIVE_NO_LINK === '1') return 'disabled (LFTF_NATIVE_NO_LINK=1)';
  if (path.resolve(modDir) !== SIDE_PKG) return 'not needed';
  if (!fs.existsSync(path.join(REPO, 'node_modules', '@tensorflow'))) return 'no node_modules/@tensorflow';
  let st = null;
  try { st = fs.lstatSync(TOP_LINK); } catch { /* absent */ }
  if (st && !st.isSymbolicLink()) return 'a real node_modules/@tensorflow/tfjs-node exists; left alone';
  const target = path.relative(path.dirname(TOP_LINK), SIDE_PKG);
  if (st) {
    if (fs.readlinkSync(TOP_LINK) === target) return 'symlink present';
    fs.unlinkSync(TOP_LINK);
  }
  fs.symlinkSync(target, TOP_LINK, 'dir');
  log(`symlink ${TOP_LINK} -> ${target}`);
  return 'symlink created';
}

function finishOk(modDir, how, keepOld = false) {
  const rec = writeRecord(modDir, how, keepOld);
  let link = '';
  try { link = ensureTopLink(modDir); } catch (e) { link = `link failed: ${e.message}`; }
  log(`top-level link: ${link}`);
  say(`native TensorFlow backend ready (${rec.how}, ${secs()}): ${rec.module}`);
}

// ---------------------------------------------------------------------------- steps
function projectTfjsVersion() {
  try {
    return createRequire(path.join(REPO, 'package.json'))('@tensorflow/tfjs/package.json').version;
  } catch {
    return null;
  }
}

function tryResolve(name) {
  try {
    const p = createRequire(path.join(REPO, 'package.json')).resolve(`${name}/package.json`);
    return fs.realpathSync(path.dirname(p));
  } catch {
    return null;
  }
}

/** Step 1: something already loads? */
function findExisting() {
  const cands = [];
  for (const n of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const d = tryResolve(n);
    if (d) cands.push(d);
  }
  const rec = readRecord();
  if (rec?.module && fs.existsSync(rec.module)) cands.push(fs.realpathSync(rec.module));
  if (fs.existsSync(path.join(SIDE_PKG, 'package.json'))) cands.push(SIDE_PKG);
  const seen = new Set();
  for (const d of cands) {
    if (seen.has(d)) continue;
    seen.add(d);
    if (d === SIDE_PKG && !bindingFile(d)) { log(`sidecar has no binding yet: ${d}`); continue; }
    const p = probe(d);
    if (p.ok) return d;
    log(`not usable: ${d}: ${p.why}`);
  }
  return null;
}

function bindingFile(pkgDir) {
  const lib = path.join(pkgDir, 'lib');
  if (!fs.existsSync(lib)) return null;
  for (const d of fs.readdirSync(lib).sort().reverse()) {
    const f = path.join(lib, d, 'tfjs_binding.node');
    if (fs.existsSync(f)) return f;
  }
  return null;
}

/** Step 2: sidecar install of tfjs-node (scripts ignored), deduplicated against the project. */
async function sidecarInstall(version) {
  const want = {
    name: 'lftf-native-sidecar',
    private: true,
    description: 'Generated by lftf scripts/setup-native.mjs: native TensorFlow.js backend outside the project lockfile.',
    dependencies: { '@tensorflow/tfjs-node': version },
  };
  fs.mkdirSync(SIDE, { recursive: true });
  const pj = path.join(SIDE, 'package.json');
  const text = `${JSON.stringify(want, null, 2)}\n`;
  if (!fs.existsSync(pj) || fs.readFileSync(pj, 'utf8') !== text) fs.writeFileSync(pj, text);
  let have = null;
  try { have = JSON.parse(fs.readFileSync(path.join(SIDE_PKG, 'package.json'), 'utf8')).version; } catch { /* none */ }
  if (have === version && fs.existsSync(path.join(SIDE, 'node_modules', '@mapbox', 'node-pre-gyp'))) {
    log(`sidecar already has @tensorflow/tfjs-node@${have}`);
  } else {
    phase(`installing @tensorflow/tfjs-node@${version} into .native/ (install scripts off)`);
    const npm = npmCommand();
    const r = await run(npm.cmd, [...npm.args, 'install', '--ignore-scripts', '--no-audit', '--no-fund',
      '--no-package-lock', '--no-save', '--loglevel=warn'], { cwd: SIDE, env: childEnv(), timeoutS: 900 });
    if (r.code !== 0 || !fs.existsSync(path.join(SIDE_PKG, 'package.json'))) {
      throw new SetupError(r.timedOut ? 'npm install of tfjs-node timed out' : 'npm install of tfjs-node failed');
    }
  }
  // One tfjs-core at runtime: drop the sidecar's @tensorflow/tfjs* so resolution walks up to
  // the project's node_modules (only when the project provides them).
  if (tryResolve('@tensorflow/tfjs') && tryResolve('@tensorflow/tfjs-core')) {
    for (const n of DUP_PKGS) {
      const d = path.join(SIDE, 'node_modules', '@tensorflow', n);
      if (fs.existsSync(d)) { fs.rmSync(d, { recursive: true, force: true }); log(`removed duplicate ${d}`); }
    }
  } else {
    log('project @tensorflow/tfjs not resolvable; keeping the sidecar copies');
  }
}

function npmCommand() {
  // Prefer the npm that is running us (npm_execpath), else npm next to node, else PATH.
  const ex = process.env.npm_execpath;
  if (ex && /npm-cli\.js$/.test(ex) && fs.existsSync(ex)) return { cmd: process.execPath, args: [ex] };
  const near = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (fs.existsSync(near)) return { cmd: process.execPath, args: [near] };
  return { cmd: 'npm', args: [] };
}

function nodeGypEnv(more = {}) {
  const extra = {
    ...more,
    PATH: `${path.join(SIDE, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  if (!process.env.npm_config_node_gyp) {
    const g = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (fs.existsSync(g)) extra.npm_config_node_gyp = path.resolve(g);
  }
  return childEnv(extra);
}

/** System Node's prefix, if it ships the headers (avoids node-gyp downloading them). */
function nodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

/** Step 3: the ordinary tfjs-node install (internet). */
async function ordinaryInstall() {
  phase(`ordinary path: tfjs-node scripts/install.js (downloads libtensorflow; timeout ${DL_TIMEOUT_S}s)`);
  cleanNative(SIDE_PKG); // start clean, so a success here really is the download path
  const pj = path.join(SIDE_PKG, 'package.json');
  const saved = fs.readFileSync(pj, 'utf8'); // install.js edits package.json and may die midway
  // If it falls back to a source build, use the system Node headers when they exist.
  const nd = process.env.npm_config_nodedir ? null : nodeDir();
  const env = nodeGypEnv(nd ? { npm_config_nodedir: nd } : {});
  const r = await run(process.execPath, ['scripts/install.js'], { cwd: SIDE_PKG, env, timeoutS: DL_TIMEOUT_S });
  fs.writeFileSync(pj, saved);
  if (r.code !== 0) return r.timedOut ? 'download timed out' : 'download failed';
  if (!bindingFile(SIDE_PKG)) return 'download left no binding';
  const p = probe(SIDE_PKG);
  return p.ok ? null : `downloaded backend does not load: ${p.why}`;
}

function cleanNative(pkgDir) {
  for (const d of ['deps', 'lib', 'build']) fs.rmSync(path.join(pkgDir, d), { recursive: true, force: true });
}

/** Step 4: TensorFlow C library from the tensorflow-cpu wheel, binding built from source. */
async function wheelBuild(version) {
  if (process.platform !== 'linux') throw new SetupError(`offline wheel build supports linux only (${process.platform})`);
  const py = spawnSync(PYTHON, ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' });
  if (py.status !== 0) throw new SetupError(`${PYTHON} not found`);
  log(`python ${py.stdout.trim()}`);

  // 4a. the wheel
  const wheels = path.join(BIG_CACHE, 'wheels');
  fs.mkdirSync(wheels, { recursive: true });
  const prefix = (WHEEL_SPEC.split(/[=<>!~ ;[]/)[0] || 'tensorflow-cpu').replace(/-/g, '_').toLowerCase();
  const verPrefix = (/==\s*([0-9.]+)/.exec(WHEEL_SPEC)?.[1] ?? '').replace(/\.$/, '');
  const findWheel = () => fs.readdirSync(wheels)
    .filter((f) => f.toLowerCase().startsWith(`${prefix}-${verPrefix}`) && f.endsWith('.whl'))
    .sort().pop();
  let wheel = findWheel();
  if (wheel) {
    phase(`offline path: using cached wheel ${wheel}`);
  } else {
    const penv = pipEnv(PYTHON);
    phase(`offline path: pip download ${WHEEL_SPEC}${penv.PIP_INDEX_URL ? ' (local pip indexes from pip config)' : ''}`);
    log(`pip env overrides: ${JSON.stringify(penv)}`);
    const r = await run(PYTHON, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check',
      '--retries', '2', '--timeout', '60', WHEEL_SPEC, '-d', wheels],
    { env: { ...process.env, ...penv }, timeoutS: 1200 });
    wheel = findWheel();
    if (r.code !== 0 || !wheel) throw new SetupError(`pip could not download ${WHEEL_SPEC}`);
  }

  // 4b. the C library + headers out of the wheel (extracted once; marker file = complete)
  const stem = wheel.replace(/\.whl$/, '');
  const libRoot = path.join(BIG_CACHE, 'libtensorflow', stem);
  const tfDir = path.join(libRoot, 'tensorflow');
  if (!fs.existsSync(path.join(libRoot, '.complete'))) {
    phase('extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and include/ from the wheel');
    const tmp = `${libRoot}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const unzipPy = [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'want = ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2")',
      'n = 0',
      'for i in z.infolist():',
      '    if i.filename in want or i.filename.startswith("tensorflow/include/"):',
      '        z.extract(i, sys.argv[2]); n += 1',
      'print("extracted", n, "files")',
    ].join('\n');
    const r = await run(PYTHON, ['-c', unzipPy, path.join(wheels, wheel), tmp], { timeoutS: 900 });
    const okFiles = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2', 'include/tensorflow/c/c_api.h']
      .every((f) => fs.existsSync(path.join(tmp, 'tensorflow', f)));
    if (r.code !== 0 || !okFiles) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new SetupError('the wheel lacks the TensorFlow C library or headers');
    }
    fs.writeFileSync(path.join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    fs.rmSync(libRoot, { recursive: true, force: true });
    fs.renameSync(tmp, libRoot);
  }

  // 4c. deps/ layout expected by tfjs-node's binding.gyp (rpath $ORIGIN/../../deps/lib)
  cleanNative(SIDE_PKG);
  const deps = path.join(SIDE_PKG, 'deps');
  fs.mkdirSync(path.join(deps, 'lib'), { recursive: true });
  fs.symlinkSync(path.join(tfDir, 'include'), path.join(deps, 'include'), 'dir');
  const links = {
    'libtensorflow.so': 'libtensorflow_cc.so.2',
    'libtensorflow_cc.so.2': 'libtensorflow_cc.so.2',
    'libtensorflow_framework.so': 'libtensorflow_framework.so.2',
    'libtensorflow_framework.so.2': 'libtensorflow_framework.so.2',
  };
  for (const [name, target] of Object.entries(links)) fs.symlinkSync(path.join(tfDir, target), path.join(deps, 'lib', name));
  log(`linked ${deps} -> ${tfDir}`);

  // 4d. binding: cached copy, else build
  const napi = process.versions.napi;
  const key = `tfjs-node-${version}-napi${napi}-${process.platform}-${process.arch}-${stem}`;
  const cachedDir = path.join(BIG_CACHE, 'native-build', key);
  if (fs.existsSync(path.join(cachedDir, 'tfjs_binding.node'))) {
    phase(`restoring cached binding (${path.relative(REPO, cachedDir) || cachedDir})`);
    const sub = fs.readFileSync(path.join(cachedDir, 'module_path'), 'utf8').trim();
    fs.mkdirSync(path.join(SIDE_PKG, sub), { recursive: true });
    fs.copyFileSync(path.join(cachedDir, 'tfjs_binding.node'), path.join(SIDE_PKG, sub, 'tfjs_binding.node'));
    const p = probe(SIDE_PKG);
    if (p.ok) return;
    log(`cached binding does not load (${p.why}); rebuilding`);
    fs.rmSync(cachedDir, { recursive: true, force: true });
  }
  for (const tool of ['make', 'g++']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) throw new SetupError(`no C++ toolchain (${tool} missing)`);
  }
  const nd = nodeDir();
  phase(`building the binding from source with node-pre-gyp${nd ? ` (nodedir ${nd})` : ''}`);
  const env = nodeGypEnv(nd ? { npm_config_nodedir: nd } : {});
  const preGyp = path.join(SIDE, 'node_modules', '@mapbox', 'node-pre-gyp', 'bin', 'node-pre-gyp');
  const args = [preGyp, 'install', '--build-from-source', ...(nd ? [`--nodedir=${nd}`] : [])];
  const r = await run(process.execPath, args, { cwd: SIDE_PKG, env, timeoutS: 1800 });
  const bin = bindingFile(SIDE_PKG);
  if (r.code !== 0 || !bin) throw new SetupError(r.timedOut ? 'binding build timed out' : 'binding build failed');
  fs.rmSync(path.join(SIDE_PKG, 'build'), { recursive: true, force: true }); // object files, ~MBs
  const p = probe(SIDE_PKG);
  if (!p.ok) throw new SetupError(`built backend does not load: ${p.why}`);
  fs.mkdirSync(cachedDir, { recursive: true });
  fs.copyFileSync(bin, path.join(cachedDir, 'tfjs_binding.node'));
  fs.writeFileSync(path.join(cachedDir, 'module_path'), `${path.relative(SIDE_PKG, path.dirname(bin))}\n`);
  log(`cached binding in ${cachedDir}`);
}

// ---------------------------------------------------------------------------- main
async function main() {
  if (process.env.LFTF_SKIP_NATIVE === '1') {
    say('native TensorFlow backend setup skipped (LFTF_SKIP_NATIVE=1); lftf will use wasm.');
    return;
  }
  openLog();

  phase('checking for an already-loadable tfjs-node');
  const existing = findExisting();
  if (existing) {
    finishOk(existing, 'existing', true);
    return;
  }

  const tfjsVersion = projectTfjsVersion();
  const version = process.env.LFTF_TFJS_NODE_VERSION || tfjsVersion || '4.22.0';
  log(`project @tensorflow/tfjs ${tfjsVersion}; tfjs-node version ${version}`);
  if (tfjsVersion && tfjsVersion !== version) log(`WARNING: tfjs-node ${version} != project tfjs ${tfjsVersion}`);

  await sidecarInstall(version);

  let why = null;
  if (process.env.LFTF_NATIVE_NO_DOWNLOAD === '1') {
    why = 'skipped (LFTF_NATIVE_NO_DOWNLOAD=1)';
    log(`ordinary path ${why}`);
  } else {
    why = await ordinaryInstall();
    if (!why) { finishOk(SIDE_PKG, 'download'); return; }
    phase(`ordinary path did not work (${why}); trying the offline wheel build`);
  }
  await wheelBuild(version);
  finishOk(SIDE_PKG, 'wheel-build');
}

try {
  await main();
} catch (e) {
  const short = e instanceof SetupError ? e.short : `unexpected error: ${String(e?.message ?? e).split('\n')[0]}`;
  log(`\nFAILED: ${e?.stack ?? e}`);
  try { fs.rmSync(RECORD, { force: true }); } catch { /* ignore */ }
  console.log(`[lftf] native TensorFlow backend unavailable (${short}); lftf will use wasm. Details: ${LOG_REL}`);
}
if (logFd >= 0) { log(`\nend ${secs()}`); fs.closeSync(logFd); }
process.exit(0);
