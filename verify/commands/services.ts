// `npm run services`: Postgres, Redis and an SMTP sink from local binaries, for people
// without Docker (and the same code the tests use). Runs in the foreground until Ctrl-C,
// SIGTERM, SIGHUP (the terminal closed) or the death of the process that started it, then
// stops every process it started. Ports and passwords stay the same from one start to the
// next (.workshop/services.json), so the URLs in a learner's .env keep working.
import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { SERVICES_ENV_FILE, WORKSHOP_DIR, displayPath } from '../core/paths.ts';
import { redact } from '../probes/postgres.ts';
import { startBackingServices } from '../services/backing.ts';
import { parse } from './args.ts';

const HEADER = '# Written by `npm run services`; the ports and passwords stay the same on every start.';

export async function run(args: string[]): Promise<ExitCode> {
  parse(args, {}, 'services');
  const c = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);
  const identityFile = path.join(WORKSHOP_DIR, 'services.json');
  const before = fs.existsSync(SERVICES_ENV_FILE) ? fs.readFileSync(SERVICES_ENV_FILE, 'utf8') : undefined;
  process.stdout.write('Starting Postgres, Redis and an SMTP sink on loopback ports…\n');
  const services = await startBackingServices({ identityFile });
  fs.mkdirSync(WORKSHOP_DIR, { recursive: true });
  const envText = Object.entries(services.urls)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  fs.writeFileSync(SERVICES_ENV_FILE, `${HEADER}\n${envText}\n`, { mode: 0o600 });
  const changed = before !== undefined && before.startsWith(HEADER) && before !== `${HEADER}\n${envText}\n`;

  process.stdout.write(
    `\n${Object.entries(services.urls)
      .map(([k, v]) => `  ${c.bold(k.padEnd(12))} ${redact(v)}`)
      .join('\n')}\n\n` +
      (changed ? `${c.yellow('▲')} A port used last time was taken, so a URL changed: copy it into your .env again.\n` : '') +
      `The full URLs (with passwords) are in ${displayPath(SERVICES_ENV_FILE)}, the same on every\nstart; the verifier reads them there. Mail sent to the SMTP sink is printed here.\n\n` +
      `Leave this running. In another terminal: ${c.bold('npm run verify -- --no-cluster')}\n` +
      `Stop with Ctrl-C.\n`,
  );
  const printed = { count: 0 };
  const mailTimer = setInterval(() => {
    for (const mail of services.smtp.messages.slice(printed.count)) {
      const subject = /^Subject: (.*)$/m.exec(mail.raw)?.[1] ?? '(no subject)';
      process.stdout.write(`${c.cyan('✉')} ${mail.from} → ${mail.to.join(', ')}: ${subject}\n`);
    }
    printed.count = services.smtp.messages.length;
  }, 500);

  // `on`, not `once`: Ctrl-C reaches us twice (from the terminal and relayed by npm), and a
  // second, unhandled SIGINT would kill us before the servers are stopped. The servers run
  // in process groups of their own, so nothing but this process stops them: it must also
  // notice when npm (its parent) was killed, which sends it no signal at all.
  const why = await new Promise<string>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => resolve(sig));
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && resolve('the terminal or npm that started it is gone'), 1000).unref();
  });
  clearInterval(mailTimer);
  // Stop first, print after: when the terminal is gone, writing to it may fail.
  await services.stop();
  // Put back what `npm run setup` wrote (its cluster services), else leave no stale URLs.
  if (before !== undefined && !before.startsWith(HEADER)) fs.writeFileSync(SERVICES_ENV_FILE, before, { mode: 0o600 });
  else fs.rmSync(SERVICES_ENV_FILE, { force: true });
  process.stdout.write(`\nStopped (${why}). Nothing is left running.\n`);
  return EXIT.ok;
}
