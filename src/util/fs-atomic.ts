import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { LftfError } from '../errors.js';

/** A short human reason for a failed file-system call. */
export function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOSPC': case 'EDQUOT': return 'no space left on device';
    case 'EACCES': case 'EPERM': return 'not writable';
    case 'EROFS': return 'read-only file system';
    case 'ENOENT': return 'folder does not exist';
    case 'ENOTDIR': return 'a path component is a file, not a folder';
    case 'EISDIR': return 'is a folder';
    default: return err.code ?? err.message ?? String(e);
  }
}

/**
 * `mkdir -p` that always ends. Node 20's `mkdirSync(p, {recursive: true})` spins forever when the
 * kernel answers ENOENT for a path whose parent exists (e.g. /proc/x), so parents are created one
 * at a time here, from the top down, and the first real error is reported.
 */
export function ensureDir(dir: string, what = 'cannot create folder', where = dir): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: a file further up; keep walking so the message can name it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new LftfError('write-failed', `${what} (${fsReason(e)})`, where);
    }
    if (isDir === true) break;
    if (isDir === false) throw new LftfError('write-failed', `${what} (${p} is a file, not a folder)`, where);
    if (dirname(p) === p) break;
    missing.push(p);
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(p).isDirectory()) continue;
      throw new LftfError('write-failed', `${what} (${fsReason(e)})`, where);
    }
  }
}

/**
 * Write a file so that readers see either the old content or the new, never half:
 * write a temporary file in the same folder, fsync, then rename over the target.
 */
export function writeFileAtomic(path: string, chunks: Uint8Array | string | (Uint8Array | string)[]): void {
  // pid + random: two writers (or two writes in one millisecond) never share a temporary file.
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
    if (fd !== undefined) {
      try { closeSync(fd); } catch { /* the write error is the one to report */ }
    }
    try { rmSync(tmp, { force: true }); } catch { /* nothing was created (e.g. ENOTDIR) */ }
    throw new LftfError('write-failed', `cannot write file (${fsReason(e)})`, path);
  }
  // Make the rename itself durable (best effort: not every platform can fsync a folder).
  try {
    const dfd = openSync(dirname(path), 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch { /* the file is complete either way */ }
}
