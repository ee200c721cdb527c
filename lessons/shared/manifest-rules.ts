// Manifest rules more than one lesson applies: where a variable's value comes from, secrets
// written into manifests, and which Service a URL's host names.
import { envSource, isKind, ofKind, secretLiteral, type ContainerAt, type Finding, type KeysOf, type Manifest } from '../../verify/lesson-api.ts';
import { at } from './k8s.ts';

/**
 * The value a variable gets from a literal or a ConfigMap in k8s/, when that can be known
 * statically. Without `keysOf`, the ConfigMaps of `manifests` say which keys they hold
 * (a Secret is assumed to hold any key: its value is unknown here anyway).
 */
export function staticEnvValue(web: ContainerAt, variable: string, manifests: Manifest[], keysOf?: KeysOf): string | undefined {
  const configMapKeys: KeysOf = (kind, name) => {
    const cm = kind === 'ConfigMap' ? ofKind(manifests, 'ConfigMap').find((x) => x.name === name) : undefined;
    return cm ? Object.keys(cm.object.data ?? {}) : undefined;
  };
  const src = envSource(web, variable, keysOf ?? configMapKeys);
  if (src.from === 'literal') return src.value;
  if (src.from === 'ConfigMap') {
    const value = ofKind(manifests, 'ConfigMap').find((x) => x.name === src.name)?.object.data?.[src.key];
    return value === undefined ? undefined : String(value);
  }
  return undefined;
}

/** Secret-looking literals in env values, Secret objects carrying data, and secrets in ConfigMaps. */
export function literalSecrets(manifests: Manifest[], containers: Array<{ m: Manifest; c: ContainerAt }>, includeConfigMaps: boolean): Finding[] {
  const problems: Finding[] = [];
  for (const { m, c } of containers) {
    (c.container.env ?? []).forEach((e, i) => {
      if (e.value === undefined) return;
      const why = secretLiteral(e.name, String(e.value));
      if (why) problems.push({ where: at(m, [...c.path, 'env', i, 'value']), message: `${e.name} is ${why}, written in plain text` });
    });
  }
  for (const m of manifests) {
    if (isKind(m, 'Secret') && (m.object.data || m.object.stringData)) {
      problems.push({
        where: at(m, ['data' in m.object ? 'data' : 'stringData']),
        message: `Secret ${m.name} with its values is committed in ${m.file} (base64 is an encoding, not encryption)`,
      });
    }
    if (includeConfigMaps && isKind(m, 'ConfigMap')) {
      for (const [key, value] of Object.entries(m.object.data ?? {})) {
        const why = secretLiteral(key, String(value));
        if (why) problems.push({ where: at(m, ['data', key]), message: `ConfigMap ${m.name} holds ${why} (${key})` });
      }
    }
  }
  return problems;
}

/** The Service (in `services`) a URL's host names: svc, svc.ns, svc.ns.svc[.cluster.local], or pod-0.svc…; undefined if none. */
export function serviceForHost(host: string, services: Manifest[], namespace: string): Manifest | undefined {
  const labels = host.split('.');
  const candidates = [
    { name: labels[0], ns: labels[1] },
    { name: labels[1], ns: labels[2] },
  ];
  for (const { name, ns } of candidates) {
    if (!name) continue;
    const wantNs = ns && ns !== 'svc' ? ns : namespace;
    const svc = services.find((s) => s.name === name && (s.namespace ?? 'default') === wantNs);
    if (svc) return svc;
  }
  return undefined;
}
