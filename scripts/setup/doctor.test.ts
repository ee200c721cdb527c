// The doctor's verdicts and its report, from facts: every machine we cannot have here
// (Docker Desktop on a Mac, a taken port, an old kind) is a fixture.
import pc from 'picocolors';
import { describe, expect, test } from 'vitest';
import { INSTALL, PORTS } from './constants.ts';
import { evaluate, requiredFailures, type Item } from './doctor.ts';
import { classifyEngineProblem, type Facts } from './facts.ts';
import { formatProblems, formatReport, REPORT_END, REPORT_START } from './report.ts';

const GiB = 1024 ** 3;
const NODE_IMAGE = 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5';

/** A laptop where everything is in order: Docker Desktop on an Apple Silicon Mac. */
function ready(overrides: Partial<Facts> = {}): Facts {
  return {
    os: { platform: 'darwin', release: '24.6.0', arch: 'arm64' },
    node: '22.20.0',
    docker: {
      cli: { path: '/usr/local/bin/docker', version: '28.4.0' },
      engine: { serverVersion: '28.4.0', os: 'Docker Desktop', arch: 'aarch64', memTotal: 8 * GiB, ncpu: 8, rootDir: '/var/lib/docker' },
    },
    kind: { path: '/opt/homebrew/bin/kind', version: '0.32.0' },
    kubectl: { path: '/opt/homebrew/bin/kubectl', version: '1.36.0' },
    cluster: { exists: false, hostPorts: [] },
    ports: PORTS.map((p) => ({ ...p, state: 'free' as const })),
    memory: { total: 16 * GiB, free: 6 * GiB },
    disk: { path: '/Users/ada', free: 120 * GiB, docker: false },
    nodeImage: NODE_IMAGE,
    ...overrides,
  };
}

/** What this project's own machine looks like: a docker client, no engine, no kind. */
function thisMachine(): Facts {
  return ready({
    os: { platform: 'linux', release: '6.8.0', arch: 'x64' },
    docker: {
      cli: { path: '/usr/local/bin/docker', version: '28.2.2' },
      engineProblem: classifyEngineProblem('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n', false),
    },
    kind: undefined,
  });
}

const byLabel = (items: Item[], label: string) => items.find((i) => i.label === label)!;
const noColor = pc.createColors(false);

