import { describe, expect, test } from 'vitest';
import { parseImageRef, readDockerfile, type ParsedDockerfile } from './dockerfile.ts';
import type { FilesProbe } from './files.ts';

const parse = (text: string): ParsedDockerfile => readDockerfile({ read: (rel: string) => (rel === 'Dockerfile' ? text : undefined) } as FilesProbe)!;

describe('readDockerfile', () => {
  test('resolves ARGs declared before the first FROM, with defaults and ${X:-default}', () => {
    const df = parse('ARG NODE_VERSION=22.23.2\nARG DISTRO\nFROM node:${NODE_VERSION}-alpine3.24 AS deps\nFROM node:$NODE_VERSION-${DISTRO:-bookworm}-slim\n');
    expect(df.stages.map((s) => [s.image, s.tag, s.name, s.unresolved])).toEqual([
      ['node:22.23.2-alpine3.24', '22.23.2-alpine3.24', 'deps', []],
      ['node:22.23.2-bookworm-slim', '22.23.2-bookworm-slim', undefined, []],
    ]);
    expect(df.stages[0]!.written).toBe('node:${NODE_VERSION}-alpine3.24');
  });

  test('an ARG without a default leaves the reference unresolved, and says which', () => {
    const df = parse('ARG NODE_VERSION\nFROM node:${NODE_VERSION}-alpine\n');
    expect(df.final.unresolved).toEqual(['NODE_VERSION']);
  });

  test('ARGs inside a stage do not leak into FROM lines', () => {
    const df = parse('FROM node:22.23.2 AS a\nARG V=1.2.3\nFROM busybox:$V\n');
    expect(df.final.unresolved).toEqual(['V']);
  });

  test('reports what docker build refuses, at its own line, and nothing for a valid file', () => {
    const ok = parse(
      '# syntax=docker/dockerfile:1\nARG V=22.23.2\nFROM --platform=linux/amd64 node:${V} AS deps\nRUN --mount=type=cache,target=/root/.npm npm ci\nRUN <<EOF\nnpm test\nEOF\ncopy --from=deps /a /b\nCMD ["node", "x.js"]\n',
    );
    expect(ok.syntax).toEqual([]);
    const bad = parse('FROM node:22.23.2\nRUNN npm ci\nCOPY\nCOPY --chown=1:1 src\nCMD ["node", "x.js"\nSHELL /bin/bash -c\n');
    expect(bad.syntax.map((p) => p.line)).toEqual([2, 3, 4, 5, 6]);
    expect(bad.syntax[0]!.text).toMatch(/unknown instruction RUNN/);
    expect(bad.syntax[3]!.text).toMatch(/not valid JSON/);
  });

  test('only ARG may come before the first FROM', () => {
    expect(parse('ENV A=1\nFROM node:22.23.2\n').syntax).toEqual([{ line: 1, text: expect.stringMatching(/before the first FROM/) }]);
  });
});

test('parseImageRef splits registry ports, tags and digests correctly', () => {
  expect(parseImageRef('localhost:5000/team/notes')).toEqual({ repository: 'localhost:5000/team/notes', tag: undefined, digest: undefined });
  expect(parseImageRef('gcr.io/distroless/nodejs22-debian12:nonroot@sha256:ab')).toEqual({
    repository: 'gcr.io/distroless/nodejs22-debian12',
    tag: 'nonroot',
    digest: 'sha256:ab',
  });
  expect(parseImageRef('node:22.23.2-alpine3.24').tag).toBe('22.23.2-alpine3.24');
});
