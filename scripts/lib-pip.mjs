// Shared helper: derive PIP_INDEX_URL / PIP_EXTRA_INDEX_URL from `pip config list`
// when pip is configured with local file:// indexes as *extra* indexes.
//
// Why: on offline machines pip is configured with local wheel indexes as
// extra-index-url, but it still tries the unreachable default index first, with
// long retries. Pointing PIP_INDEX_URL at the first local index avoids that.
// Nothing machine-specific is hard-coded: everything comes from pip's own config.
// When no local file:// index is configured, {} is returned and pip is left alone.
import { spawnSync } from 'node:child_process';

/**
 * Parse the output of `pip config list` into a map key -> value
 * (e.g. "global.extra-index-url" -> "file:///a file:///b").
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parsePipConfigList(text) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([^=\s]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"'))) {
      v = v.slice(1, -1);
    }
    out[m[1]] = v;
  }
  return out;
}

/**
 * Given parsed pip config, return env overrides (possibly empty).
 * @param {Record<string, string>} cfg
 * @returns {{PIP_INDEX_URL?: string, PIP_EXTRA_INDEX_URL?: string}}
 */
export function pipEnvFromConfig(cfg) {
  // Respect an explicit user choice.
  if (process.env.PIP_INDEX_URL) return {};
  const pick = (name) =>
    cfg[`:env:.${name}`] ?? cfg[`global.${name}`] ?? cfg[`install.${name}`] ?? cfg[`download.${name}`] ?? '';
  const extra = pick('extra-index-url').split(/\s+/).filter(Boolean);
  const local = extra.filter((u) => u.startsWith('file:'));
  if (local.length === 0) return {};
  const rest = extra.filter((u) => u !== local[0]);
  /** @type {{PIP_INDEX_URL?: string, PIP_EXTRA_INDEX_URL?: string}} */
  const env = { PIP_INDEX_URL: local[0] };
  if (rest.length) env.PIP_EXTRA_INDEX_URL = rest.join(' ');
  return env;
}

/**
 * Run `<python> -m pip config list` and derive env overrides.
 * @param {string} python
 */
export function pipEnv(python = 'python3') {
  const r = spawnSync(python, ['-m', 'pip', 'config', 'list'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 || !r.stdout) return {};
  return pipEnvFromConfig(parsePipConfigList(r.stdout));
}
