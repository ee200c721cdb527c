// The image archive for real: `npm run images -- --save`'s writer and `npm run setup --
// --images-from`'s reader (scripts/setup/archive.ts) against a real Docker engine, the kind
// tier's private dockerd. The images are two tiny ones made here with `docker import` (no
// registry is reachable), so the round trip proves the format and the names, not the sizes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EnvironmentError, UsageError } from '../../verify/core/errors.ts';
import { loadArchive, saveArchive } from '../../scripts/setup/archive.ts';
import { startPrivateDockerd, type PrivateDockerd } from '../../scripts/kind/dockerd.ts';

const RUN = `l2k-archive-test-${process.pid}`;
const IMAGES = [`${RUN}/first:1.0.0`, `${RUN}/second:2.0.0`];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2k-archive-'));
const saved = { DOCKER_HOST: process.env.DOCKER_HOST, DOCKER_CONTEXT: process.env.DOCKER_CONTEXT };
let d: PrivateDockerd;

const has = (image: string) =>
  d.docker(['image', 'inspect', '--format', '{{.Id}}', image]).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  d = await startPrivateDockerd({ reuse: true });
  // The archive code shells out to `docker` with the process environment, as setup does for
  // a learner: DOCKER_HOST must be the only thing that points it at this engine.
  process.env.DOCKER_HOST = d.host;
  delete process.env.DOCKER_CONTEXT;
  for (const [i, image] of IMAGES.entries()) {
    const root = path.join(dir, `root-${i}`);
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'hello.txt'), `image ${i}\n`);
    const tar = path.join(dir, `root-${i}.tar`);
    execFileSync('tar', ['-C', root, '-cf', tar, '.']);
    await d.docker(['import', tar, image]);
  }
}, 10 * 60_000);

afterAll(async () => {
  for (const image of IMAGES) await d?.docker(['rmi', '-f', image]).catch(() => {});
  await d?.stop();
  for (const [k, v] of Object.entries(saved))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the image archive on a real engine', () => {
  const archive = path.join(dir, 'room.tar.gz');

  test('save writes one gzip file holding every image', async () => {
    const size = await saveArchive(IMAGES, archive);
    expect(size).toBe(fs.statSync(archive).size);
    expect(fs.existsSync(`${archive}.partial`)).toBe(false);
    const tar = zlib.gunzipSync(fs.readFileSync(archive));
    expect(tar.includes(Buffer.from('manifest.json'))).toBe(true);
  });

  test('load brings back every image under its name, with nothing pulled', async () => {
    for (const image of IMAGES) await d.docker(['rmi', '-f', image]);
    for (const image of IMAGES) expect(await has(image), image).toBe(false);
    expect((await loadArchive(archive)).sort()).toEqual([...IMAGES].sort());
    for (const image of IMAGES) expect(await has(image), image).toBe(true);
  });

  test('a plain tar (docker save without gzip) loads too', async () => {
    const plain = path.join(dir, 'plain.tar');
    fs.writeFileSync(plain, zlib.gunzipSync(fs.readFileSync(archive)));
    expect((await loadArchive(plain)).sort()).toEqual([...IMAGES].sort());
  });

  test('a truncated copy is an environment error naming the file, not a stack trace', async () => {
    const cut = path.join(dir, 'cut.tar.gz');
    const whole = fs.readFileSync(archive);
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const err = await loadArchive(cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(/docker load could not read .*cut\.tar\.gz/);
  });

  test('a missing file is a usage error that says what the file is', async () => {
    const err = await loadArchive(path.join(dir, 'nope.tar.gz')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/npm run images -- --save FILE/);
  });

  test('saving an image the engine does not have fails, and leaves no archive behind', async () => {
    const bad = path.join(dir, 'bad.tar.gz');
    const err = await saveArchive([`${RUN}/absent:0.0.1`], bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(fs.existsSync(bad) || fs.existsSync(`${bad}.partial`)).toBe(false);
  });
});
