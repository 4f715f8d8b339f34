/**
 * `node_modules/lftf -> ..`: lets a notebook anywhere in the repo write `import ... from "lftf"`.
 * Node alone would resolve the name by package self-reference, but tslab type-checks cells with
 * TypeScript's node10 resolution, which only looks in node_modules/<name> (package.json "types").
 * The link is relative, so the checkout can move. npm may prune it as extraneous, so the kernel
 * launcher re-creates it on every start.
 */
import { lstatSync, mkdirSync, readlinkSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Returns 'ok' | 'created' | a warning string when something else occupies the path. */
export function ensureSelfLink(repo) {
  const link = join(repo, 'node_modules', 'lftf');
  let st = null;
  try {
    st = lstatSync(link);
  } catch {
    // missing
  }
  if (st) {
    try {
      if (realpathSync(link) === realpathSync(repo)) return 'ok';
    } catch {
      // dangling link: replace it below
    }
    if (!st.isSymbolicLink()) {
      return `${link} exists and is not this checkout; notebooks will import that copy of lftf`;
    }
    return `${link} points to ${readlinkSync(link)}, not this checkout; leaving it`;
  }
  mkdirSync(join(repo, 'node_modules'), { recursive: true });
  symlinkSync('..', link, 'dir');
  return 'created';
}
