// The static rules of lesson 07 that need more than a few lines: probes and loopback URLs
// (the rules later lessons share are in lessons/shared/manifest-rules.ts).
import type { V1Probe } from '@kubernetes/client-node';
import { resolvePort, type ContainerAt, type Finding, type Manifest } from '../../verify/lesson-api.ts';
import { at } from '../shared/k8s.ts';

/** The probe's HTTP path, or how it checks otherwise. */
function probeTarget(p: V1Probe): { path?: string; port?: unknown; mechanism: string } {
  if (p.httpGet) return { path: p.httpGet.path ?? '/', port: p.httpGet.port, mechanism: 'httpGet' };
  if (p.tcpSocket) return { port: p.tcpSocket.port, mechanism: 'tcpSocket' };
  if (p.grpc) return { port: p.grpc.port, mechanism: 'grpc' };
  return { mechanism: p.exec ? 'exec' : 'none' };
}

/**
 * Readiness must ask /readyz (dependencies), liveness /livez (the process only), on the port
 * the app listens on. Correct: the port's name or its number, any periods and thresholds
 * with a timeout shorter than the period, and an extra startupProbe.
 */
export function probeProblems(m: Manifest, web: ContainerAt, listens?: number): Finding[] {
  const problems: Finding[] = [];
  const want = { readinessProbe: '/readyz', livenessProbe: '/livez' } as const;
  for (const [kind, path] of Object.entries(want) as Array<[keyof typeof want, string]>) {
    const probe = web.container[kind];
    const where = at(m, [...web.path, kind]);
    if (!probe) {
      problems.push({ where, message: `container ${web.container.name} has no ${kind}` });
      continue;
    }
    const target = probeTarget(probe);
    if (target.mechanism !== 'httpGet') problems.push({ where, message: `${kind} uses ${target.mechanism}; ask the app over HTTP: httpGet ${path}` });
    else if (target.path !== path) {
      const twist =
        kind === 'livenessProbe' && target.path === '/readyz' ? ' (/readyz checks Postgres and Redis: a database blip would restart every pod)' : '';
      problems.push({ where: at(m, [...web.path, kind, 'httpGet', 'path']), message: `${kind} asks ${target.path}, expected ${path}${twist}` });
    }
    if (target.port !== undefined) {
      const r = resolvePort(web.container, target.port);
      if (!r.ok)
        problems.push({
          where: at(m, [...web.path, kind, target.mechanism, 'port']),
          message: `${kind}: ${r.problem}; the probe would fail and the pod never become Ready`,
        });
      else if (listens !== undefined && r.port !== listens)
        problems.push({
          where: at(m, [...web.path, kind, target.mechanism, 'port']),
          message: `${kind} asks port ${r.port}, but the app listens on ${listens}: the probe would fail and the pod never become Ready`,
        });
    }
    const timeout = probe.timeoutSeconds ?? 1;
    const period = probe.periodSeconds ?? 10;
    if (timeout >= period) problems.push({ where, message: `${kind}: timeoutSeconds ${timeout} is not shorter than periodSeconds ${period}` });
  }
  return problems;
}

const LOOPBACK = /^(localhost|127(?:\.\d+){3}|\[?::1?\]?|0\.0\.0\.0)$/i;

/** URL values of an env file whose host is this machine (localhost, 127.x, ::1, 0.0.0.0). */
export function loopbackUrls(text: string): Array<{ key: string; host: string; line: number }> {
  return text.split('\n').flatMap((raw, i) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*["']?([a-z][a-z0-9+.-]*:\/\/[^\s"']+)/i.exec(raw);
    if (!m) return [];
    let host = '';
    try {
      host = new URL(m[2]!.replace(/<[^>]*>/g, 'x')).hostname;
    } catch {
      return [];
    }
    return LOOPBACK.test(host) ? [{ key: m[1]!, host, line: i + 1 }] : [];
  });
}
