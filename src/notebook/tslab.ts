/**
 * The one module that touches tslab internals. tslab's public `display` API sends one MIME
 * type per output and keeps strings as strings; LFTF outputs need several MIME types in ONE
 * output (custom JSON + text/html + text/plain) and in-place updates, which tslab only offers
 * through its internal `lastWriteDisplayData(content, update)` in `tslab/dist/jupyter.js`.
 *
 * We never `require('tslab')` ourselves: a second copy would have no writer ("Not ready").
 * Instead we look the kernel's own copy up in Node's module cache, where the running kernel
 * loaded it. Outside a tslab kernel nothing is found and every call is a no-op returning false,
 * so library code may call these unconditionally (and lftf needs no tslab at run time).
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (
  content: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

const JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/** The writer of the running tslab kernel, or null outside one (or before its first cell). */
function kernelWriter(): WriteDisplayData | null {
  const cache = createRequire(import.meta.url).cache;
  for (const [file, mod] of Object.entries(cache)) {
    if (!mod || !JUPYTER_MODULE.test(file)) continue;
    const write = (mod.exports as Partial<TslabJupyterModule>).lastWriteDisplayData;
    if (typeof write === 'function') return write;
  }
  return null;
}

/** True inside a tslab kernel that is executing (or has executed) a cell. */
export function inTslabKernel(): boolean {
  return kernelWriter() !== null;
}

export function newDisplayId(): string {
  return `lftf-${randomBytes(8).toString('hex')}`;
}

/**
 * Send one display_data output holding every MIME type of `data`. With `displayId` the output
 * can later be replaced in place by calling again with `update: true`. Returns false (and does
 * nothing) outside a tslab kernel.
 */
export function sendDisplayData(
  data: MimeBundle,
  opts: { displayId?: string; update?: boolean; metadata?: Record<string, unknown> } = {},
): boolean {
  const write = kernelWriter();
  if (!write) return false;
  const transient = opts.displayId ? { display_id: opts.displayId } : {};
  write({ data, metadata: opts.metadata ?? {}, transient }, opts.update === true);
  return true;
}
