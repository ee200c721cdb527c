// The image archive's pure half: command lines, what setup pulls when an archive was
// loaded or CI names the node image, and reading `docker load`'s output. Writing and
// loading a real archive needs a Docker engine: test/kind/ does that round trip.
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../verify/core/errors.ts';
import { archiveNames, parseLoaded, withoutDigest } from './archive.ts';
import { loadImages, pullPlan, type ImageList } from './images.ts';
import { imagesOptions, options } from './options.ts';

const list: ImageList = {
  kindNode: 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5',
  images: [
    { image: 'postgres:17-alpine', setup: true },
    { image: 'grafana/grafana:12.3.1', setup: false },
  ],
};

describe('setup options', () => {
  test('--images-from FILE', () => {
    expect(options(['--images-from', 'room.tar.gz'])).toEqual({ doctor: false, help: false, imagesFrom: 'room.tar.gz' });
    expect(options([])).toEqual({ doctor: false, help: false, imagesFrom: undefined });
  });

  test('bad input is one usage error (exit 2), never a stack trace', () => {
    for (const argv of [['--images-from'], ['--images-from', ''], ['--doctor', '--images-from', 'x'], ['room.tar.gz']]) {
      expect(() => options(argv), argv.join(' ')).toThrow(UsageError);
    }
  });
});

describe('images options', () => {
  test('--save FILE, pulling unless --no-pull', () => {
    expect(imagesOptions(['--save', 'room.tar.gz'])).toEqual({ save: 'room.tar.gz', pull: true, help: false });
    expect(imagesOptions(['--save', 'room.tar.gz', '--no-pull']).pull).toBe(false);
  });

  test('without --save there is nothing to do: a usage error naming it', () => {
    expect(() => imagesOptions([])).toThrow(/--save FILE is required/);
    expect(() => imagesOptions(['--out', 'x'])).toThrow(UsageError);
  });
});

describe('pullPlan', () => {
  test('online: the node image first, then every image, all pulled', () => {
    expect(pullPlan(list)).toEqual([
      { image: list.kindNode, setup: true, source: 'pull' },
      { image: 'postgres:17-alpine', setup: true, source: 'pull' },
      { image: 'grafana/grafana:12.3.1', setup: false, source: 'pull' },
    ]);
  });

  test('after --images-from: what the archive loaded is never pulled (the node image by its tag), the rest is', () => {
    const plan = pullPlan(list, { loaded: ['kindest/node:v1.36.1', 'postgres:17-alpine'] });
    expect(plan.map((s) => s.source)).toEqual(['loaded', 'loaded', 'pull']);
  });

  test("CI's node image (WORKSHOP_KIND_NODE_IMAGE) replaces only the node image, and is never pulled", () => {
    const plan = pullPlan(list, { nodeImage: 'kindnode:v1.36.1' });
    expect(plan[0]).toEqual({ image: 'kindnode:v1.36.1', setup: true, source: 'local' });
    expect(plan.slice(1)).toEqual(pullPlan(list).slice(1));
  });

  test('images.yaml as committed: every image is in the plan', () => {
    const real = loadImages();
    expect(pullPlan(real).map((s) => s.image)).toEqual([real.kindNode, ...real.images.map((i) => i.image)]);
  });
});

describe('archive names and docker load output', () => {
  test('digest-pinned images are saved under their tag, once each', () => {
    expect(withoutDigest(list.kindNode)).toBe('kindest/node:v1.36.1');
    expect(withoutDigest('postgres:17-alpine')).toBe('postgres:17-alpine');
    expect(archiveNames([list.kindNode, 'postgres:17-alpine', 'postgres:17-alpine'])).toEqual(['kindest/node:v1.36.1', 'postgres:17-alpine']);
  });

  test('parseLoaded reads the names docker load prints, not the untagged ids', () => {
    const out = 'Loaded image: kindest/node:v1.36.1\nLoaded image: postgres:17-alpine\nLoaded image ID: sha256:abc\n';
    expect(parseLoaded(out)).toEqual(['kindest/node:v1.36.1', 'postgres:17-alpine']);
    expect(parseLoaded('')).toEqual([]);
  });
});