describe('evaluate', () => {
  test('a ready laptop: nothing to fix', () => {
    const items = evaluate(ready());
    expect(requiredFailures(items)).toEqual([]);
    expect(items.filter((i) => i.status !== 'ok')).toEqual([]);
  });

  test('docker client without an engine, and no kind: two ✖ naming what to do', () => {
    const items = evaluate(thisMachine());
    expect(requiredFailures(items).map((i) => i.label)).toEqual(['Docker engine', 'kind']);
    const engine = byLabel(items, 'Docker engine').problem!;
    expect(engine.title).toBe('Docker is installed but its engine is not running.');
    expect(engine.next).toMatch(/^sudo systemctl start docker/);
    expect(engine.link).toBe(INSTALL.dockerStart);
    const kind = byLabel(items, 'kind').problem!;
    expect(kind.title).toBe('kind is not installed.');
    expect(kind.next).toContain(INSTALL.kind);
    expect(byLabel(items, 'docker CLI').status).toBe('ok');
  });

  test('on a Mac, the engine fix is to start Docker Desktop and kind comes from brew', () => {
    const f = thisMachine();
    f.os.platform = 'darwin';
    const items = evaluate(f);
    expect(byLabel(items, 'Docker engine').problem!.next).toMatch(/^start Docker Desktop/);
    expect(byLabel(items, 'kind').problem!.next).toBe('brew install kind, then npm run setup');
  });

  test('no docker, no kubectl: each missing tool names its official install page', () => {
    const items = evaluate(ready({ docker: {}, kubectl: undefined }));
    expect(requiredFailures(items).map((i) => i.label)).toEqual(['docker CLI', 'Docker engine', 'kubectl']);
    expect(byLabel(items, 'docker CLI').problem!.link).toBe(INSTALL.docker);
    expect(byLabel(items, 'kubectl').problem!.link).toBe(INSTALL.kubectl);
  });

  test('engine problems are told apart: permission, timeout', () => {
    const denied = classifyEngineProblem('permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock', false);
    expect(denied.kind).toBe('permission');
    const items = evaluate(
      ready({ os: { platform: 'linux', release: '6.8', arch: 'x64' }, docker: { cli: { path: 'docker', version: '28' }, engineProblem: denied } }),
    );
    expect(byLabel(items, 'Docker engine').problem!.next).toContain('usermod -aG docker');
    expect(classifyEngineProblem('', true).kind).toBe('timeout');
    expect(
      classifyEngineProblem(
        'error during connect: Get "http://%2F%2F.%2Fpipe%2FdockerDesktopLinuxEngine/v1.50/info": open //./pipe/dockerDesktopLinuxEngine: The system cannot find the file specified.',
        false,
      ).kind,
    ).toBe('not-running');
  });

  test('a kind newer than the node image was built for is ✔ and says the pinned Kubernetes is still what it creates', () => {
    expect(byLabel(evaluate(ready({ kind: { path: 'kind', version: '0.33.0' } })), 'kind')).toMatchObject({
      status: 'ok',
      detail: 'v0.33.0 (creates the pinned Kubernetes 1.36.1, built for kind v0.32.0, not its own default)',
    });
    expect(byLabel(evaluate(ready({ kind: { path: 'kind', version: '0.32.1' } })), 'kind')).toMatchObject({ status: 'ok', detail: 'v0.32.1' });
  });

  test('old Node is a ✖; old kind and a skewed kubectl are ▲', () => {
    const items = evaluate(ready({ node: '20.11.1', kind: { path: 'kind', version: '0.20.0' }, kubectl: { path: 'kubectl', version: '1.32.4' } }));
    expect(byLabel(items, 'Node.js').status).toBe('fail');
    expect(byLabel(items, 'kind').status).toBe('warn');
    expect(byLabel(items, 'kind').problem!.why).toContain('Kubernetes 1.36.1');
    expect(byLabel(items, 'kubectl').status).toBe('warn');
    expect(byLabel(items, 'kubectl').problem!.expected).toBe('kubectl 1.35 to 1.37');
  });

  test('a taken kind port is a ✖ with the command that shows who holds it; 3000 is only a ▲', () => {
    const f = ready();
    f.ports = f.ports.map((p) => (p.port === 5432 || p.port === 3000 ? { ...p, state: 'in-use' as const, note: 'another program holds it' } : p));
    const items = evaluate(f);
    const pg = byLabel(items, 'port 5432');
    expect(pg.status).toBe('fail');
    expect(pg.problem!.next).toMatch(/^lsof -nP -iTCP:5432 -sTCP:LISTEN/);
    expect(pg.problem!.why).toContain('local Postgres');
    expect(byLabel(items, 'port 3000').status).toBe('warn');
  });

  test("on a re-run, ports published by the workshop's own cluster are fine", () => {
    const f = ready({ cluster: { exists: true, hostPorts: [80, 443, 1025, 5432, 6379, 8025] } });
    f.ports = f.ports.map((p) => (p.containerPort ? { ...p, state: 'in-use' as const, note: 'something answers on it' } : p));
    const items = evaluate(f);
    expect(requiredFailures(items)).toEqual([]);
    expect(byLabel(items, 'port 5432').detail).toMatch(/^served by the workshop cluster/);
  });

  test('a cluster that exists but does not own the port does not excuse it', () => {
    const f = ready({ cluster: { exists: true, hostPorts: [80, 443] } });
    f.ports = f.ports.map((p) => (p.port === 6379 ? { ...p, state: 'in-use' as const, note: 'another program holds it' } : p));
    expect(byLabel(evaluate(f), 'port 6379').status).toBe('fail');
  });

  test('little memory, a small Docker Desktop VM, a full disk and low inotify are warnings only', () => {
    const f = ready({ memory: { total: 8 * GiB, free: 2 * GiB }, disk: { path: '/var/lib/docker', free: 3 * GiB, docker: true }, inotifyInstances: 128 });
    f.docker.engine!.memTotal = 2 * GiB;
    const items = evaluate(f);
    expect(requiredFailures(items)).toEqual([]);
    expect(byLabel(items, 'memory').status).toBe('warn');
    expect(byLabel(items, 'memory').problem!.next).toContain('Settings → Resources → Memory');
    expect(byLabel(items, 'disk').status).toBe('warn');
    expect(byLabel(items, 'inotify').problem!.next).toContain('fs.inotify.max_user_instances=512');
  });
});

