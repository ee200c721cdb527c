// `npm run classroom`: the instructor's live dashboard. Prints the dashboard link and the
// one command learners run to join, then serves until Ctrl-C. The room (token and
// learners) lives in a file, so a restart keeps it.
import os from 'node:os';
import path from 'node:path';
import pc from 'picocolors';
import { Room } from '../classroom/room.ts';
import { startClassroom } from '../classroom/server.ts';
import { EnvironmentError, EXIT, UsageError, type ExitCode } from '../core/errors.ts';
import { WORKSHOP_DIR, displayPath } from '../core/paths.ts';
import { parse } from './args.ts';

const USAGE = 'classroom [--port N] [--host ADDR] [--stuck-minutes N] [--stuck-hints K] [--room FILE]';
export const DEFAULT_ROOM_FILE = path.join(WORKSHOP_DIR, 'classroom', 'room.json');

function positiveInt(value: string | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be a whole number ≥ ${min}, got "${value}". Usage: npm run ${USAGE}`);
  return n;
}

/** Addresses learners on the room's network can use when the server binds every interface. */
function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a && a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(
    args,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      'stuck-minutes': { type: 'string' },
      'stuck-hints': { type: 'string' },
      room: { type: 'string' },
      help: { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(
      `npm run ${USAGE}\n\n  --port N           port to listen on (default 4000; 0 picks a free one)\n  --host ADDR        address to bind (default 127.0.0.1: only this machine). Use 0.0.0.0 so learners'\n                     laptops on the room's network can report\n  --stuck-minutes N  flag a learner whose first failing check has failed for more than N minutes (10)\n  --stuck-hints K    … or who asked for more than K hints for it (3)\n  --room FILE        where the room is kept (default ${displayPath(DEFAULT_ROOM_FILE)})\n`,
    );
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}". Usage: npm run ${USAGE}`);
  const host = values.host ?? '127.0.0.1';
  const port = positiveInt(values.port, 'port', 4000, 0);
  const room = Room.open(path.resolve(values.room ?? DEFAULT_ROOM_FILE), {
    minutes: positiveInt(values['stuck-minutes'], 'stuck-minutes', 10),
    hints: positiveInt(values['stuck-hints'], 'stuck-hints', 3, 0),
  });
  let server;
  try {
    server = await startClassroom(room, { host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EnvironmentError(
      code === 'EADDRINUSE' ? `Port ${port} on ${host} is already in use.` : `The classroom could not listen on ${host}:${port}: ${(err as Error).message}.`,
      `npm run classroom -- --port ${port === 4000 ? 4001 : 0}${values.host ? ` --host ${host}` : ''}`,
    );
  }
  const c = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);
  const local = host === '0.0.0.0' || host === '::';
  const actualPort = new URL(server.url).port;
  const joinHosts = local ? lanAddresses().map((a) => `http://${a}:${actualPort}`) : [server.url];
  const dashboard = `${local ? `http://127.0.0.1:${actualPort}` : server.url}/#token=${room.token}`;
  process.stdout.write(
    `${c.green('✔')} Classroom running on ${server.url}` +
      (host === '127.0.0.1' || host === 'localhost'
        ? c.dim("  (only this machine can reach it; add --host 0.0.0.0 for the room's network)")
        : c.dim(`  (reachable from the network on ${host})`)) +
      `\n\n  Dashboard (keep the token off the projector): ${c.bold(dashboard)}\n\n  Learners join once with:\n` +
      (joinHosts.length ? joinHosts : [server.url]).map((u) => `    ${c.bold(`npm run join -- ${u} --name "<your name>" --token ${room.token}`)}`).join('\n') +
      `\n\n  Room kept in ${displayPath(values.room ?? DEFAULT_ROOM_FILE)} (a restart keeps it). Stop with Ctrl-C.\n`,
  );
  await new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
    process.on('SIGHUP', () => resolve());
  });
  await server.close();
  process.stdout.write('\nClassroom stopped; the room is saved.\n');
  return EXIT.ok;
}
