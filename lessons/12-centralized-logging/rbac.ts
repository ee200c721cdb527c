// What the log agent's ServiceAccount may do, read from the RBAC objects in k8s/: is it
// enough for the agent's metadata filter, and is it no more than that?
//
// What else is correct: any names; several rules or one; a Role-free setup where the
// ClusterRole lists pods only (Fluent Bit's kubernetes filter reads namespaces only when
// Namespace_Labels/Namespace_Annotations is on); read access to nodes and nodes/proxy
// (Fluent Bit's Use_Kubelet, other agents' node discovery). What is not: write verbs, `*`,
// Secrets or any other resource type, built-in roles such as cluster-admin, edit or view.
import type { CheckContext, Finding, KnownKinds, Manifest, ObjectOf } from '../../verify/lesson-api.ts';
import { at, type Workload } from '../shared/k8s.ts';

type Role = Manifest<ObjectOf<'Role' | 'ClusterRole'>>;
type Rule = NonNullable<KnownKinds['ClusterRole']['rules']>[number];
type Subject = NonNullable<KnownKinds['ClusterRoleBinding']['subjects']>[number];

const READ = ['get', 'list', 'watch'];
/** Read-only access some log agent's metadata lookup uses. Anything else is more than it needs. */
const MAY_READ = new Set(['pods', 'namespaces', 'nodes', 'nodes/proxy']);
/** Built-in ClusterRoles a learner may bind instead of writing one, and why each is too much. */
const BUILT_IN: Record<string, string> = {
  'cluster-admin': 'every verb on every resource in the cluster, Secrets included',
  admin: 'read and write on almost everything in a namespace, Secrets included',
  edit: 'read and write on most objects, Secrets included',
  view: 'read access to almost every object type in the cluster, not only pods',
};

