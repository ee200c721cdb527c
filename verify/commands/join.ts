// `npm run join -- <url> --name <name> --token <token>`: join the instructor's room once;
// from then on every verify also reports (lesson, check ids, statuses, durations, hint
// levels; never messages or file contents) to the room. `--leave` stops it.
import fs from 'node:fs';
import pc from 'picocolors';
import { QUEUE_FILE, ROOM_FILE, readMembership } from '../classroom/client.ts';
import { learnerName } from '../classroom/protocol.ts';
import { EnvironmentError, EXIT, UsageError, type ExitCode } from '../core/errors.ts';
import { WORKSHOP_DIR } from '../core/paths.ts';
import { parse } from './args.ts';

const USAGE = 'join -- URL --name NAME --token TOKEN  |  join -- --status  |  join -- --leave';

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(
    args,
    { name: { type: 'string' }, token: { type: 'string' }, leave: { type: 'boolean' }, status: { type: 'boolean' } },
    USAGE,
  );
  const c = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);
  if (values.leave) {
    fs.rmSync(ROOM_FILE, { force: true });
    fs.rmSync(QUEUE_FILE, { force: true });
    process.stdout.write('Left the room: verify no longer reports anywhere.\n');
    return EXIT.ok;
  }
  if (values.status) {
    const m = readMembership();
    if (!m) {
      process.stdout.write(`Not in a room. Join with: npm run ${USAGE.split('  |')[0]}\n`);
      return EXIT.ok;
    }
    let last = 'nothing sent yet';
    try {
      const s = JSON.parse(fs.readFileSync(`${WORKSHOP_DIR}/room-status.json`, 'utf8')) as { at: string; detail: string };
      last = `${s.detail} (${s.at})`;
    } catch {
      // No report sent yet.
    }
    const queued = fs.existsSync(QUEUE_FILE) ? fs.readFileSync(QUEUE_FILE, 'utf8').split('\n').filter(Boolean).length : 0;
    process.stdout.write(`In the room ${m.url} as "${m.name}". Last: ${last}. Queued: ${queued}.\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`Give the room's URL once (the instructor's screen shows the whole command). Usage: npm run ${USAGE}`);
  let url: URL;
  try {
    url = new URL(positionals[0]!);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`"${positionals[0]}" is not a room URL; it looks like http://192.168.1.20:4000. Usage: npm run ${USAGE}`);
  }
  const name = learnerName.safeParse(values.name ?? '');
  if (!name.success) throw new UsageError(`--name: ${name.error.issues[0]!.message}. Usage: npm run ${USAGE}`);
  if (!values.token) throw new UsageError(`--token is missing: copy it from the instructor's join command. Usage: npm run ${USAGE}`);

  let res: Response;
  try {
    res = await fetch(new URL('/api/ping', url), { headers: { authorization: `Bearer ${values.token}` }, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new EnvironmentError(
      `Could not reach the room at ${url.origin} (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}). Nothing was saved.`,
      "check the address on the instructor's screen and that you are on the same network, then run the same join command again",
    );
  }
  if (res.status === 401)
    throw new UsageError(`The room at ${url.origin} refused the token. Nothing was saved.`, "copy the token again from the instructor's join command");
  if (!res.ok)
    throw new EnvironmentError(
      `${url.origin} answered ${res.status}: it does not look like a workshop classroom. Nothing was saved.`,
      "check the address on the instructor's screen",
    );
  fs.mkdirSync(WORKSHOP_DIR, { recursive: true });
  fs.writeFileSync(ROOM_FILE, `${JSON.stringify({ url: url.origin, name: name.data, token: values.token }, null, 2)}\n`, { mode: 0o600 });
  process.stdout.write(
    `${c.green('✔')} Joined ${url.origin} as "${name.data}". Every ${c.bold('npm run verify')} now also tells the room which checks pass (never your code, messages or secrets).\n` +
      `  Leave with: npm run join -- --leave\n`,
  );
  return EXIT.ok;
}
