// Argument parsing shared by the commands: node's parseArgs, with its errors turned
// into one-line usage errors (exit 2) instead of stack traces.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.ts';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}. Usage: npm run ${usage}`);
  }
}

/** At most one positional lesson argument. */
export function lessonArg(positionals: string[], usage: string): string | undefined {
  if (positionals.length > 1) throw new UsageError(`Expected at most one lesson, got "${positionals.join(' ')}". Usage: npm run ${usage}`);
  return positionals[0];
}
