import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LftfError } from '../errors.js';

/**
 * Write a file so that readers see either the old content or the new, never half:
 * write a temporary file in the same folder, fsync, then rename over the target.
 */
export function writeFileAtomic(path: string, chunks: Uint8Array | string | (Uint8Array | string)[]): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    for (const c of Array.isArray(chunks) ? chunks : [chunks]) {
      const buf = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
      let off = 0;
      while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOSPC' ? 'no space left on device'
      : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS' ? 'not writable'
      : err.code === 'ENOENT' ? 'folder does not exist' : err.message;
    throw new LftfError('write-failed', `cannot write file (${why})`, path);
  }
}
