// `node --import tsx scripts/kind/images/cli.ts [IMAGE…]`: build (or load from the cache) the stand-in
// images into a Docker daemon. With DOCKER_HOST set, that daemon (the kind tier's build passes its
// private one); without, the tier's own private dockerd, started and stopped here. Never the
// machine's default daemon. `--list` prints what would be built and what cannot be.
// Exit 0 when every image is in the daemon, 2 when a build step or the machine failed.
import { ensureStandInImages, standInImages, UNBUILDABLE, whyUnbuildable } from './build.ts';
import { planFor } from './stand-ins.ts';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--list')) {
    for (const image of standInImages()) console.log(`build   ${image}: ${planFor(image)!.describe}`);
    for (const image of UNBUILDABLE) console.log(`cannot  ${image}: ${whyUnbuildable(image)}`);
    return 0;
  }
  const images = argv.filter((a) => !a.startsWith('-'));
  const started = Date.now();
  let stop: (() => Promise<void>) | undefined;
  try {
    let host = process.env.DOCKER_HOST;
    if (!host) {
      const { startPrivateDockerd } = await import('../dockerd.ts');
      const d = await startPrivateDockerd({ reuse: true, log: (l) => console.log(`[dockerd] ${l}`) });
      host = d.host;
      stop = () => d.stop();
    } else {
      console.log(`[stand-ins] building into DOCKER_HOST=${host}`);
    }
    const results = await ensureStandInImages({ dockerHost: host, images: images.length ? images : undefined });
    console.log(`[stand-ins] ${results.length} images ready in ${Math.round((Date.now() - started) / 1000)}s; cannot build here: ${UNBUILDABLE.join(', ') || 'none'}`);
    return 0;
  } catch (err) {
    console.error(`[stand-ins] ${(err as Error).message}`);
    return 2;
  } finally {
    await stop?.();
  }
}

process.exitCode = await main(process.argv.slice(2));
