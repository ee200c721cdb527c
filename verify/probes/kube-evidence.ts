// Turning cluster state into the evidence a learner would otherwise dig out with
// `kubectl describe`: container waiting/terminated reasons with exit codes, and the
// Warning events (FailedScheduling, probe failures, image pull errors) of an object.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';

/** `web: waiting CrashLoopBackOff (back-off 40s restarting failed container)`, `web: last exit 137 OOMKilled`. */
export function containerProblems(pod: V1Pod): string[] {
  const lines: string[] = [];
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const c of statuses) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && waiting.reason !== 'ContainerCreating') {
      lines.push(`${c.name}: waiting ${waiting.reason}${waiting.message ? ` (${oneLine(waiting.message)})` : ''}`);
    }
    const terminated = c.state?.terminated ?? c.lastState?.terminated;
    if (terminated && terminated.exitCode !== 0) {
      lines.push(`${c.name}: ${c.state?.terminated ? 'exited' : 'last exit'} ${terminated.exitCode} ${terminated.reason ?? ''}`.trim());
    }
    if (!c.ready && !waiting && !terminated && c.state?.running) lines.push(`${c.name}: running but not ready (readiness probe failing?)`);
  }
  return lines;
}

/** Warning events, newest last, deduplicated by reason+message: `FailedScheduling: 0/3 nodes are available: …`. */
export function warningEvents(events: CoreV1Event[], limit = 5): string[] {
  const seen = new Map<string, string>();
  const sorted = [...events].sort((a, b) => eventTime(a) - eventTime(b));
  for (const e of sorted) {
    if (e.type !== 'Warning') continue;
    const line = `${e.reason ?? 'Warning'}: ${oneLine(e.message ?? '')}${(e.count ?? 1) > 1 ? ` (×${e.count})` : ''}`;
    seen.set(`${e.reason}|${e.message}`, line);
  }
  return [...seen.values()].slice(-limit);
}

function eventTime(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? new Date(t as unknown as string).getTime() : 0;
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
