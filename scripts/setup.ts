// `npm run setup`: doctor, kind cluster, pinned images, backing services, services.env,
// next step. Each step is a module under scripts/setup/; this file only orders them.
// Non-interactive: it never prompts, so it runs the same in a terminal, in CI and in a
// room of 200 laptops. `--doctor` stops after the report.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { reportError } from '../verify/cli.ts';
import { EnvironmentError, EXIT, UsageError, type ExitCode } from '../verify/core/errors.ts';
import { REPO_ROOT } from '../verify/core/paths.ts';
import { ensureCluster } from './setup/cluster.ts';
import { evaluate, requiredFailures } from './setup/doctor.ts';
import { run } from './setup/exec.ts';
import { gatherFacts } from './setup/facts.ts';
import { loadImages, loadIntoCluster, pullImages } from './setup/images.ts';
import { formatProblems, formatReport } from './setup/report.ts';
import { deployBackingServices, writeServicesEnv } from './setup/services.ts';
import { createUi } from './setup/ui.ts';

const USAGE = `npm run setup [-- --doctor]

  (no flags)   check this machine, then create the kind cluster "workshop", load the
               pinned images and start Postgres, Redis and Mailpit in it. Safe to re-run.
  --doctor     only check this machine and print the report (exit 0 ready, 2 not ready)
  --yes, -y    accepted for scripts; setup never asks questions anyway
`;

function options(argv: string[]): { doctor: boolean; help: boolean } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { doctor: { type: 'boolean' }, yes: { type: 'boolean', short: 'y' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    return { doctor: values.doctor === true, help: values.help === true };
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\n\n${USAGE}`);
  }
}

async function workshopVersion(): Promise<string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const sha = (await run('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], 5000)).stdout.trim();
  return `${pkg.name} ${pkg.version}${sha ? ` @ ${sha}` : ''}`;
}

export async function main(argv: string[]): Promise<ExitCode> {
  const opts = options(argv);
  if (opts.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const ui = createUi();
  const out = (t: string) => process.stdout.write(t);

  out('Checking this machine (Node, Docker, kind, kubectl, ports, memory, disk)…\n\n');
  const [facts, workshop] = await Promise.all([gatherFacts(), workshopVersion()]);
  const items = evaluate(facts);
  out(formatReport(facts, items, { workshop, when: new Date() }));
  out('Asking for help? Paste the block above; it answers most first questions.\n');
  out(formatProblems(items, ui.color));

  const failed = requiredFailures(items);
  if (failed.length) {
    const titles = failed.map((i) => i.problem?.title.replace(/\.$/, '')).filter(Boolean);
    throw new EnvironmentError(
      `${opts.doctor ? 'Not ready' : 'Setup stopped before changing anything'}: ${titles.join('; ')}. Fix the ✖ items above (each has its next command).`,
      `${failed.find((i) => i.problem)?.problem?.next ?? 'fix the ✖ items above'}`,
    );
  }
  if (opts.doctor) {
    out(`\n${ui.color.green('✔')} Ready for the workshop. Next: ${ui.color.bold('npm run setup')}\n`);
    return EXIT.ok;
  }

  const images = loadImages();
  await pullImages(images, ui);
  await ensureCluster(ui);
  await loadIntoCluster(images, ui);
  await deployBackingServices(ui);
  writeServicesEnv(ui);
  out(`\n${ui.color.green('✔')} Setup done: cluster "workshop" (context kind-workshop) with Postgres, Redis and Mailpit.\n`);
  out(`  Next: ${ui.color.bold('npm run lesson 0')}\n`);
  return EXIT.ok;
}

main(process.argv.slice(2))
  .catch((err: unknown) => reportError(err))
  .then((code) => {
    process.exitCode = code;
  });
