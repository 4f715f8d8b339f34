/**
 * One error type for everything a user can cause: bad files, bad fields, bad options.
 * `where` names the file (and line, field or tensor) so the CLI can print one clear line.
 */
export class LftfError extends Error {
  readonly code: string;
  readonly where?: string;
  constructor(code: string, message: string, where?: string) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'LftfError';
    this.code = code;
    this.where = where;
  }
}

export function isLftfError(e: unknown): e is LftfError {
  return e instanceof LftfError;
}
