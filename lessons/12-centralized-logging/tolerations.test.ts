// Toleration matching as Kubernetes does it (a toleration against one taint), and the
// tolerations the DaemonSet controller adds to its pods: together they decide which nodes
// 12.daemonset-on-every-node names as skipped.
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { daemonSetTolerations, tolerates } from './checks.ts';

const CONTROL_PLANE = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
const DEDICATED = { key: 'dedicated', value: 'logging', effect: 'NoSchedule' };

describe('tolerates', () => {
  it('operator Exists with no key tolerates every taint, whatever its effect', () => {
    const all: V1Toleration[] = [{ operator: 'Exists' }];
    for (const effect of ['NoSchedule', 'PreferNoSchedule', 'NoExecute']) {
      expect(tolerates(all, { ...CONTROL_PLANE, effect })).toBe(true);
      expect(tolerates(all, { ...DEDICATED, effect })).toBe(true);
    }
  });

  it('operator Exists with a key tolerates that key whatever its value, and no other key', () => {
    const t: V1Toleration[] = [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }];
    expect(tolerates(t, DEDICATED)).toBe(true);
    expect(tolerates(t, { ...DEDICATED, value: 'anything' })).toBe(true);
    expect(tolerates(t, CONTROL_PLANE)).toBe(false);
  });

  it('Equal (also when no operator is given) needs the same key and the same value', () => {
    for (const operator of ['Equal', undefined]) {
      const t: V1Toleration[] = [{ key: 'dedicated', operator, value: 'logging', effect: 'NoSchedule' }];
      expect(tolerates(t, DEDICATED)).toBe(true);
      expect(tolerates(t, { ...DEDICATED, value: 'web' })).toBe(false);
      expect(tolerates(t, { ...DEDICATED, key: 'other' })).toBe(false);
    }
  });

  it('Equal with no value matches a taint with no value only', () => {
    const t: V1Toleration[] = [{ key: CONTROL_PLANE.key, operator: 'Equal', effect: 'NoSchedule' }];
    expect(tolerates(t, CONTROL_PLANE)).toBe(true);
    expect(tolerates(t, { ...CONTROL_PLANE, value: 'true' })).toBe(false);
  });

  it('an empty effect matches every effect; a set effect only its own', () => {
    const anyEffect: V1Toleration[] = [{ key: CONTROL_PLANE.key, operator: 'Exists' }];
    const noSchedule: V1Toleration[] = [{ key: CONTROL_PLANE.key, operator: 'Exists', effect: 'NoSchedule' }];
    for (const effect of ['NoSchedule', 'PreferNoSchedule', 'NoExecute']) {
      expect(tolerates(anyEffect, { ...CONTROL_PLANE, effect })).toBe(true);
      expect(tolerates(noSchedule, { ...CONTROL_PLANE, effect })).toBe(effect === 'NoSchedule');
    }
  });

  it('an operator Kubernetes does not know tolerates nothing', () => {
    const t: V1Toleration[] = [{ key: 'dedicated', operator: 'In', value: 'logging', effect: 'NoSchedule' }];
    expect(tolerates(t, DEDICATED)).toBe(false);
  });

  it('one matching toleration among several is enough; none is not', () => {
    const t: V1Toleration[] = [
      { key: 'gpu', operator: 'Exists' },
      { key: CONTROL_PLANE.key, operator: 'Exists', effect: 'NoSchedule' },
    ];
    expect(tolerates(t, CONTROL_PLANE)).toBe(true);
    expect(tolerates([], CONTROL_PLANE)).toBe(false);
  });
});

/** Which of a node's taints keep a DaemonSet's pod off it (what the check reports). */
const blocking = (spec: { tolerations?: V1Toleration[]; hostNetwork?: boolean }, taints: V1Taint[]) =>
  taints.filter((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(daemonSetTolerations(spec), t)).map((t) => `${t.key}:${t.effect}`);

describe('daemonSetTolerations', () => {
  it("keeps the template's own tolerations", () => {
    const own: V1Toleration = { key: CONTROL_PLANE.key, operator: 'Exists', effect: 'NoSchedule' };
    expect(daemonSetTolerations({ tolerations: [own] })).toContainEqual(own);
  });

  it('a cordoned, not-ready or pressured node does not keep a DaemonSet pod off', () => {
    const taints: V1Taint[] = [
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' },
    ];
    expect(blocking({}, taints)).toEqual([]);
  });

  it('network-unavailable is tolerated only for pods on the host network', () => {
    const taints: V1Taint[] = [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }];
    expect(blocking({}, taints)).toEqual(['node.kubernetes.io/network-unavailable:NoSchedule']);
    expect(blocking({ hostNetwork: true }, taints)).toEqual([]);
  });

  it('the control-plane taint is not tolerated automatically: the template must say so', () => {
    const taints: V1Taint[] = [{ key: CONTROL_PLANE.key, effect: 'NoSchedule' }];
    expect(blocking({}, taints)).toEqual(['node-role.kubernetes.io/control-plane:NoSchedule']);
    expect(blocking({ tolerations: [{ key: CONTROL_PLANE.key, operator: 'Exists', effect: 'NoSchedule' }] }, taints)).toEqual([]);
  });

  it('PreferNoSchedule never keeps a DaemonSet pod off a node', () => {
    expect(blocking({}, [{ key: 'dedicated', value: 'db', effect: 'PreferNoSchedule' }])).toEqual([]);
  });
});
