// The `restricted` Pod Security Standard, read from a pod template the way the API server's
// PodSecurity admission reads a pod: pod-level settings count for every container unless a
// container overrides them, init containers are containers, and a field left out is judged
// by what it defaults to. Pure: the static checks use it on k8s/, and its findings name the
// field to change. The live check asks the API server itself (a dry run), which is the
// authority; this is the early, line-numbered version of the same verdict.
import type { V1Container, V1PodSecurityContext, V1SecurityContext, V1Volume } from '@kubernetes/client-node';
import { getIn, type ContainerAt, type FieldPath, type PodTemplate } from '../../verify/lesson-api.ts';

export interface Violation {
  /** The field to change (or add), as a path inside the workload's object. */
  path: FieldPath;
  message: string;
}

/** Volume types `restricted` allows; anything else (hostPath above all) is refused. */
const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
/**
 * The one capability `restricted` lets a container add back: binding a port below 1024. Spelled
 * exactly so: the admission controller compares the strings, and refuses CAP_NET_BIND_SERVICE
 * (as it only counts "ALL" in drop, not "all").
 */
const ADDABLE = ['NET_BIND_SERVICE'];

export function restrictedViolations(tpl: PodTemplate, containers: ContainerAt[]): Violation[] {
  const spec = tpl.spec;
  const pod: V1PodSecurityContext = spec.securityContext ?? {};
  const podSc = [...tpl.specPath, 'securityContext'];
  const out: Violation[] = [];
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[key]) out.push({ path: [...tpl.specPath, key], message: `${key}: true shares the node's ${key.slice(4)} namespace with the pod` });
  }
  (spec.volumes ?? []).forEach((v, i) => {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type && !ALLOWED_VOLUMES.includes(type))
      out.push({
        path: [...tpl.specPath, 'volumes', i, type],
        message: `volume ${v.name} is a ${type}${type === 'hostPath' ? ' (a folder of the node)' : ''}, which restricted does not allow`,
      });
  });
  if (pod.runAsUser === 0) out.push({ path: [...podSc, 'runAsUser'], message: 'runAsUser: 0 is root' });
  // Refused even when every container sets true: the admission controller names the pod itself.
  if (pod.runAsNonRoot === false)
    out.push({ path: [...podSc, 'runAsNonRoot'], message: 'runAsNonRoot: false on the pod, which restricted refuses even where every container sets true' });
  const podSeccomp = pod.seccompProfile?.type;
  if (podSeccomp === 'Unconfined')
    out.push({ path: [...podSc, 'seccompProfile', 'type'], message: 'seccompProfile Unconfined turns the system-call filter off' });

  for (const c of containers) {
    const sc: V1SecurityContext = c.container.securityContext ?? {};
    const at = (...p: FieldPath) => [...c.path, 'securityContext', ...p];
    const name = `container ${c.container.name}`;
    if (sc.privileged) out.push({ path: at('privileged'), message: `${name} is privileged: it can do anything root on the node can` });
    if (sc.allowPrivilegeEscalation !== false) {
      out.push({
        path: at('allowPrivilegeEscalation'),
        message: `${name}: allowPrivilegeEscalation is ${sc.allowPrivilegeEscalation === undefined ? 'not set (it defaults to true)' : String(sc.allowPrivilegeEscalation)}`,
      });
    }
    // runAsNonRoot: the container's own setting wins; otherwise the pod's (a pod-level false is reported above).
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    if (nonRoot !== true && !(sc.runAsNonRoot === undefined && pod.runAsNonRoot === false))
      out.push({
        path: sc.runAsNonRoot === false ? at('runAsNonRoot') : [...podSc, 'runAsNonRoot'],
        message: `${name}: runAsNonRoot is ${nonRoot === false ? 'false' : 'not set'} (on the pod or the container)`,
      });
    if (sc.runAsUser === 0) out.push({ path: at('runAsUser'), message: `${name}: runAsUser: 0 is root` });
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      out.push({
        path: sc.seccompProfile ? at('seccompProfile', 'type') : [...podSc, 'seccompProfile'],
        message: `${name}: seccompProfile is ${seccomp ?? 'not set'} (RuntimeDefault on the pod, or on every container)`,
      });
    }
    const drop = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL'))
      out.push({
        path: at('capabilities', 'drop'),
        message: `${name}: capabilities.drop ${drop.length ? `is [${drop.join(', ')}], not ["ALL"]` : 'does not drop ALL'}`,
      });
    const added = (sc.capabilities?.add ?? []).filter((cap) => !ADDABLE.includes(cap));
    if (added.length) out.push({ path: at('capabilities', 'add'), message: `${name} adds ${added.join(', ')} (restricted allows only NET_BIND_SERVICE)` });
    (c.container.ports ?? []).forEach((p, i) => {
      if (p.hostPort) out.push({ path: [...c.path, 'ports', i, 'hostPort'], message: `${name} binds hostPort ${p.hostPort} on the node` });
    });
  }
  return out;
}

/** Volume types the kubelet always mounts read-only, whatever the mount's readOnly says. */
const READ_ONLY_VOLUMES = ['configMap', 'secret', 'downwardAPI', 'projected', 'image'];

/**
 * Mount paths a container can write to: its mounts not marked readOnly, of a volume that can be
 * written (a configMap or Secret never can). A name not among the pod's volumes is a
 * StatefulSet's claim template: a PersistentVolumeClaim, writable.
 */
export function writableMounts(c: V1Container, volumes: V1Volume[] = []): string[] {
  const readOnlyType = (name: string) => {
    const v = volumes.find((x) => x.name === name);
    return !!v && Object.keys(v).some((k) => READ_ONLY_VOLUMES.includes(k));
  };
  return (c.volumeMounts ?? []).filter((m) => !m.readOnly && !readOnlyType(m.name)).map((m) => m.mountPath.replace(/\/+$/, '') || '/');
}

/** Whether `dir` is inside (or is) one of the writable mounts. */
export function canWrite(mounts: string[], dir: string): boolean {
  return mounts.some((m) => dir === m || dir.startsWith(`${m}/`) || m === '/');
}

/** A probe's handler, normalised so the same check spelled two ways compares equal. */
export function probeHandler(c: V1Container, probe: unknown): string | undefined {
  if (!probe || typeof probe !== 'object') return undefined;
  const named = (port: unknown) =>
    typeof port === 'string' && !/^\d+$/.test(port) ? ((c.ports ?? []).find((p) => p.name === port)?.containerPort ?? port) : Number(port);
  const exec = getIn(probe, ['exec', 'command']);
  if (Array.isArray(exec)) return `exec ${JSON.stringify(exec)}`;
  const http = getIn(probe, ['httpGet']) as { path?: string; port?: unknown; scheme?: string } | undefined;
  if (http) return `httpGet ${http.scheme ?? 'HTTP'} ${named(http.port)} ${http.path ?? '/'}`;
  const tcp = getIn(probe, ['tcpSocket', 'port']);
  if (tcp !== undefined) return `tcpSocket ${named(tcp)}`;
  const grpc = getIn(probe, ['grpc']) as { port?: unknown; service?: string } | undefined;
  if (grpc) return `grpc ${named(grpc.port)} ${grpc.service ?? ''}`;
  return undefined;
}
