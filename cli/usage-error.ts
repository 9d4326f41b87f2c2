import { escapeControlCharacters } from '../src/index.js';

/**
 * A mistake in how the command was called: printed with a hint to --help, exit code 2. The
 * message often quotes what was typed, so control characters in it are escaped, as in
 * GlassboxError, to keep it one line.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(escapeControlCharacters(message));
    this.name = 'UsageError';
  }
}