describe('the report', () => {
  const when = new Date('2026-11-25T10:00:00.000Z');

  test('a fenced plain-text block with versions, OS, arch and one mark per item', () => {
    const f = thisMachine();
    const items = evaluate(f);
    const text = formatReport(f, items, { workshop: 'legacy-to-k8s 0.1.0 @ abc1234', when });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(REPORT_START);
    expect(lines.at(-1)).toBe(REPORT_END);
    expect(text).not.toContain('```');
    expect(lines[1]).toBe('workshop doctor · legacy-to-k8s 0.1.0 @ abc1234 · 2026-11-25T10:00:00Z');
    expect(lines[2]).toBe('os  linux 6.8.0 (x64)');
    expect(text).toMatch(/^✔ docker CLI +28\.2\.2$/m);
    expect(text).toMatch(/^✖ Docker engine +not running$/m);
    expect(text).toMatch(/^✖ kind +not installed$/m);
    expect(text).toMatch(/^✔ kubectl +v1\.36\.0$/m);
    expect(text).toMatch(/^✔ port 5432 +free · Postgres$/m);
    expect(lines.at(-2)).toBe('2 to fix, 0 to watch');
    // One line per item between the header and the summary.
    expect(lines.length).toBe(items.length + 5);
    expect(text).not.toMatch(/\x1b\[/);
  });

  test('problems: ✖ before ▲, each with found, expected, why, next and the official link', () => {
    const f = thisMachine();
    f.kubectl = { path: 'kubectl', version: '1.32.4' };
    const text = formatProblems(evaluate(f), noColor);
    const engineAt = text.indexOf('✖ Docker is installed but its engine is not running.');
    const kindAt = text.indexOf('✖ kind is not installed.');
    const kubectlAt = text.indexOf('▲ kubectl v1.32.4');
    expect(engineAt).toBeGreaterThanOrEqual(0);
    expect(kindAt).toBeGreaterThan(engineAt);
    expect(kubectlAt).toBeGreaterThan(kindAt);
    const engineBlock = text.slice(engineAt, kindAt);
    for (const label of ['found', 'expected', 'why', 'next']) expect(engineBlock).toMatch(new RegExp(`^ {4}${label} +\\S`, 'm'));
    expect(engineBlock).toContain(`see       ${INSTALL.dockerStart}`);
    expect(text).toContain(INSTALL.kind);
  });

  test('a ready machine says so', () => {
    const f = ready();
    expect(formatReport(f, evaluate(f), { workshop: 'x', when })).toMatch(new RegExp(`\\nready\\n${REPORT_END}\\n$`));
    expect(formatProblems(evaluate(f), noColor)).toBe('');
  });
});

test('Node 20 works but is past its end of life: a warning, not a failure', () => {
  const items = evaluate(ready({ node: '20.19.0' }));
  const node = items.find((i) => i.label === 'Node.js')!;
  expect(node.status).toBe('warn');
  expect(node.problem?.title).toMatch(/Node\.js 20 is past its end of life/);
  expect(requiredFailures(items)).toEqual([]);
});
