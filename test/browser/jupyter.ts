/**
 * Helpers for the tests that need Jupyter: find the Python that has it (the kernel installer's
 * own search), install the lftf kernel / JupyterLab extension into a temporary prefix, execute
 * a notebook with nbconvert, and run a JupyterLab server that is always shut down.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repo root (this file runs from dist/test/browser/). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The Python with Jupyter and the given modules, or why there is none (a skip reason). */
export function jupyterPython(modules: string[]): { python: string } | { skip: string } {
  const which = spawnSync(process.execPath, [join(ROOT, 'kernel', 'install.mjs'), '--which-python'], { encoding: 'utf8' });
  if (which.status !== 0) return { skip: which.stderr.trim().split('\n')[0] ?? 'no python with jupyter' };
  const python = which.stdout.trim();
  const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (r.status !== 0) {
    return { skip: `${python} lacks ${modules.join('/')} (bash scripts/setup-python.sh jupyter): ${r.stderr.trim().split('\n').pop()}` };
  }
  return { python };
}

function runNode(script: string, args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, script), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

export function installKernel(prefix: string, python: string): void {
  runNode('kernel/install.mjs', ['--prefix', prefix, '--python', python]);
}

export function installLabExtension(prefix: string): void {
  runNode('scripts/install-labextension.mjs', ['--prefix', prefix]);
}

/**
 * Why notebooks cannot `import * as lftf from "lftf"` and call the display API yet, or null.
 * (dist/src/index.d.ts is what tslab type-checks cells against.)
 */
export function lftfNotebookApiMissing(): string | null {
  const dts = join(ROOT, 'dist', 'src', 'index.d.ts');
  if (!existsSync(dts)) return 'dist/src/index.d.ts missing: run npm run build';
  const text = readFileSync(dts, 'utf8');
  const missing = ['display', 'createProgress'].filter((name) => !new RegExp(`\\b${name}\\b`).test(text));
  return missing.length
    ? `src/index.ts does not export ${missing.join(', ')} yet (export them from ./notebook/display.js and ./notebook/progress.js)`
    : null;
}

/** Environment that confines Jupyter to `home` (config, data, runtime) plus `prefix`. */
export function jupyterEnv(home: string, prefix: string): NodeJS.ProcessEnv {
  const dirs = { config: join(home, 'config'), data: join(home, 'data'), runtime: join(home, 'runtime') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return {
    ...process.env,
    JUPYTER_PATH: join(prefix, 'share', 'jupyter'),
    JUPYTER_CONFIG_DIR: dirs.config,
    JUPYTER_DATA_DIR: dirs.data,
    JUPYTER_RUNTIME_DIR: dirs.runtime,
    JUPYTERLAB_SETTINGS_DIR: join(home, 'lab-settings'),
    JUPYTERLAB_WORKSPACES_DIR: join(home, 'lab-workspaces'),
    JUPYTER_PLATFORM_DIRS: '1',
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
}

/** Execute `notebook` in the lftf kernel; returns the executed copy's path in `outDir`. */
export function executeNotebook(python: string, env: NodeJS.ProcessEnv, notebook: string, outDir: string, timeoutS = 180): string {
  const r = spawnSync(
    python,
    [
      '-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute',
      '--ExecutePreprocessor.kernel_name=lftf', `--ExecutePreprocessor.timeout=${timeoutS}`,
      '--output-dir', outDir, notebook,
    ],
    { encoding: 'utf8', env, timeout: (timeoutS + 60) * 1000 },
  );
  if (r.status !== 0) throw new Error(`nbconvert --execute ${notebook} failed (${r.status ?? r.signal}):\n${r.stderr.slice(-4000)}`);
  return join(outDir, basename(notebook));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface JupyterLab {
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** Settings that keep pop-ups (news, update checks) off the page and render every cell. */
function writeLabSettings(dir: string): void {
  const put = (plugin: string, settings: object) => {
    const [pkg, name] = plugin.split(':') as [string, string];
    mkdirSync(join(dir, pkg), { recursive: true });
    writeFileSync(join(dir, pkg, `${name}.jupyterlab-settings`), JSON.stringify(settings));
  };
  put('@jupyterlab/apputils-extension:notification', { checkForUpdates: false, fetchNews: 'false' });
  put('@jupyterlab/notebook-extension:tracker', { windowingMode: 'none' });
}

/**
 * Start JupyterLab on 127.0.0.1 with a random free port and token, serving `rootDir`.
 * Its log goes to `logFile`. Waits until /api/status answers (up to `timeoutMs`).
 */
export async function startJupyterLab(opts: { python: string; env: NodeJS.ProcessEnv; rootDir: string; logFile: string; timeoutMs?: number }): Promise<JupyterLab> {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  writeLabSettings(opts.env.JUPYTERLAB_SETTINGS_DIR!);
  const log = createWriteStream(opts.logFile);
  const proc: ChildProcess = spawn(
    opts.python,
    [
      '-m', 'jupyter', 'lab', '--no-browser',
      '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`, '--ServerApp.port_retries=0',
      `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${opts.rootDir}`,
      '--LabApp.news_url=', '--ServerApp.open_browser=False',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      // CI may run as root; JupyterLab refuses to start as root without it
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ],
    { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  proc.stdout!.pipe(log);
  proc.stderr!.pipe(log);
  let exited: string | null = null;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', (code, sig) => {
      exited = `exited (${code ?? sig})`;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 8000);
      await exit;
      clearTimeout(timer);
    }
    log.end();
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const res = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) return { url, token, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await stop();
  throw new Error(`JupyterLab ${exited ?? 'did not answer in time'}; log: ${opts.logFile}`);
}

/**
 * The Python with Jupyter (and nbconvert) for a notebook test, or null after skipping the test
 * visibly with the reason (no Jupyter, or a library without its notebook exports).
 */
export function notebookPythonOrSkip(t: { skip: (reason: string) => void }): string | null {
  const found = jupyterPython(['jupyter_client', 'nbconvert']);
  if ('skip' in found) {
    t.skip(`no Jupyter: ${found.skip}`);
    return null;
  }
  const apiMissing = lftfNotebookApiMissing();
  if (apiMissing) {
    t.skip(apiMissing);
    return null;
  }
  return found.python;
}
