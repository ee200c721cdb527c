// The shared first half of kind:build, kind:dev and the test tier: check the disk, start the private
// dockerd, and make the node image (and the tools base) present in it, building what the cache lacks.
import { existsSync } from 'node:fs';
import { ensureToolsImage } from './base-images.ts';
import { artifactPath, fmtMs, steps } from './cache.ts';
import { checkDisk } from './disk.ts';
import { type PrivateDockerd, startPrivateDockerd } from './dockerd.ts';
import { kindCli } from './go-builds.ts';
import { ensureNodeImage } from './node-image.ts';

export interface Prepared {
  dockerd: PrivateDockerd;
  kind: string;
  nodeImage: string;
}

export async function prepare(opts: { reuse?: boolean } = {}): Promise<Prepared> {
  checkDisk({ cold: !existsSync(artifactPath('node-image.tar.zst')) });
  const dockerd = await startPrivateDockerd({ reuse: opts.reuse });
  try {
    const nodeImage = await ensureNodeImage(dockerd);
    await ensureToolsImage(dockerd);
    return { dockerd, kind: await kindCli(), nodeImage };
  } catch (err) {
    await dockerd.stop();
    throw err;
  }
}

/** One line per artifact: cached, built or loaded, and how long it took. */
export function stepSummary(): string {
  return steps.map((s) => `  ${s.result.padEnd(6)} ${s.name}${s.result === 'cached' ? '' : ` (${fmtMs(s.ms)})`}`).join('\n');
}
