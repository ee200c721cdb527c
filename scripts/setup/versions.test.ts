import { describe, expect, test } from 'vitest';
import { firstVersion, gib, minorSkew, nodeImageKubernetesVersion, parseKindVersion, parseKubectlVersion, versionAtLeast } from './versions.ts';

describe('reading tool versions', () => {
  test('kind version, as current and older releases print it', () => {
    expect(parseKindVersion('kind v0.32.0 go1.24.2 linux/amd64\n')).toBe('0.32.0');
    expect(parseKindVersion('kind v0.11.1 go1.16.4 darwin/arm64')).toBe('0.11.1');
    expect(parseKindVersion('bash: kind: command not found')).toBeUndefined();
  });

  test('kubectl --client -o json, with distribution suffixes', () => {
    const json = (v: string) => JSON.stringify({ clientVersion: { major: '1', minor: '32+', gitVersion: v }, kustomizeVersion: 'v5.5.0' });
    expect(parseKubectlVersion(json('v1.32.4-dispatcher'))).toBe('1.32.4');
    expect(parseKubectlVersion(json('v1.31.0+k3s1'))).toBe('1.31.0');
    expect(parseKubectlVersion('Client Version: v1.36.1\nKustomize Version: v5.7.1')).toBe('1.36.1');
    expect(parseKubectlVersion('error: unknown flag')).toBeUndefined();
  });

  test('the Kubernetes version of a pinned kind node image', () => {
    expect(nodeImageKubernetesVersion('kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5')).toBe('1.36.1');
    expect(nodeImageKubernetesVersion('kindest/node')).toBeUndefined();
  });

  test('minor skew for the kubectl ±1 policy', () => {
    expect(minorSkew('1.32.4', '1.36.1')).toBe(4);
    expect(minorSkew('1.37.0', '1.36.1')).toBe(1);
    expect(minorSkew('2.0.0', '1.36.1')).toBe(Infinity);
  });

  test('version comparison used for Node and kind minimums', () => {
    expect(versionAtLeast('20.19.0', '20.19.0')).toBe(true);
    expect(versionAtLeast('20.9.1', '20.19.0')).toBe(false);
    expect(versionAtLeast('0.31.0', '0.32.0')).toBe(false);
    expect(versionAtLeast('0.32.1', '0.32.0')).toBe(true);
  });

  test('helpers', () => {
    expect(firstVersion('Docker version 28.2.2, build e6534b4')).toBe('28.2.2');
    expect(gib(4 * 1024 ** 3)).toBe('4.0 GiB');
  });
});
