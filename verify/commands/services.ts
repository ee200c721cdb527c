// `npm run services`: Postgres, Redis and an SMTP sink from local binaries, for people
// without Docker (and the same code the tests use). Runs in the foreground until
// Ctrl-C, then stops every process it started and removes what it wrote.
import fs from 'node:fs';
import pc from 'picocolors';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { SERVICES_ENV_FILE, WORKSHOP_DIR, displayPath } from '../core/paths.ts';
import { redact } from '../probes/postgres.ts';
import { startBackingServices } from '../services/backing.ts';
import { parse } from './args.ts';

export async function run(args: string[]): Promise<ExitCode> {
  parse(args, {}, 'services');
  const c = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);
  process.stdout.write('Starting Postgres, Redis and an SMTP sink on free loopback ports…\n');
  const services = await startBackingServices();
  fs.mkdirSync(WORKSHOP_DIR, { recursive: true });
  const envText = Object.entries(services.urls).map(([k, v]) => `${k}=${v}`).join('\n');
  fs.writeFileSync(SERVICES_ENV_FILE, `# Written by \`npm run services\`; removed when it stops.\n${envText}\n`, { mode: 0o600 });

  process.stdout.write(
    `\n${Object.entries(services.urls).map(([k, v]) => `  ${c.bold(k.padEnd(12))} ${redact(v)}`).join('\n')}\n\n` +
      `The full URLs (with passwords) are in ${displayPath(SERVICES_ENV_FILE)}; the verifier reads them from there.\n` +
      `Mail sent to the SMTP sink is printed here.\n\n` +
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

  // `on`, not `once`: Ctrl-C reaches us twice (from the terminal and relayed by npm/tsx),
  // and a second, unhandled SIGINT would kill us before the servers are stopped.
  await new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  clearInterval(mailTimer);
  process.stdout.write('\nStopping services…\n');
  await services.stop();
  fs.rmSync(SERVICES_ENV_FILE, { force: true });
  process.stdout.write('Stopped. Nothing is left running.\n');
  return EXIT.ok;
}
