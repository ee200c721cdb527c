// The evidence read from pod objects as kubelets write them: a missing image becomes one
// sentence with its fix, and the containers whose logs explain a failure are picked.
// Pure functions over Pod objects; reading the logs themselves needs real kubelets (the
// kind tier).
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { containerProblems, logLines, logRequests } from './kube-evidence.ts';

type Status = NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number];
const pod = (statuses: Array<Partial<Status> & { name: string }>, images: Record<string, string> = {}): V1Pod => ({
  metadata: { name: 'teamnotes-abc', namespace: 'teamnotes' },
  spec: { containers: statuses.map((s) => ({ name: s.name, image: images[s.name] ?? `${s.name}:1` })) },
  status: { containerStatuses: statuses.map((s) => ({ image: `docker.io/library/${s.name}:1`, imageID: '', ready: false, restartCount: 0, ...s })) },
});

describe('containerProblems: an image missing from the nodes', () => {
  test('a pinned image names setup and the archive', () => {
    const p = pod(
      [
        {
          name: 'postgres',
          state: { waiting: { reason: 'ErrImageNeverPull', message: 'Container image "postgres:17-alpine" is not present with pull policy of Never' } },
        },
      ],
      { postgres: 'postgres:17-alpine' },
    );
    expect(containerProblems(p, new Set(['postgres:17-alpine']))).toEqual([
      'postgres: image postgres:17-alpine is not on the nodes (ErrImageNeverPull): run `npm run setup` online, or load the archive with `npm run setup -- --images-from FILE`',
    ]);
  });

  test("the learner's own image names docker build and kind load, with the name the spec uses", () => {
    const p = pod([{ name: 'web', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "teamnotes:1.0.0"' } } }], {
      web: 'teamnotes:1.0.0',
    });
    expect(containerProblems(p)).toEqual([
      'web: image teamnotes:1.0.0 is not on the nodes (ImagePullBackOff): build and load it: `docker build -t teamnotes:1.0.0 .` in your workspace, then `kind load docker-image teamnotes:1.0.0 --name workshop`',
    ]);
  });

  test("other waiting reasons keep the kubelet's words", () => {
    const p = pod([
      {
        name: 'web',
        state: { waiting: { reason: 'CreateContainerConfigError', message: "couldn't find key SESSION_SECRET in Secret teamnotes/teamnotes-secrets" } },
      },
    ]);
    expect(containerProblems(p)).toEqual(["web: waiting CreateContainerConfigError (couldn't find key SESSION_SECRET in Secret teamnotes/teamnotes-secrets)"]);
  });
});

describe('logRequests: whose logs explain the pod', () => {
  test('a crash-looping container: the run before its restart (the current one is not running)', () => {
    const p = pod([
      { name: 'web', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } },
    ]);
    expect(logRequests(p)).toEqual([{ container: 'web', previous: true }]);
  });

  test('running but not ready (a readiness probe failing): the current run', () => {
    expect(logRequests(pod([{ name: 'web', state: { running: {} }, ready: false }]))).toEqual([{ container: 'web', previous: false }]);
  });

  test('exited with an error and restarted: both runs', () => {
    const p = pod([{ name: 'web', restartCount: 1, state: { terminated: { exitCode: 2 } } }]);
    expect(logRequests(p)).toEqual([
      { container: 'web', previous: false },
      { container: 'web', previous: true },
    ]);
  });

  test('never started (image, config) or healthy: no log to ask for', () => {
    const p = pod([
      { name: 'web', state: { waiting: { reason: 'ErrImageNeverPull' } } },
      { name: 'sidecar', state: { running: {} }, ready: true },
    ]);
    expect(logRequests(p)).toEqual([]);
  });

  test('bounded: at most three streams per pod', () => {
    const many = pod(['a', 'b', 'c', 'd'].map((name) => ({ name, restartCount: 2, state: { terminated: { exitCode: 1 } } })));
    expect(logRequests(many)).toHaveLength(3);
  });
});

describe('logLines', () => {
  test('the last lines, labelled with the container and the run, each on one bounded line', () => {
    const text = ['starting', '', 'listening on 3000', 'Error: connect ECONNREFUSED 10.96.0.5:5432', `  at ${'x'.repeat(400)}`, ''].join('\n');
    const lines = logLines({ container: 'web', previous: true }, text, 3);
    expect(lines.slice(0, 2)).toEqual([
      'web log (run before its last restart): listening on 3000',
      'web log (run before its last restart): Error: connect ECONNREFUSED 10.96.0.5:5432',
    ]);
    expect(lines).toHaveLength(3);
    expect(lines[2]!.length).toBeLessThan(260);
  });

  test('an empty log gives nothing', () => {
    expect(logLines({ container: 'web', previous: false }, '\n\n')).toEqual([]);
  });
});
