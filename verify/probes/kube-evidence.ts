// Turning cluster state into the evidence a learner would otherwise dig out with
// `kubectl describe` and `kubectl logs`: container waiting/terminated reasons with exit
// codes, an image missing from the nodes as one sentence with its fix, the Warning events
// (FailedScheduling, probe failures, image pull errors) of an object, and the last lines
// a failing container printed.
import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/** The reasons a kubelet gives when a container's image is not on its node and cannot be pulled there. */
const IMAGE_MISSING = new Set(['ErrImageNeverPull', 'ImagePullBackOff', 'ErrImagePull']);

/**
 * One sentence for an image the node does not have: the images the workshop pins come
 * with setup (online, or from the instructor's archive); any other is the learner's own,
 * built and loaded by hand.
 */
export function imageNotOnNodes(image: string, reason: string, pinned: boolean): string {
  const fix = pinned
    ? 'run `npm run setup` online, or load the archive with `npm run setup -- --images-from FILE`'
    : `build and load it: \`docker build -t ${image} .\` in your workspace, then \`kind load docker-image ${image} --name workshop\``;
  return `image ${image} is not on the nodes (${reason}): ${fix}`;
}

/**
 * `web: waiting CrashLoopBackOff (back-off 40s restarting failed container)`, `web: last exit 137 OOMKilled`.
 * `pinned`: the images images.yaml pins (setup brings them), for the missing-image sentence.
 */
export function containerProblems(pod: V1Pod, pinned: ReadonlySet<string> = new Set()): string[] {
  const lines: string[] = [];
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const c of statuses) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && IMAGE_MISSING.has(waiting.reason)) {
      const image = specImage(pod, c.name) ?? c.image;
      lines.push(`${c.name}: ${imageNotOnNodes(image, waiting.reason, pinned.has(image))}`);
    } else if (waiting?.reason && waiting.reason !== 'ContainerCreating') {
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

/** The image as the pod spec names it (the status may show it resolved, e.g. `docker.io/library/…`). */
function specImage(pod: V1Pod, container: string): string | undefined {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === container)?.image;
}

export interface LogRequest {
  container: string;
  /** The run before the last restart (`kubectl logs --previous`): why it crashed. */
  previous: boolean;
}

/**
 * Whose logs explain a pod: every container that failed, restarted or is running but not
 * ready. The current run when there is one (running, or exited), the previous run when it
 * restarted. None for a container that never started (image, config, scheduling): it has
 * no log, and the events say why.
 */
export function logRequests(pod: V1Pod, max = 3): LogRequest[] {
  const out: LogRequest[] = [];
  const statuses: V1ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const c of statuses) {
    const restarted = (c.restartCount ?? 0) > 0;
    const exitedBadly = (c.state?.terminated?.exitCode ?? 0) !== 0;
    const notReady = !!c.state?.running && !c.ready;
    if (exitedBadly || notReady) out.push({ container: c.name, previous: false });
    if (restarted) out.push({ container: c.name, previous: true });
  }
  return out.slice(0, max);
}

/** The last `lines` non-empty lines of a log, each on one bounded line, labelled with the container and the run. */
export function logLines(req: LogRequest, text: string, lines = 5): string[] {
  const label = `${req.container} log${req.previous ? ' (run before its last restart)' : ''}`;
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim())
    .slice(-lines)
    .map((l) => `${label}: ${oneLine(l)}`);
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
