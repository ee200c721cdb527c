// The restricted profile as the admission controller reads a pod: pod-level settings count
// for every container, a container's own setting wins, and a field left out is its default.
import type { V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { containersOf, type PodTemplate } from '../../verify/lesson-api.ts';
import { canWrite, probeHandler, restrictedViolations, writableMounts } from './pod-security.ts';

const locked = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
function check(spec: V1PodSpec): string[] {
  const tpl: PodTemplate = { labels: {}, spec, specPath: ['spec', 'template', 'spec'], labelsPath: ['spec', 'template', 'metadata', 'labels'] };
  return restrictedViolations(tpl, containersOf(tpl)).map((v) => v.message);
}

describe('restrictedViolations', () => {
  test('pod-level runAsNonRoot and seccomp, locked-down containers: nothing to report', () => {
    expect(
      check({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'web', securityContext: locked }] }),
    ).toEqual([]);
  });

  test('the same settings on every container instead of the pod also pass', () => {
    expect(
      check({
        containers: [{ name: 'web', securityContext: { ...locked, runAsNonRoot: true, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } } }],
      }),
    ).toEqual([]);
  });

  test('allowPrivilegeEscalation left out counts as true; init containers are judged too', () => {
    const found = check({
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      initContainers: [{ name: 'init', securityContext: { capabilities: { drop: ['ALL'] } } }],
      containers: [{ name: 'web', securityContext: locked }],
    });
    expect(found).toEqual(['container init: allowPrivilegeEscalation is not set (it defaults to true)']);
  });

  test('a container overriding runAsNonRoot with false, Unconfined seccomp, an added capability, hostPath and hostPort are each named', () => {
    const found = check({
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      volumes: [
        { name: 'logs', hostPath: { path: '/var/log' } },
        { name: 'tmp', emptyDir: {} },
      ],
      containers: [
        {
          name: 'web',
          ports: [{ containerPort: 80, hostPort: 80 }],
          securityContext: {
            ...locked,
            runAsNonRoot: false,
            seccompProfile: { type: 'Unconfined' },
            capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] },
          },
        },
      ],
    });
    expect(found).toEqual([
      'volume logs is a hostPath (a folder of the node), which restricted does not allow',
      'container web: runAsNonRoot is false (on the pod or the container)',
      'container web: seccompProfile is Unconfined (RuntimeDefault on the pod, or on every container)',
      'container web adds SYS_ADMIN (restricted allows only NET_BIND_SERVICE)',
      'container web binds hostPort 80 on the node',
    ]);
  });
});

describe('restrictedViolations, as the admission controller compares', () => {
  const pod = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  test('capability names are compared as written: NET_BIND_SERVICE may be added, CAP_NET_BIND_SERVICE may not, and drop needs "ALL"', () => {
    expect(
      check({
        securityContext: pod,
        containers: [{ name: 'web', securityContext: { ...locked, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
      }),
    ).toEqual([]);
    expect(
      check({
        securityContext: pod,
        containers: [{ name: 'web', securityContext: { ...locked, capabilities: { drop: ['all'], add: ['CAP_NET_BIND_SERVICE'] } } }],
      }),
    ).toEqual(['container web: capabilities.drop is [all], not ["ALL"]', 'container web adds CAP_NET_BIND_SERVICE (restricted allows only NET_BIND_SERVICE)']);
  });

  test('runAsNonRoot: false on the pod is refused even when every container sets true', () => {
    expect(
      check({
        securityContext: { ...pod, runAsNonRoot: false },
        containers: [{ name: 'web', securityContext: { ...locked, runAsNonRoot: true } }],
      }),
    ).toEqual(['runAsNonRoot: false on the pod, which restricted refuses even where every container sets true']);
  });

  test('a non-zero runAsUser does not stand in for runAsNonRoot', () => {
    expect(
      check({ securityContext: { seccompProfile: pod.seccompProfile }, containers: [{ name: 'web', securityContext: { ...locked, runAsUser: 1000 } }] }),
    ).toEqual(['container web: runAsNonRoot is not set (on the pod or the container)']);
  });
});

describe('writableMounts', () => {
  test('configMap and Secret volumes are read-only whatever the mount says; a claim template, an emptyDir or a parent folder can be written', () => {
    const mounts = writableMounts(
      {
        name: 'pg',
        volumeMounts: [
          { name: 'config', mountPath: '/tmp' },
          { name: 'run', mountPath: '/run/' },
          { name: 'data', mountPath: '/var/lib/postgresql/data' },
          { name: 'scratch', mountPath: '/scratch', readOnly: true },
        ],
      },
      [
        { name: 'config', configMap: { name: 'c' } },
        { name: 'run', emptyDir: { medium: 'Memory' } },
        { name: 'scratch', emptyDir: {} },
      ],
    );
    expect(mounts).toEqual(['/run', '/var/lib/postgresql/data']);
    expect(canWrite(mounts, '/run/postgresql')).toBe(true);
    expect(canWrite(mounts, '/tmp')).toBe(false);
  });
});

describe('probeHandler', () => {
  const c = { name: 'pg', ports: [{ name: 'postgres', containerPort: 5432 }] };
  test('a port by name and by number is the same check; timing does not make it another', () => {
    expect(probeHandler(c, { tcpSocket: { port: 'postgres' }, periodSeconds: 5 })).toBe(probeHandler(c, { tcpSocket: { port: 5432 }, periodSeconds: 30 }));
    expect(probeHandler(c, { exec: { command: ['pg_isready'] } })).not.toBe(probeHandler(c, { tcpSocket: { port: 5432 } }));
  });
});
