// What lesson 11 reads out of the learner's Grafana provisioning: data sources and
// dashboard queries, from ConfigMaps in k8s/ (any name, found by content).
import { parse as parseYaml } from 'yaml';
import { getIn, type Manifest, type ObjectOf } from '../../verify/lesson-api.ts';

export interface DataSource {
  m: Manifest;
  key: string;
  name: string;
  type: string;
  url: string;
  uid?: string;
  isDefault: boolean;
}

export interface Dashboard {
  m: Manifest;
  key: string;
  title: string;
  /** Every PromQL expression of every panel (rows included). */
  exprs: string[];
  /** Every data source a panel or query names (undefined: the default one). */
  refs: Array<{ panel: string; ref: unknown }>;
  /** Names of the dashboard's data source variables (`${DS}` in refs). */
  dsVariables: string[];
  error?: string;
}

function data(m: Manifest<ObjectOf<'ConfigMap'>>): Record<string, string> {
  return m.object.data ?? {};
}

export function dataSources(configMaps: Array<Manifest<ObjectOf<'ConfigMap'>>>): DataSource[] {
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
        ? list.map((d: Record<string, unknown>) => ({
            m,
            key,
            name: String(d.name ?? ''),
            type: String(d.type ?? ''),
            url: String(d.url ?? ''),
            uid: d.uid === undefined ? undefined : String(d.uid),
            isDefault: d.isDefault === true,
          }))
        : [];
    }),
  );
}

export function dashboards(configMaps: Array<Manifest<ObjectOf<'ConfigMap'>>>): Dashboard[] {
  return configMaps.flatMap((m) =>
    Object.entries(data(m))
      .filter(([key]) => key.endsWith('.json'))
      .map(([key, text]) => {
        try {
          type Root = { title?: string; panels?: unknown[]; templating?: { list?: Array<{ type?: string; name?: string }> } };
          const doc = JSON.parse(String(text)) as Root & { dashboard?: Root };
          const root = doc.dashboard ?? doc;
          const dsVariables = (root.templating?.list ?? []).filter((v) => v.type === 'datasource' && v.name).map((v) => v.name!);
          return { m, key, title: String(root.title ?? key), exprs: panelExprs(root.panels ?? []), refs: panelRefs(root.panels ?? []), dsVariables };
        } catch (err) {
          return { m, key, title: key, exprs: [], refs: [], dsVariables: [], error: (err as Error).message };
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

type Panel = { title?: string; datasource?: unknown; targets?: Array<{ datasource?: unknown; expr?: string }>; panels?: unknown[] };

function panelRefs(panels: unknown[]): Dashboard['refs'] {
  return panels.flatMap((p) => {
    const panel = p as Panel;
    const title = String(panel.title ?? '(untitled)');
    const own = (panel.targets ?? []).length ? [{ panel: title, ref: panel.datasource }] : [];
    const perQuery = (panel.targets ?? []).filter((t) => t.datasource !== undefined).map((t) => ({ panel: title, ref: t.datasource }));
    return [...own, ...perQuery, ...panelRefs(panel.panels ?? [])];
  });
}

/** Grafana's built-in pseudo data sources, valid in any dashboard. */
const BUILT_IN_SOURCES = ['-- Grafana --', '-- Mixed --', '-- Dashboard --', 'grafana', 'datasource'];

/**
 * Panels whose data source is not one the provisioning creates: Grafana shows "Datasource
 * … was not found" and no data. What else is correct: the data source by uid (an object, as
 * Grafana 8+ exports), by name (a string, the older form), no data source at all (the
 * default), or a data source variable of the dashboard (`${DS_PROMETHEUS}`) that exists.
 */
export function dataSourceRefProblems(d: Dashboard, sources: DataSource[]): string[] {
  const variable = (v: string) => /^\$\{?([A-Za-z0-9_]+)/.exec(v)?.[1];
  const known = (v: string) => {
    const name = variable(v);
    if (name)
      return d.dsVariables.includes(name)
        ? undefined
        : `\${${name}} is not a data source variable of the dashboard (an "export for sharing externally" leaves such placeholders for an import form that provisioning never shows)`;
    return undefined;
  };
  const problems = new Set<string>();
  for (const { panel, ref } of d.refs) {
    if (ref === undefined || ref === null) {
      if (!sources.length) problems.add(`panel "${panel}" uses the default data source, and none is provisioned`);
      continue;
    }
    if (typeof ref === 'string') {
      if (BUILT_IN_SOURCES.includes(ref)) continue;
      const v =
        variable(ref) !== undefined
          ? known(ref)
          : sources.some((s) => s.name === ref || s.uid === ref)
            ? undefined
            : `data source "${ref}" is neither the name nor the uid of a provisioned one (${describe(sources)})`;
      if (v) problems.add(`panel "${panel}": ${v}`);
      continue;
    }
    const { uid, type } = ref as { uid?: unknown; type?: unknown };
    if (uid === undefined || uid === null) {
      if (type !== undefined && !sources.some((s) => s.type === type)) problems.add(`panel "${panel}": no provisioned data source of type ${String(type)}`);
      continue;
    }
    const u = String(uid);
    if (BUILT_IN_SOURCES.includes(u)) continue;
    const v =
      variable(u) !== undefined ? known(u) : sources.some((s) => s.uid === u) ? undefined : `data source uid "${u}" is not provisioned (${describe(sources)})`;
    if (v) problems.add(`panel "${panel}": ${v}`);
  }
  return [...problems];
}

function describe(sources: DataSource[]): string {
  if (!sources.length) return 'no data source is provisioned';
  return `provisioned: ${sources.map((s) => `${s.name}${s.uid ? ` (uid ${s.uid})` : ' (no uid: Grafana makes up a random one at every start)'}`).join(', ')}`;
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
