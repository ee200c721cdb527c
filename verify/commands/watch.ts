// `verify --watch`: re-run on save. Bursts of file events (an editor writing a temp
// file, then renaming) are merged into one run, and a run never overlaps another.
import chokidar from 'chokidar';
import pc from 'picocolors';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { isRuntimeEntry } from '../core/workspace.ts';
import { interruptCleanly } from '../probes/cleanup.ts';
import path from 'node:path';

export async function watch(workspace: string, verify: () => Promise<ExitCode>): Promise<ExitCode> {
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const cycle = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    if (process.stdout.isTTY) process.stdout.write('\x1Bc');
    await verify().catch(async (err) => (await import('../cli.ts')).reportError(err));
    process.stdout.write(pc.dim(`\nWatching ${workspace} — save a file to re-run, Ctrl-C to stop.\n`));
    running = false;
    if (again) {
      again = false;
      void cycle();
    }
  };

  const watcher = chokidar.watch(workspace, {
    ignoreInitial: true,
    ignored: (p: string) => isRuntimeEntry(path.relative(workspace, p)),
  });
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void cycle(), 300);
  });
  watcher.on('error', (err) => {
    process.stderr.write(`✖ Cannot watch ${workspace}: ${(err as Error).message}. Run \`npm run verify\` by hand after each change instead.\n`);
  });
  // Ctrl-C may land mid-run: undo what that run started and say one line, never a report
  // of checks whose app was just killed by the same Ctrl-C.
  interruptCleanly('Stopped watching.', EXIT.ok);
  await cycle();
  return new Promise<ExitCode>(() => {});
}
