// `npm run images -- --save FILE`: the instructor, online, writes every image the workshop
// uses (images.yaml and the kind node image) into one archive; learners in a room without
// good network then run `npm run setup -- --images-from FILE`. See setup/archive.ts.
import fs from 'node:fs';
import { reportError } from '../verify/cli.ts';
import { EnvironmentError, EXIT, type ExitCode } from '../verify/core/errors.ts';
import { displayPath } from '../verify/core/paths.ts';
import { archiveNames, saveArchive, withoutDigest } from './setup/archive.ts';
import { NODE_IMAGE_ENV } from './setup/cluster-config.ts';
import { run, tail } from './setup/exec.ts';
import { loadImages, present, pullPlan } from './setup/images.ts';
import { imagesOptions, IMAGES_USAGE } from './setup/options.ts';
import { createUi } from './setup/ui.ts';

async function main(argv: string[]): Promise<ExitCode> {
  const opts = imagesOptions(argv);
  if (opts.help) {
    process.stdout.write(IMAGES_USAGE);
    return EXIT.ok;
  }
  const file = opts.save!;
  const engine = await run('docker', ['version', '--format', '{{.Server.Version}}'], 20_000);
  if (!engine.ok)
    throw new EnvironmentError(
      `npm run images needs a running Docker engine to pull and save images; docker says: ${tail(engine, 1) || 'no answer'}`,
      'docker info   (start Docker, then run this again)',
    );
  const ui = createUi();
  // CI's node image is built locally; everything else comes from images.yaml.
  const plan = pullPlan(loadImages(), { nodeImage: process.env[NODE_IMAGE_ENV] || undefined });
  ui.step(`${opts.pull ? 'Pulling' : 'Collecting'} the ${plan.length} images for the archive…`);
  const missing: string[] = [];
  for (const { image, source } of plan) {
    const had = await present(image);
    if (opts.pull && source === 'pull') {
      const r = await ui.withHeartbeat(`pulling ${image}`, () => run('docker', ['pull', '--quiet', image], 15 * 60_000));
      if (r.ok) {
        ui.ok(`${image} pulled`);
      } else if (had) {
        ui.warn(`${image}: could not pull (${tail(r, 1) || 'timed out'}); saving the copy on this machine.`);
      } else {
        ui.fail(`${image}: could not pull (${tail(r, 1) || 'timed out'}) and it is not on this machine.`);
        missing.push(image);
        continue;
      }
    } else if (had) {
      ui.ok(`${image} (on this machine)`);
    } else {
      ui.fail(`${image}: not on this machine.`);
      missing.push(image);
      continue;
    }
    // Give a digest-pinned image its tag, the name the archive can keep.
    const name = withoutDigest(image);
    if (name !== image) {
      const tagged = await run('docker', ['tag', image, name], 30_000);
      if (!tagged.ok) throw new EnvironmentError(`docker tag ${image} ${name} failed: ${tail(tagged, 1)}`, `docker tag ${image} ${name}`);
    }
  }
  if (missing.length) {
    throw new EnvironmentError(
      `No archive written: ${missing.length} image(s) are missing (${missing.join(', ')}). An archive without them would leave learners pulling in class.`,
      `docker pull ${missing[0]}   (check the network), then npm run images -- --save ${file}`,
    );
  }
  const names = archiveNames(plan.map((s) => s.image));
  ui.step(`Writing ${names.length} images to ${file} (docker save, gzip; a few minutes)…`);
  const size = await ui.withHeartbeat(`writing ${file}`, () => saveArchive(names, file));
  ui.ok(`${displayPath(file)}: ${(size / 1024 ** 3).toFixed(2)} GB, ${names.length} images`);
  process.stdout.write(
    `\nIn the room, each learner copies it and runs: ${ui.color.bold(`npm run setup -- --images-from ${fs.existsSync(file) ? displayPath(file) : file}`)}\n`,
  );
  return EXIT.ok;
}

main(process.argv.slice(2))
  .catch((err: unknown) => reportError(err))
  .then((code) => {
    process.exitCode = code;
  });
