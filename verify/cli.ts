// The workshop CLI: a command table, one module per command, loaded lazily so that
// `npm run lesson` does not pay for the verifier's imports. Help comes from the table.
import pc from 'picocolors';
import { npmFlag } from './commands/args.ts';
import { EXIT, type ExitCode, isExpectedError, UsageError } from './core/errors.ts';
import { wrapText } from './core/wrap.ts';

export interface Command {
  usage: string;
  summary: string;
  load: () => Promise<{ run(args: string[]): Promise<ExitCode> }>;
}

export const COMMANDS: Record<string, Command> = {
  lesson: {
    usage: 'lesson [N] [--start]',
    summary: 'Read lesson N (or pick one in a menu); --start makes it the lesson you work on',
    load: () => import('./commands/lesson.ts'),
  },
  verify: {
    usage: 'verify [N] [--all] [--watch] [--json] [--workspace DIR] [--no-cluster] [--context NAME] [--disruptive]',
    summary: 'Check your work for the current (or given) lesson',
    load: () => import('./commands/verify.ts'),
  },
  hint: { usage: 'hint [N]', summary: 'The next hint for the first failing check', load: () => import('./commands/hint.ts') },
  solution: {
    usage: 'solution N [--diff | --diff-workspace | --apply [--no-cluster] [--context NAME] | --out DIR]',
    summary:
      'See the reference solution of lesson N: which of your files differ, what lesson N itself changes (--diff), every line between yours and it (--diff-workspace); or catch up to it (--apply, backs up your work first)',
    load: () => import('./commands/solution.ts'),
  },
  reset: { usage: 'reset N', summary: 'Restore the starting state of lesson N (backs up your work first)', load: () => import('./commands/reset.ts') },
  addon: {
    usage: 'addon NAME [--context NAME]',
    summary: 'Install a pinned cluster add-on (ingress: the ingress controller of lesson 10)',
    load: () => import('./commands/addon.ts'),
  },
  rehearse: {
    usage: 'rehearse [--from N] [--to N] [--cluster-env FILE] [--context NAME] [--disruptive]',
    summary: 'Instructors: apply every solution in order to the cluster and verify every lesson',
    load: () => import('./commands/rehearse.ts'),
  },
  status: {
    usage: 'status [--json]',
    summary: "Your progress: each lesson's last verdict, when, which layers ran, and what came from solution --apply",
    load: () => import('./commands/status.ts'),
  },
  web: {
    usage: 'web [--port N] [--no-cluster]',
    summary: 'Read the lessons and press Verify in your browser (this machine only)',
    load: () => import('./commands/web.ts'),
  },
  classroom: {
    usage: 'classroom [--port N] [--host ADDR]',
    summary: 'Instructors: a live dashboard of the room (who is stuck on which check)',
    load: () => import('./commands/classroom.ts'),
  },
  join: {
    usage: 'join -- URL --name NAME --token TOKEN',
    summary: "Join the instructor's room once; every verify then reports to it",
    load: () => import('./commands/join.ts'),
  },
  services: {
    usage: 'services',
    summary: 'Run Postgres, Redis and an SMTP sink from local binaries (no Docker needed) until Ctrl-C',
    load: () => import('./commands/services.ts'),
  },
};

export function usage(): string {
  // One block per command (its usage, then what it does, indented), wrapped at 80 columns.
  const blocks = Object.values(COMMANDS).map((c) => `${wrap(`  npm run ${c.usage}`, 80, '        ')}\n${wrap(`      ${c.summary}`, 80, '      ')}`);
  return `legacy-to-k8s workshop\n\n${blocks.join('\n')}\n\nFlags go after \`--\`: npm run verify -- 3 --json\nHelp on one command: npm run verify -- --help\n`;
}

export async function main(argv: string[]): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? EXIT.ok : EXIT.broken;
  }
  // Tools parse stdout: with --json every exit 2 prints the error object there too.
  const json = args.includes('--json') || npmFlag('json', name);
  const command = COMMANDS[name];
  if (!command) {
    if (!json) process.stderr.write(`✖ Unknown command "${name}".\n\n${usage()}`);
    return reportError(new UsageError(`Unknown command "${name}".`, 'npm run workshop -- --help'), { json, quiet: !json });
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(commandHelp(name, command));
    return EXIT.ok;
  }
  try {
    return await (await command.load()).run(args);
  } catch (err) {
    return reportError(err, { json, command: name });
  }
}

/** `npm run verify -- --help`: the usage line and the summary, wrapped for a terminal. */
export function commandHelp(name: string, command: Command): string {
  const rest = command.usage.split(' ').slice(1).join(' ');
  const line = rest ? `npm run ${name} -- ${rest}` : `npm run ${name}`;
  return `${wrap(`Usage: ${line}`, 80, '         ')}\n\n${wrap(command.summary, 80, '')}\n\nAll commands: npm run workshop -- --help\n`;
}

/** Greedy wrap at `width` columns; continuation lines start with `indent`. Never splits a word. */
export function wrap(text: string, width: number, indent: string): string {
  return wrapText(text, width, indent, '');
}

/** One clear line (and the next command) for anything that is not the learner's code; never a stack trace. */
export function reportError(err: unknown, opts: { json?: boolean; command?: string; quiet?: boolean } = {}): ExitCode {
  const color = pc.createColors(process.stderr.isTTY && !process.env.NO_COLOR);
  let message: string;
  let next: string | undefined;
  if (isExpectedError(err)) {
    message = err.message;
    next = err.next ?? (err instanceof UsageError && opts.command ? `npm run ${opts.command} -- --help` : undefined);
  } else {
    message = `Internal error: ${(err as Error)?.message ?? String(err)}. This is a bug in the workshop tool.`;
    next = 'DEBUG=1 before the command prints the stack trace; please share it with your instructor.';
    if (process.env.DEBUG) console.error(err);
  }
  if (!opts.quiet) {
    process.stderr.write(`${color.red('✖')} ${message}\n`);
    if (next) process.stderr.write(`  Next: ${color.bold(next)}\n`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify({ ok: false, error: { message, next: next ?? null } }, null, 2)}\n`);
  return EXIT.broken;
}

// `npm run verify | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

// Run when executed directly as TypeScript (`node --import tsx verify/cli.ts`); npm
// scripts go through bin/workshop.mjs, which imports main() from the compiled copy.
if (process.argv[1]?.endsWith('verify/cli.ts')) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
