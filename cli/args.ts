import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util's parseArgs, strict, with its errors turned into one-line UsageErrors that name
 * the command and the flag.
 */
export function parseCommandLine<T extends Options>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's messages may run to several lines with advice on dashes; keep the first two
    // sentences on one line, as every CLI error is.
    const message = (error as Error).message
      .replace(/\. To specify a positional argument.*$/s, '')
      .replace(/\nTo specify an option argument.*$/s, '')
      .replace(/\s*\n\s*/g, ' ');
    throw new UsageError(`${command}: ${message}`);
  }
}

/** A flag's value as a number within bounds, or a UsageError naming the flag. */
export function numberFlag(
  flag: string, value: string | undefined, fallback: number,
  { min = -Infinity, max = Infinity, integer = false, above = false } = {},
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  const kind = integer ? 'a whole number' : 'a number';
  const bound = above ? `> ${min}` : `≥ ${min}`;
  if (value.trim() === '' || !Number.isFinite(number) || (integer && !Number.isInteger(number))
    || (above ? number <= min : number < min) || number > max) {
    const range = max === Infinity ? bound : `${bound} and ≤ ${max}`;
    throw new UsageError(`--${flag} must be ${kind} ${range}, got "${value}"`);
  }
  return number;
}

/** A flag's value from a fixed list, or a UsageError listing the choices. */
export function choiceFlag<T extends string>(flag: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be one of ${choices.join(', ')}; got "${value}"`);
  }
  return value as T;
}
