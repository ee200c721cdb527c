// `npm run setup`: doctor, kind cluster, pinned images, backing services, services.env,
// next step. Each step is a module under scripts/setup/; this file only orders them.
// Non-interactive: it never prompts, so it runs the same in a terminal, in CI and in a
// room of 200 laptops. `--doctor` stops after the report.
import fs from 'node:fs';
import path from 'node:path';
import { reportError } from '../verify/cli.ts';
import { EnvironmentError, EXIT, UsageError, type ExitCode } from '../verify/core/errors.ts';
import { REPO_ROOT } from '../verify/core/paths.ts';
import { loadArchive, withoutDigest } from './setup/archive.ts';
import { ensureCluster } from './setup/cluster.ts';
import { clusterConfigFile, engineCgroupVersion, explainChanges, NODE_IMAGE_ENV, type ConfigChanges } from './setup/cluster-config.ts';
import { evaluate, requiredFailures } from './setup/doctor.ts';
import { run } from './setup/exec.ts';
import { gatherFacts } from './setup/facts.ts';
import { ARCHIVE_HINT, loadImages, loadIntoCluster, present, pullImages, pullPlan, type ImageList } from './setup/images.ts';
import { options, USAGE } from './setup/options.ts';
import { formatProblems, formatReport } from './setup/report.ts';
import { deployBackingServices, writeServicesEnv } from './setup/services.ts';
import { createUi } from './setup/ui.ts';

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
  // A mistyped archive path fails now, not after the doctor.
  if (opts.imagesFrom && !fs.existsSync(opts.imagesFrom)) {
    throw new UsageError(`--images-from ${opts.imagesFrom}: there is no such file. It is the archive your instructor made with npm run images -- --save FILE.`);
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
  let loaded: string[] = [];
  if (opts.imagesFrom) {
    ui.step(`Loading the image archive ${opts.imagesFrom} into Docker (a few minutes for a few GB)…`);
    loaded = await ui.withHeartbeat('loading the archive', () => loadArchive(opts.imagesFrom!));
    for (const image of loaded) ui.ok(image);
  }
  const nodeImage = process.env[NODE_IMAGE_ENV] || undefined;
  await pullImages(pullPlan(images, { loaded, nodeImage }), ui);
  const changes = await configChanges(images, nodeImage);
  for (const line of explainChanges(changes, images.kindNode)) ui.info(line);
  await ensureCluster(ui, clusterConfigFile(changes));
  const notOnNodes = await loadIntoCluster(images, ui);
  await deployBackingServices(ui);
  writeServicesEnv(ui);
  out(`\n${ui.color.green('✔')} Setup done: cluster "workshop" (context kind-workshop) with Postgres, Redis and Mailpit.\n`);
  if (notOnNodes.length) {
    out(
      `  ${ui.color.yellow('▲')} Not on the nodes yet: ${notOnNodes.join(', ')}. The lessons that use them need them there: run npm run setup again online, or ${ARCHIVE_HINT}.\n`,
    );
  }
  out(`  Next: ${ui.color.bold('npm run lesson 0')}\n`);
  return EXIT.ok;
}

/** How this machine's cluster must differ from kind-config.yaml (see setup/cluster-config.ts). */
async function configChanges(images: ImageList, nodeImage: string | undefined): Promise<ConfigChanges> {
  const changes: ConfigChanges = { cgroupV1: (await engineCgroupVersion()) === 1 };
  if (nodeImage) changes.nodeImage = nodeImage;
  // From an archive the node image has its tag but not the digest kind-config.yaml pins.
  else if (!(await present(images.kindNode)) && (await present(withoutDigest(images.kindNode)))) changes.nodeImage = withoutDigest(images.kindNode);
  return changes;
}

main(process.argv.slice(2))
  .catch((err: unknown) => reportError(err))
  .then((code) => {
    process.exitCode = code;
  });
