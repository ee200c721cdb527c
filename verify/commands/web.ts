// `npm run web`: read the lessons and verify in a browser, on this machine only.
import pc from 'picocolors';
import { EnvironmentError, EXIT, UsageError, type ExitCode } from '../core/errors.ts';
import { resolveWorkspace } from '../core/workspace.ts';
import { startWeb } from '../web/server.ts';
import { parse } from './args.ts';

const USAGE = 'web [--port N] [--workspace DIR] [--no-cluster]';

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, { port: { type: 'string' }, workspace: { type: 'string' }, 'no-cluster': { type: 'boolean' } }, USAGE);
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}". Usage: npm run ${USAGE}`);
  const port = values.port === undefined ? 4100 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got "${values.port}". Usage: npm run ${USAGE}`);
  const workspace = values.workspace ? resolveWorkspace(values.workspace) : undefined;
  let server;
  try {
    server = await startWeb({ port, workspace, verifyFlags: values['no-cluster'] ? ['--no-cluster'] : [] });
  } catch (err) {
    throw new EnvironmentError(
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `Port ${port} on 127.0.0.1 is already in use.`
        : `The lesson viewer could not start: ${(err as Error).message}.`,
      `npm run web -- --port ${port === 4100 ? 4101 : 0}`,
    );
  }
  const c = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);
  process.stdout.write(`${c.green('✔')} Lessons in your browser: ${c.bold(server.url)}  ${c.dim('(this machine only; works offline)')}\n  Stop with Ctrl-C.\n`);
  await new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
    process.on('SIGHUP', () => resolve());
  });
  await server.close();
  return EXIT.ok;
}
