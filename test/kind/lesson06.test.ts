// Lesson 06 on real nodes: the solution's Dockerfile builds with plain `docker build` (its `RUN npm ci`
// reaches the registry; its base is the Node stand-in tagged with images.yaml's name), `kind load`
// puts it on every node, and 06.image-on-nodes, which the kwok tier cannot serve, passes. Before the
// load it fails, naming the nodes without the image.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../scripts/kind/paths.ts';
import { docker, kindEnv, must } from './helpers.ts';

const SOLUTION = path.join(repoRoot, 'solutions/06-containerize');
const IMAGE = 'teamnotes:1.0.0';

interface Report {
  checks: { id: string; status: string; message: string }[];
}

function verify06(): Promise<Report> {
  const k = inject('kind');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'bin/workshop.mjs'), 'verify', '06', '--workspace', SOLUTION, '--json', '--context', k.context],
      {
        cwd: repoRoot,
        env: { ...kindEnv(), NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as Report);
      } catch {
        reject(new Error(`verify 06 exited ${code} without JSON: ${err.trim() || out.trim()}`));
      }
    });
  });
}

const check = (r: Report, id: string) => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`${id} not in the report: ${r.checks.map((x) => x.id).join(', ')}`);
  return c;
};

describe('lesson 06 on real nodes', () => {
  it('06.image-on-nodes fails before kind load and passes after it, on the image docker build made from the solution', async () => {
    const k = inject('kind');
    // Leftovers of an earlier test in this cluster would make the "before" state a lie.
    const before = await verify06();
    expect(check(before, '06.image-on-nodes').status, JSON.stringify(check(before, '06.image-on-nodes'))).toBe('fail');
    expect(check(before, '06.image-on-nodes').message).toMatch(/no versioned teamnotes image on .*workshop-/);

    await docker(['build', '-q', '-t', IMAGE, SOLUTION]);
    const user = (await docker(['image', 'inspect', '--format', '{{.Config.User}}', IMAGE])).trim();
    expect(user).toMatch(/^\d+/); // the lesson's numeric non-root USER survived the real build
    await must(k.kindBin, ['load', 'docker-image', IMAGE, '--name', k.cluster]);

    // The kubelet reports its node's image list with its next status update (seconds), not at load time.
    const until = Date.now() + 120_000;
    let after = await verify06();
    while (check(after, '06.image-on-nodes').status !== 'pass' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5000));
      after = await verify06();
    }
    expect(check(after, '06.image-on-nodes'), check(after, '06.image-on-nodes').message).toMatchObject({ status: 'pass' });
    expect(check(after, '06.image-on-nodes').message).toMatch(/teamnotes:1\.0\.0 is on all 3 nodes/);
  });
});