/** Does the agent's configuration ask the API server about namespaces (their labels or annotations)? */
export function readsNamespaces(config: string): boolean {
  return /^\s*-?\s*namespace_(labels|annotations)\s*[:=\s]\s*["']?(on|true)\b/im.test(config);
}

function rulesOf(role: Role): Rule[] {
  return role.object.rules ?? [];
}

function grants(rule: Rule, resource: string): boolean {
  const group = (rule.apiGroups ?? []).some((g) => g === '' || g === '*');
  const res = (rule.resources ?? []).some((r) => r === resource || r === '*');
  const verbs = READ.every((v) => (rule.verbs ?? []).includes(v) || (rule.verbs ?? []).includes('*'));
  return group && res && verbs;
}

/** What one rule allows beyond reading the resources an agent needs, or undefined. */
function excess(rule: Rule): { field: 'verbs' | 'resources' | 'nonResourceURLs'; text: string } | undefined {
  const verbs = rule.verbs ?? [];
  const resources = rule.resources ?? [];
  if (verbs.includes('*')) return { field: 'verbs', text: 'allows every verb (*), writes included' };
  const writes = verbs.filter((v) => !READ.includes(v));
  if (writes.length) return { field: 'verbs', text: `allows ${writes.join(', ')}: a log agent only reads` };
  if (resources.includes('*')) return { field: 'resources', text: 'reads every resource type (*), Secrets included' };
  if (resources.some((r) => r === 'secrets' || r.startsWith('secrets/')))
    return { field: 'resources', text: 'reads Secrets: every password and token in the cluster' };
  const extra = resources.filter((r) => !MAY_READ.has(r));
  if (extra.length)
    return { field: 'resources', text: `reads ${extra.join(', ')}, which the agent never asks for (it needs pods, and namespaces for namespace labels)` };
  if (rule.nonResourceURLs?.length)
    return { field: 'nonResourceURLs', text: `allows the API paths ${rule.nonResourceURLs.join(', ')}, which the agent never asks for` };
  return undefined;
}

/** Every problem with the agent's permissions, each at the line that causes it. */
export function rbacProblems(ctx: CheckContext, a: Workload, config: string): Finding[] {
  const sa = a.tpl.spec.serviceAccountName;
  const saPath = [...a.tpl.specPath, 'serviceAccountName'];
  if (!sa || sa === 'default') return [{ where: at(a.m, a.tpl.specPath), message: "the agent runs as the namespace's default ServiceAccount" }];
  const problems: Finding[] = [];
  if (!ctx.manifests.find('ServiceAccount').some((m) => m.name === sa && m.namespace === a.m.namespace))
    problems.push({ where: at(a.m, saPath), message: `ServiceAccount ${sa} is not in k8s/` });

  const isAgent = (s: Subject) => s.kind === 'ServiceAccount' && s.name === sa && (s.namespace ?? '') === (a.m.namespace ?? '');
  const bindingsOf = (kind: 'ClusterRoleBinding' | 'RoleBinding') => ctx.manifests.find(kind).filter((b) => (b.object.subjects ?? []).some(isAgent));
  const clusterBindings = bindingsOf('ClusterRoleBinding');
  // Both kinds grant something; only a ClusterRoleBinding grants it in every namespace.
  const all = [...clusterBindings, ...bindingsOf('RoleBinding')];
  const roleOf = (b: (typeof all)[number]) => {
    const ref: { kind?: string; name?: string } = b.object.roleRef ?? {};
    const kind = ref.kind === 'Role' ? 'Role' : 'ClusterRole';
    return { ref, role: ctx.manifests.find(kind).find((r) => r.name === ref.name && (kind === 'ClusterRole' || r.namespace === b.namespace)) };
  };

  for (const b of all) {
    const { ref, role } = roleOf(b);
    if (!role) {
      const builtIn = ref.name ? BUILT_IN[ref.name] : undefined;
      problems.push({
        where: at(b, ['roleRef', 'name']),
        message: builtIn
          ? `${b.kind} ${b.name} gives the agent the built-in ClusterRole ${ref.name}: ${builtIn}`
          : `${b.kind} ${b.name} refers to ${ref.kind ?? 'ClusterRole'} ${ref.name}, which is not in k8s/: write the agent's own ClusterRole, so what it may do is in git`,
      });
      continue;
    }
    rulesOf(role).forEach((rule, i) => {
      const x = excess(rule);
      if (x) problems.push({ where: at(role, ['rules', i, x.field]), message: `${role.kind} ${role.name} ${x.text}` });
    });
  }

  if (!clusterBindings.length) {
    // The classic cause: a binding whose subject is almost the agent (a typo, another namespace).
    const near = ctx.manifests.find('ClusterRoleBinding').find((b) => (b.object.subjects ?? []).some((s) => s.kind === 'ServiceAccount'));
    const other = near && (near.object.subjects ?? []).find((s) => s.kind === 'ServiceAccount')!;
    problems.push(
      near && other
        ? {
            where: at(near, ['subjects']),
            message: `ClusterRoleBinding ${near.name} names ServiceAccount ${other.name} in namespace ${other.namespace ?? '(none)'}, but the agent runs as ${sa} in ${a.m.namespace}: its role reaches nobody`,
          }
        : { where: at(a.m, saPath), message: `no ClusterRoleBinding gives ServiceAccount ${sa} a role: the agent may not read the pods of other namespaces` },
    );
    return problems;
  }
  const roles = clusterBindings.flatMap((b) => {
    const role = roleOf(b).role;
    return role?.kind === 'ClusterRole' ? [role] : [];
  });
  const needed = ['pods', ...(readsNamespaces(config) ? ['namespaces'] : [])];
  for (const res of needed) {
    if (!roles.some((r) => rulesOf(r).some((rule) => grants(rule, res)))) {
      const role = roles[0];
      problems.push({
        where: role ? at(role, ['rules']) : at(clusterBindings[0]!, ['roleRef']),
        message: `the bound ClusterRole${role ? ` ${role.name}` : ''} does not allow get, list, watch on ${res}${res === 'namespaces' ? ' (your filter adds namespace labels, so it asks for them)' : ''}`,
      });
    }
  }
  return problems;
}
