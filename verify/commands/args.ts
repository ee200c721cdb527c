// Argument parsing shared by the commands: node's parseArgs, with its errors turned
// into one-line usage errors (exit 2) instead of stack traces.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<T extends Options>(args: string[], options: T, usage: string) {
  const all = [...args, ...flagsFromNpm(args, options, usage)];
  try {
    return parseArgs({ args: all, options, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's own advice about positionals that start with '-' only confuses here.
    const reason = (err as Error).message
      .split('\n')[0]!
      .replace(/\. To specify a positional argument.*$/, '')
      .replace(/\.$/, '');
    throw new UsageError(`${reason}. Usage: npm run ${usage}`);
  }
}

/** At most one positional lesson argument. */
export function lessonArg(positionals: string[], usage: string): string | undefined {
  if (positionals.length > 1) throw new UsageError(`Expected at most one lesson, got "${positionals.join(' ')}". Usage: npm run ${usage}`);
  return positionals[0];
}

/** Whether this process is the npm script `command` (or the catch-all `workshop` script). */
function underNpm(command: string): boolean {
  const event = process.env.npm_lifecycle_event;
  return event === command || event === 'workshop';
}

/** The raw npm_config_* value npm left for `--flag` (npm spells `-` as `_`; `--no-x` becomes `x=""`). */
function npmConfig(name: string): string | undefined {
  return process.env[`npm_config_${name.replace(/-/g, '_')}`];
}

/** `npm run verify --json` (no `--`): npm keeps the flag and exports npm_config_json=true. */
export function npmFlag(name: string, command: string): boolean {
  return underNpm(command) && npmConfig(name) === 'true';
}

/**
 * `npm run verify 0 --no-cluster` without `--`: npm takes flags it does not know as its own
 * configuration and passes them on only as npm_config_* variables. Our yes/no flags are
 * honoured from there; a flag with a value cannot be (npm kept the flag and passed the value
 * on as a lesson number), so that stops with the exact command to type instead.
 */
function flagsFromNpm(args: string[], options: Options, usage: string): string[] {
  const command = usage.split(' ')[0]!;
  if (!underNpm(command)) return [];
  const extra: string[] = [];
  for (const [name, option] of Object.entries(options)) {
    if (args.includes(`--${name}`)) continue;
    const negated = name.startsWith('no-');
    const value = npmConfig(negated ? name.slice(3) : name);
    if (value === undefined) continue;
    if (option.type === 'boolean' && (negated ? value === '' || value === 'false' : value === 'true')) extra.push(`--${name}`);
    else if (option.type === 'string' || !negated) {
      throw new UsageError(
        `npm kept --${name} for itself${option.type === 'string' ? ' and passed its value on as an argument' : ''}: our flags go after \`--\`.`,
        `npm run ${command} -- ${option.type === 'string' ? `<same arguments> --${name} <value>` : [...args, `--${name}`].join(' ')}`,
      );
    }
  }
  return extra;
}
