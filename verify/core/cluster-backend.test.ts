// Backend detection from Node objects as each kind of cluster writes them, and the
// commands each backend gives for creating a cluster and loading images.
import { describe, expect, test } from 'vitest';
import { detectBackend, HARNESS, KIND, kindClusterOf, missingCapabilities } from './cluster-backend.ts';

const kwokNode = (name: string) => ({ metadata: { name, annotations: { 'kwok.x-k8s.io/node': 'fake' } } });
const kindNode = (name: string) => ({ metadata: { name }, spec: { providerID: `kind://docker/workshop/${name}` } });

describe('detectBackend', () => {
  test('nodes kwok simulates are the harness: it serves no capability', () => {
    const b = detectBackend([kwokNode('workshop-control-plane'), kwokNode('workshop-worker')]);
    expect(b.name).toBe('harness');
    expect(missingCapabilities(b, ['real-pods', 'image-store'])).toEqual(['real-pods', 'image-store']);
  });

  test("nodes with kind's provider id are kind: it serves everything", () => {
    const b = detectBackend([kindNode('workshop-control-plane'), kindNode('workshop-worker')]);
    expect(b.name).toBe('kind');
    expect(missingCapabilities(b, ['real-pods', 'image-store'])).toEqual([]);
  });

  test('real nodes of another cluster serve everything, but the workshop cannot load images into them', () => {
    const b = detectBackend([{ metadata: { name: 'n1' }, spec: { providerID: 'aws:///eu-west-1a/i-0abc' } }]);
    expect(b.name).toBe('other');
    expect(missingCapabilities(b, ['real-pods'])).toEqual([]);
    expect(b.loadCommand(['teamnotes:1.0.0'], 'prod')).toBeUndefined();
  });

  test('real nodes without a provider id, behind a context kind named, are kind', () => {
    expect(detectBackend([{ metadata: { name: 'workshop-worker' } }], 'kind-workshop').name).toBe('kind');
    expect(detectBackend([{ metadata: { name: 'workshop-worker' } }], 'prod').name).toBe('other');
  });

  test('a cluster with one real node among simulated ones is not the harness', () => {
    expect(detectBackend([kwokNode('a'), kindNode('b')]).name).not.toBe('harness');
  });

  test('no node at all serves nothing', () => {
    expect(missingCapabilities(detectBackend([]), ['real-pods'])).toEqual(['real-pods']);
  });
});

describe('commands', () => {
  test('kind loads images into the cluster named by the context', () => {
    expect(kindClusterOf('kind-workshop')).toBe('workshop');
    expect(KIND.loadCommand(['teamnotes:1.1.0', 'teamnotes-worker:1.1.0'], 'kind-workshop')).toEqual({
      cmd: 'kind',
      args: ['load', 'docker-image', '--name', 'workshop', 'teamnotes:1.1.0', 'teamnotes-worker:1.1.0'],
    });
    expect(KIND.createCommand('workshop', '/repo/kind-config.yaml')).toEqual({
      cmd: 'kind',
      args: ['create', 'cluster', '--name', 'workshop', '--config', '/repo/kind-config.yaml', '--wait', '3m'],
    });
    expect(KIND.contextFor('workshop')).toBe('kind-workshop');
  });

  test('the harness has nothing to load (its nodes run no image) and is not created by kind', () => {
    expect(HARNESS.loadCommand(['teamnotes:1.1.0'], 'kind-workshop-harness')).toBeNull();
    expect(HARNESS.createCommand('workshop-harness', 'x')).toBeUndefined();
  });
});
