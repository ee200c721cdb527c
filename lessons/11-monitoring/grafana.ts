// What lesson 11 reads out of the learner's Grafana provisioning: data sources and
// dashboard queries, from ConfigMaps in k8s/ (any name, found by content).
import { parse as parseYaml } from 'yaml';
import { getIn } from '../../verify/probes/k8s-semantics.ts';
import type { Manifest } from '../../verify/probes/manifests.ts';

export interface DataSource {
  m: Manifest;
  key: string;
  name: string;
  type: string;
  url: string;
}

export interface Dashboard {
  m: Manifest;
  key: string;
  title: string;
  /** Every PromQL expression of every panel (rows included). */
  exprs: string[];
  error?: string;
}

function data(m: Manifest): Record<string, string> {
  return (getIn(m.object, ['data']) ?? {}) as Record<string, string>;
}

export function dataSources(configMaps: Manifest[]): DataSource[] {
  return configMaps.flatMap((m) =>
    Object.entries(data(m)).flatMap(([key, text]) => {
      if (!/\.ya?ml$/.test(key)) return [];
      let doc: unknown;
      try {
        doc = parseYaml(String(text));
      } catch {
        return [];
      }
      const list = getIn(doc, ['datasources']);
      return Array.isArray(list)
        ? list.map((d: Record<string, unknown>) => ({ m, key, name: String(d.name ?? ''), type: String(d.type ?? ''), url: String(d.url ?? '') }))
        : [];
    }),
  );
}

export function dashboards(configMaps: Manifest[]): Dashboard[] {
  return configMaps.flatMap((m) =>
    Object.entries(data(m))
      .filter(([key]) => key.endsWith('.json'))
      .map(([key, text]) => {
        try {
          const doc = JSON.parse(String(text)) as { title?: string; panels?: unknown[]; dashboard?: { title?: string; panels?: unknown[] } };
          const root = doc.dashboard ?? doc;
          return { m, key, title: String(root.title ?? key), exprs: panelExprs(root.panels ?? []) };
        } catch (err) {
          return { m, key, title: key, exprs: [], error: (err as Error).message };
        }
      }),
  );
}

function panelExprs(panels: unknown[]): string[] {
  return panels.flatMap((p) => {
    const panel = p as { targets?: Array<{ expr?: string }>; panels?: unknown[] };
    return [...(panel.targets ?? []).map((t) => t.expr).filter((e): e is string => !!e), ...panelExprs(panel.panels ?? [])];
  });
}

/** Is a data source URL's host the in-cluster Prometheus Service (not Grafana's own localhost)? */
export function prometheusUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (['localhost', '127.0.0.1', '0.0.0.0', '[::1]'].includes(u.hostname)) return `${url} is Grafana's own pod, not Prometheus`;
  const [svc, ns] = u.hostname.split('.');
  if (svc !== 'prometheus' || (ns && ns !== 'monitoring')) return `${u.hostname} is not the Prometheus Service (prometheus in namespace monitoring)`;
  if ((u.port || '80') !== '9090') return `port ${u.port || 80}: the Prometheus Service listens on 9090`;
  return undefined;
}
