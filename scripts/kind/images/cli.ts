// `node --import tsx scripts/kind/images/cli.ts [IMAGE…]`: build (or load from the cache) the stand-in
// images into the tier's private dockerd (started here and stopped after, or the one another
// `npm run kind:*` already runs). Never the machine's default daemon.
// `--list` prints what would be built and what cannot be. Named images are built even when
// standInImages() leaves them out (the NetworkPolicy enforcer this machine does not run).
// Exit 0 when every image is in the daemon, 2 when a build step or the machine failed.
import { ensureStandInImages, standInImages, UNBUILDABLE, whyUnbuildable } from './build.ts';
import { planFor } from './stand-ins.ts';
import { startPrivateDockerd } from '../dockerd.ts';
import { ENFORCER_IMAGES, policyEnforcer } from '../policy-enforcer.ts';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--list')) {
    for (const image of standInImages()) console.log(`build   ${image}: ${planFor(image)!.describe}`);
    const enforcer = policyEnforcer();
    for (const image of ENFORCER_IMAGES.filter((i) => i !== enforcer.image))
      console.log(`skip    ${image}: this machine's NetworkPolicy enforcer is ${enforcer.name} (${enforcer.why})`);
    for (const image of UNBUILDABLE) console.log(`cannot  ${image}: ${whyUnbuildable(image)}`);
    return 0;
  }
  const images = argv.filter((a) => !a.startsWith('-'));
  const started = Date.now();
  let stop: (() => Promise<void>) | undefined;
  try {
    const d = await startPrivateDockerd({ reuse: true, log: (l) => console.log(`[dockerd] ${l}`) });
    stop = () => d.stop();
    const results = await ensureStandInImages({ dockerd: d, images: images.length ? images : undefined });
    console.log(
      `[stand-ins] ${results.length} images ready in ${Math.round((Date.now() - started) / 1000)}s; cannot build here: ${UNBUILDABLE.join(', ') || 'none'}`,
    );
    return 0;
  } catch (err) {
    console.error(`[stand-ins] ${(err as Error).message}`);
    return 2;
  } finally {
    await stop?.();
  }
}

process.exitCode = await main(process.argv.slice(2));
