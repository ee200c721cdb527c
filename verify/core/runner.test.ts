// The runner with inline checks: dependencies suppress cascades, time budgets hold,
// independent checks run in parallel, and an environment error becomes "broken".
import { describe, expect, test } from 'vitest';
import { toyCheck, toyLesson } from '../../test/helpers/toy-lesson.ts';
import { fail, pass, type CheckDefinition } from './check.ts';
import { HARNESS, KIND } from './cluster-backend.ts';
import { EnvironmentError } from './errors.ts';
import { toJson } from './report-json.ts';
import { runLesson, type RunEvent } from './runner.ts';

const lesson = toyLesson('A lesson for testing the runner');
const check = (id: string, run: CheckDefinition['run'], extra: Partial<CheckDefinition> = {}) => toyCheck('code', id, run, extra);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(checks: CheckDefinition[], extra: Partial<Parameters<typeof runLesson>[0]> = {}) {
  return runLesson({ lesson, checks, workspace: process.cwd(), ...extra });
}

describe('runLesson', () => {
  test('a failed dependency skips its dependents instead of failing them', async () => {
    const ran: string[] = [];
    const report = await run([
      check('root', async () => (ran.push('root'), fail('broken root'))),
      check('child', async () => (ran.push('child'), pass('never')), { dependsOn: ['root'] }),
      check('grandchild', async () => (ran.push('grandchild'), pass('never')), { dependsOn: ['child'] }),
    ]);
    expect(ran).toEqual(['root']);
    expect(report.checks.map((c) => [c.id, c.outcome.status, c.skippedBecause])).toEqual([
      ['42.root', 'fail', undefined],
      ['42.child', 'skip', 'dependency'],
      ['42.grandchild', 'skip', 'dependency'],
    ]);
    expect(report.checks[1]!.outcome.message).toBe('needs 42.root to pass first');
    expect(report.ok).toBe(false);
  });

  test('a dependency that skips for its own reason passes the reason on and blocks nothing', async () => {
    const report = await run([
      check('needs-kubelet', async () => ({ status: 'skip', message: 'nodes are simulated' })),
      check('after', async () => pass('never'), { dependsOn: ['needs-kubelet'] }),
      check('after-after', async () => pass('never'), { dependsOn: ['after'] }),
    ]);
    expect(report.checks.map((c) => [c.id, c.outcome.status, c.skippedBecause])).toEqual([
      ['42.needs-kubelet', 'skip', undefined],
      ['42.after', 'skip', 'layer'],
      ['42.after-after', 'skip', 'layer'],
    ]);
    expect(report.checks[2]!.outcome.message).toBe('needs 42.after, which was skipped: nodes are simulated');
    expect(report.ok).toBe(true);
  });

  test('independent checks run in parallel, up to the concurrency limit', async () => {
    let active = 0;
    let most = 0;
    const busy = async () => {
      most = Math.max(most, ++active);
      await sleep(50);
      active--;
      return pass('ok');
    };
    const report = await run(
      ['a', 'b', 'c', 'd', 'e'].map((id) => check(id, busy)),
      { concurrency: 3 },
    );
    expect(report.ok).toBe(true);
    expect(most).toBe(3);
  });

  test('a check over its time budget fails with a message, and the run goes on', async () => {
    const report = await run([
      check('slow', async (ctx) => (await new Promise((r) => ctx.signal.addEventListener('abort', r)), pass('late')), { timeoutMs: 100 }),
      check('fast', async () => pass('quick')),
    ]);
    expect(report.checks[0]!.outcome).toMatchObject({ status: 'fail', message: 'did not finish within 100 ms' });
    expect(report.checks[1]!.outcome.status).toBe('pass');
  });

  test('an EnvironmentError marks the run broken (exit 2), not a learner failure', async () => {
    const report = await run([
      check('needs-db', async () => {
        throw new EnvironmentError('no database', 'npm run services');
      }),
    ]);
    expect(report.broken?.message).toBe('no database');
    expect(report.checks[0]!.skippedBecause).toBe('environment');
    expect(report.ok).toBe(false);
  });

  test('a bug in a check is reported as an internal error, never thrown at the learner', async () => {
    const report = await run([
      check('buggy', async () => {
        throw new TypeError('x is undefined');
      }),
    ]);
    expect(report.broken?.message).toMatch(/Internal error in check 42\.buggy: x is undefined\. This is a bug in the workshop/);
  });

  test('left-out layers skip with the reason; recommended failures do not block', async () => {
    const report = await run(
      [check('cluster-thing', async () => fail('unreachable'), { layer: 'cluster' }), check('style', async () => fail('meh'), { severity: 'recommended' })],
      { layers: new Set(['code']), layersReason: '--no-cluster' },
    );
    expect(report.checks[0]!.outcome.message).toBe('cluster checks are not run (--no-cluster)');
    expect(report.ok).toBe(true);
  });

  test('a disruptive check runs only when allowed', async () => {
    const deletes = check('deletes-a-pod', async () => pass('restored'), { disruptive: true });
    expect((await run([deletes])).checks[0]!.outcome.message).toMatch(/run with --disruptive/);
    expect((await run([deletes], { disruptive: true })).checks[0]!.outcome.status).toBe('pass');
  });

  test('a request that times out inside a check fails the check (the app hung); it is not an internal error', async () => {
    const report = await run([
      check('slow', async () => {
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      }),
    ]);
    expect(report.broken).toBeUndefined();
    expect(report.checks[0]!.outcome).toMatchObject({ status: 'fail', message: expect.stringContaining('no answer in time') });
  });

  test('events: one start, each check started then done, one end; a skipped check is never started', async () => {
    const events: string[] = [];
    await run([check('a', async () => fail('no')), check('b', async () => pass('ok'), { dependsOn: ['a'] })], {
      onEvent: (e) => events.push(e.kind === 'check-start' ? `${e.kind} ${e.id}` : e.kind === 'check-done' ? `${e.kind} ${e.report.id}` : e.kind),
    });
    expect(events).toEqual(['lesson-start', 'check-start 42.a', 'check-done 42.a', 'check-done 42.b', 'lesson-done']);
  });

  describe('capabilities', () => {
    const kubeletOnly = (ran: string[]) =>
      check('through-ingress', async () => (ran.push('through-ingress'), pass('served')), { layer: 'behaviour', requires: ['real-pods'] });

    test('a check whose needs the backend cannot serve is skipped, naming the capability and the backend, without running', async () => {
      const ran: string[] = [];
      const report = await run([kubeletOnly(ran)], { backend: HARNESS });
      expect(ran).toEqual([]);
      const c = report.checks[0]!;
      expect([c.outcome.status, c.skippedBecause]).toEqual(['skip', 'capability']);
      expect(c.outcome.message).toBe(
        "needs real pods (kubelets running containers that serve traffic); this cluster's nodes are simulated by kwok (the test harness: pods turn Ready but no container runs): runs on kind",
      );
      expect(c.outcome.fix).toMatch(/npm run setup/);
      expect(report.ok).toBe(true);
    });

    test('the same check runs on a backend that serves it', async () => {
      const ran: string[] = [];
      const report = await run([kubeletOnly(ran)], { backend: KIND });
      expect(ran).toEqual(['through-ingress']);
      expect(report.checks[0]!.outcome.status).toBe('pass');
    });

    test('every missing capability is named', async () => {
      const report = await run([check('both', async () => pass('never'), { requires: ['real-pods', 'image-store'] })], { backend: HARNESS });
      expect(report.checks[0]!.outcome.message).toMatch(/^needs real pods .* and nodes that hold images .*; this cluster's nodes are simulated by kwok/);
    });

    test('dependents of a capability skip pass the reason on and block nothing', async () => {
      const report = await run(
        [
          kubeletOnly([]),
          check('after', async () => pass('never'), { dependsOn: ['through-ingress'] }),
          check('after-after', async () => pass('never'), { dependsOn: ['after'] }),
        ],
        { backend: HARNESS },
      );
      expect(report.checks.map((c) => [c.id, c.outcome.status, c.skippedBecause])).toEqual([
        ['42.through-ingress', 'skip', 'capability'],
        ['42.after', 'skip', 'capability'],
        ['42.after-after', 'skip', 'capability'],
      ]);
      expect(report.checks[2]!.outcome.message).toMatch(/^needs 42\.after, which was skipped: needs real pods /);
      expect(report.ok).toBe(true);
    });

    test('a failed dependency still blocks: the learner has something to fix whatever the cluster', async () => {
      const report = await run(
        [check('root', async () => fail('broken')), check('needs-pods', async () => pass('never'), { dependsOn: ['root'], requires: ['real-pods'] })],
        { backend: HARNESS },
      );
      expect([report.checks[1]!.outcome.status, report.checks[1]!.skippedBecause]).toEqual(['skip', 'dependency']);
      expect(report.ok).toBe(false);
    });

    test('the capability is the reason given before --disruptive: that flag would not help here', async () => {
      const report = await run([check('deletes-a-pod', async () => pass('never'), { disruptive: true, requires: ['real-pods'] })], { backend: HARNESS });
      expect(report.checks[0]!.skippedBecause).toBe('capability');
    });

    test('with the cluster left out (--no-cluster), a check that requires a capability skips for that, without asking any cluster', async () => {
      const report = await run([kubeletOnly([])], {
        layers: new Set(['code', 'behaviour']),
        layersReason: '--no-cluster',
        kube: { kubeconfig: '/nonexistent/kubeconfig' },
      });
      expect(report.broken).toBeUndefined();
      expect([report.checks[0]!.skippedBecause, report.checks[0]!.outcome.message]).toEqual([
        'layer',
        'needs the cluster, whose checks are not run (--no-cluster)',
      ]);
    });

    test('checks that require nothing never ask the cluster', async () => {
      // No backend given and a kubeconfig that does not exist: any detection would break the run.
      const report = await run([check('plain', async () => pass('ok'))], { kube: { kubeconfig: '/nonexistent/kubeconfig' } });
      expect(report.broken).toBeUndefined();
    });

    test('when the backend cannot be detected (no cluster), the run is broken (exit 2), not skipped as unsupported', async () => {
      const report = await run([kubeletOnly([])], { kube: { kubeconfig: '/nonexistent/kubeconfig' } });
      expect(report.broken).toBeInstanceOf(EnvironmentError);
      expect(report.broken!.message).toMatch(/Cannot read your kubeconfig/);
      expect(report.checks[0]!.skippedBecause).toBe('environment');
    });

    test('JSON: a skipped check says why in `reason`; other checks keep exactly the old fields', async () => {
      const report = await run([kubeletOnly([]), check('plain', async () => pass('ok'))], { backend: HARNESS });
      const [skipped, passed] = toJson(report).checks;
      expect(skipped!.reason).toBe('capability');
      expect(Object.keys(JSON.parse(JSON.stringify(passed)))).toEqual(['id', 'title', 'status', 'severity', 'layer', 'message', 'hint', 'learn', 'durationMs']);
    });
  });
});
