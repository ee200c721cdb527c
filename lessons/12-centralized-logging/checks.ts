import { randomBytes } from 'node:crypto';
import type { V1DaemonSet, V1Node, V1Pod, V1Toleration } from '@kubernetes/client-node';
import { defineCheck, fail, getIn, pass, reportFindings, type CheckContext, type Finding } from '../../verify/lesson-api.ts';
import { at, live, namespaceOf, notApplied, podEvidence, addonDeploymentProblem, resourcesOutcome } from '../shared/k8s.ts';
import { agent, agentConfig, configFileProblem } from './agent.ts';
import { inputProblems, outputProblems } from './pipeline-rules.ts';
import { rbacProblems } from './rbac.ts';

const LOGGING = 'logging';
const ADDON = 'npm run addon logging';
const needsAgent = { severity: 'required' as const, layer: 'manifest' as const, dependsOn: ['daemonset-exists'] };

function theAgent(ctx: CheckContext) {
  return agent(ctx)!;
}

/** Does one of these tolerations tolerate that taint? (Kubernetes' own matching rules.) */
export function tolerates(tolerations: V1Toleration[], taint: { key: string; value?: string; effect: string }): boolean {
  return tolerations.some((t) => {
    // An empty effect or key matches any; no operator means Equal; an operator Kubernetes
    // does not know tolerates nothing.
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.key && t.key !== taint.key) return false;
    if (t.operator === 'Exists') return true;
    return (t.operator ?? 'Equal') === 'Equal' && (t.value ?? '') === (taint.value ?? '');
  });
}

/**
 * The tolerations the DaemonSet controller adds to every pod it creates, whatever the
 * template says: its pods still go to nodes that are cordoned, not ready or under pressure.
 * Not the control-plane taint: that one the template must tolerate itself.
 */
export function daemonSetTolerations(spec: { tolerations?: V1Toleration[]; hostNetwork?: boolean }): V1Toleration[] {
  const auto = (key: string, effect: string): V1Toleration => ({ key: `node.kubernetes.io/${key}`, operator: 'Exists', effect });
  return [
    ...(spec.tolerations ?? []),
    auto('not-ready', 'NoExecute'),
    auto('unreachable', 'NoExecute'),
    auto('disk-pressure', 'NoSchedule'),
    auto('memory-pressure', 'NoSchedule'),
    auto('pid-pressure', 'NoSchedule'),
    auto('unschedulable', 'NoSchedule'),
    ...(spec.hostNetwork ? [auto('network-unavailable', 'NoSchedule')] : []),
  ];
}

export default [
  defineCheck({
    id: 'daemonset-exists',
    severity: 'required',
    layer: 'manifest',
    title: 'A log agent runs as a DaemonSet',
    learn: '#1-one-agent-per-node',
    hints: [
      'One agent per node: a DaemonSet, not a Deployment.',
      'k8s/logging/fluent-bit.yaml: kind: DaemonSet, image fluent/fluent-bit:4.2.2, namespace logging',
    ],
    async run(ctx) {
      // What else is correct: any name and file, another agent image (fluentd, Vector, Promtail,
      // Alloy) as long as it is a DaemonSet. Not: a Deployment or StatefulSet (no pod per node).
      const a = agent(ctx);
      if (a) return pass(`DaemonSet ${a.m.name} runs ${a.main.container.image}`);
      return fail('no DaemonSet in k8s/ runs a log agent (Fluent Bit)', {
        expected: 'a DaemonSet running fluent/fluent-bit in namespace logging',
        why: 'Each node keeps the logs of its own containers on its own disk: only an agent on every node sees them all, and they vanish with the pod otherwise.',
        fix: 'Create k8s/logging/fluent-bit.yaml (lesson 12).',
      });
    },
  }),
  defineCheck({
    id: 'tolerates-control-plane',
    ...needsAgent,
    title: 'The agent tolerates the control-plane taint, so it runs on every node',
    learn: '#2-every-node-means-every-node',
    hints: [
      'The control-plane node has the taint node-role.kubernetes.io/control-plane:NoSchedule.',
      'tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]',
    ],
    async run(ctx) {
      const a = theAgent(ctx);
      // What else is correct: the toleration with or without effect, or `operator: Exists` with
      // no key at all, which tolerates every taint (broad, but what a per-node agent is for).
      const ok = tolerates(a.tpl.spec.tolerations ?? [], { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
      return ok
        ? pass('tolerates node-role.kubernetes.io/control-plane:NoSchedule')
        : fail('no toleration for node-role.kubernetes.io/control-plane:NoSchedule', {
            where: at(a.m, a.tpl.specPath),
            expected: 'a toleration for the control-plane taint',
            why: 'The DaemonSet silently skips tainted nodes: the logs of everything on the control-plane node (the ingress controller of lesson 10, for one) are never collected.',
            fix: 'tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]',
          });
    },
  }),
  defineCheck({
    id: 'reads-container-logs',
    ...needsAgent,
    title: 'It reads the container logs where containerd writes them, in CRI format',
    learn: '#3-read-the-nodes-logs',
    hints: [
      'On kind (containerd) the files are /var/log/containers/*.log → /var/log/pods/…; there is no /var/lib/docker.',
      'pipeline.inputs: - name: tail, path: /var/log/containers/*.log, multiline.parser: cri; a hostPath volume for /var/log; and args [-c, /fluent-bit/etc/fluent-bit.yaml] for a YAML file',
    ],
    async run(ctx) {
      const a = theAgent(ctx);
      // What else is correct: /var/log/pods as the path, the classic format, any ConfigMap name
      // and key as long as it is mounted where Fluent Bit reads (see configFileProblem and
      // pipeline-rules.ts).
      const { pipeline, maps } = agentConfig(ctx, a);
      const problems: Finding[] = [];
      if (!maps.length)
        problems.push({ where: at(a.m, [...a.tpl.specPath, 'volumes']), message: 'the agent mounts no ConfigMap from k8s/ with its configuration' });
      else for (const p of inputProblems(pipeline)) problems.push({ where: at(maps[0]!, ['data']), message: p });
      const unread = configFileProblem(a, maps);
      if (unread) problems.unshift({ where: at(a.m, [...a.main.path, 'volumeMounts']), message: unread });
      // /var/log/containers holds symlinks into /var/log/pods: both must be there, or every link is dead.
      const hostLogs = (a.tpl.spec.volumes ?? []).filter(
        (v) => v.hostPath && ['/var/log', '/var/log/pods', '/var/log/containers'].some((p) => v.hostPath!.path.replace(/\/+$/, '') === p),
      );
      const covered = (dir: string) =>
        hostLogs.some((v) => dir === v.hostPath!.path.replace(/\/+$/, '') || dir.startsWith(`${v.hostPath!.path.replace(/\/+$/, '')}/`));
      if (!hostLogs.length)
        problems.push({ where: at(a.m, [...a.tpl.specPath, 'volumes']), message: 'no hostPath volume for /var/log: the agent sees only its own container' });
      else if (!covered('/var/log/pods'))
        problems.push({
          where: at(a.m, [...a.tpl.specPath, 'volumes']),
          message: 'only /var/log/containers is mounted: its files are symlinks into /var/log/pods, which the container cannot see',
        });
      else if (!(a.main.container.volumeMounts ?? []).some((vm) => hostLogs.some((v) => v.name === vm.name)))
        problems.push({ where: at(a.m, [...a.main.path, 'volumeMounts']), message: `the ${hostLogs[0]!.name} volume is not mounted in the container` });
      return reportFindings(problems, 'tails /var/log/containers with the cri parser, from a hostPath', {
        expected: 'tail /var/log/containers/*.log with the cri parser, /var/log mounted from the node',
        why: 'Pointed at the wrong place (or format), the agent runs, looks healthy and ships nothing, or ships every line wrapped in runtime metadata.',
        fix: 'See lesson 12 step 3.',
      });
    },
  }),
  defineCheck({
    id: 'host-path-read-only',
    ...needsAgent,
    title: "The node's directories are mounted read-only",
    learn: '#3-read-the-nodes-logs',
    hints: ["A log agent reads; readOnly: true on the /var/log mount means a bug (or an attacker) in it cannot change the node's files."],
    async run(ctx) {
      const a = theAgent(ctx);
      // What else is correct: one /var/log mount or several narrower ones, each readOnly.
      const hostVolumes = new Set((a.tpl.spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name));
      const writable = (a.main.container.volumeMounts ?? []).map((vm, i) => ({ vm, i })).filter(({ vm }) => hostVolumes.has(vm.name) && !vm.readOnly);
      return reportFindings(
        writable.map(({ vm, i }) => ({
          where: at(a.m, [...a.main.path, 'volumeMounts', i]),
          message: `hostPath ${vm.name} is mounted writable at ${vm.mountPath}`,
        })),
        'every hostPath mount is readOnly',
        {
          expected: 'readOnly: true on every hostPath mount',
          why: "Security linters flag hostPath for a reason: a writable mount of the node's /var/log lets the agent (or whoever breaks into it) rewrite any pod's logs.",
          fix: 'readOnly: true on the mount',
        },
      );
    },
  }),
  defineCheck({
    id: 'rbac',
    ...needsAgent,
    title: 'Its ServiceAccount may get, list and watch pods (and namespaces), and nothing more',
    learn: '#4-who-is-this-line-from',
    hints: [
      'The kubernetes filter asks the API server which pod a file belongs to. The agent runs on every node, so whoever breaks into it gets what its ServiceAccount may do: give it reading pods (and namespaces), nothing else.',
      'ServiceAccount fluent-bit + ClusterRole (apiGroups [""], resources [pods, namespaces], verbs [get, list, watch]) + ClusterRoleBinding',
    ],
    async run(ctx) {
      // What else is correct: see rbac.ts (pods only, node reads, any names and rule layout).
      const a = theAgent(ctx);
      const problems = rbacProblems(ctx, a, agentConfig(ctx, a).text);
      return reportFindings(problems, `ServiceAccount ${a.tpl.spec.serviceAccountName} may read pods and namespaces, nothing more`, {
        expected: 'a ServiceAccount bound by a ClusterRoleBinding to a ClusterRole with get, list, watch on pods (and namespaces), and no other rule',
        why: "Too little and the kubernetes filter is refused (403): lines arrive without namespace or pod. Too much and the agent, which runs on every node with the node's log directory mounted, hands whoever breaks into it the power to read Secrets or change workloads cluster-wide.",
        fix: 'Use the ServiceAccount, ClusterRole and ClusterRoleBinding of lesson 12 step 4 (read-only, pods and namespaces), then kubectl apply -R -f k8s/',
      });
    },
  }),
  defineCheck({
    id: 'resources',
    ...needsAgent,
    title: 'The agent has requests and a memory limit',
    learn: '#1-one-agent-per-node',
    hints: [
      'It runs on every node next to everything else: keep it small and bounded.',
      'resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}',
    ],
    async run(ctx) {
      const a = theAgent(ctx);
      // What else is correct: any sizes, a CPU limit or none; what matters is requests and a memory cap.
      return resourcesOutcome(a.m, a.main, {
        expected: 'requests and a memory limit',
        why: "A log burst can make an unbounded agent eat a node's memory, on every node at once.",
        fix: 'resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}',
      });
    },
  }),
  defineCheck({
    id: 'ships-to-store',
    ...needsAgent,
    title: 'It ships to the Loki Service, by its DNS name, with few labels',
    learn: '#5-ship-to-the-store',
    hints: [
      "pipeline.outputs: - name: loki, match: kube.* (the input's tag), host: loki.logging.svc.cluster.local, port: 3100",
      'Labels from the kubernetes filter only (namespace, pod, container): a value from the log line (a request id) as a label makes one stream per request.',
    ],
    async run(ctx) {
      const a = theAgent(ctx);
      // What else is correct: see outputProblems in pipeline-rules.ts (any name of the Loki
      // Service, any match the container input's tag satisfies, either format; labels from the
      // kubernetes filter only, a namespace among them).
      const { pipeline, maps } = agentConfig(ctx, a);
      const problems = outputProblems(pipeline);
      const tooMany = /from the log line/.test(problems[0] ?? '');
      return problems.length
        ? fail(problems[0]!, {
            where: maps[0] ? at(maps[0], ['data']) : a.m.file,
            expected: 'an output to loki.logging.svc.cluster.local:3100, labelled by namespace, pod and container',
            why: tooMany
              ? 'Loki indexes labels, not text: each new label value opens a stream, and a label per request makes millions of tiny streams until Loki refuses pushes.'
              : /without the namespace/.test(problems[0]!)
                ? 'Loki finds lines by their labels first: without a namespace label, {namespace="teamnotes"} and every query built on it find nothing.'
                : 'Collected lines that go nowhere are lost as surely as uncollected ones.',
            fix: tooMany
              ? "labels: job=fluent-bit, namespace=$kubernetes['namespace_name'], pod=$kubernetes['pod_name'], container=$kubernetes['container_name']"
              : "under pipeline.outputs: - {name: loki, match: kube.*, host: loki.logging.svc.cluster.local, port: 3100, labels: job=fluent-bit, namespace=$kubernetes['namespace_name'], …} (lesson 12 step 5), then kubectl apply -R -f k8s/",
          })
        : pass('output: the Loki Service');
    },
  }),
  defineCheck({
    id: 'store-ready',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['ships-to-store'],
    title: 'Loki runs in the cluster',
    learn: '#5-ship-to-the-store',
    timeoutMs: 45_000,
    hints: [ADDON],
    async run(ctx) {
      return (await addonDeploymentProblem(ctx, 'loki', LOGGING, { install: ADDON, why: 'The agent needs somewhere to ship to.' })) ?? pass('loki Ready');
    },
  }),
  defineCheck({
    id: 'covers-every-node',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['daemonset-exists'],
    title: 'The agent is scheduled and ready on every node of the cluster',
    learn: '#2-every-node-means-every-node',
    timeoutMs: 45_000,
    hints: ['DESIRED in `kubectl -n logging get ds` already leaves out the nodes it cannot run on: compare with `kubectl get nodes`.'],
    async run(ctx) {
      const a = theAgent(ctx);
      if (!(await live(ctx, a.m))) return notApplied(a.m);
      const nodes = await ctx.kube.list<V1Node>('v1', 'Node');
      const settled = await ctx.kube.waitFor(
        async () => {
          const ds = await live<V1DaemonSet>(ctx, a.m);
          const s = ds?.status;
          return s && s.desiredNumberScheduled === nodes.length && s.numberReady === nodes.length && (s.updatedNumberScheduled ?? 0) === nodes.length
            ? ds
            : undefined;
        },
        { timeoutMs: 30_000, signal: ctx.signal },
      );
      if (settled) return pass(`${nodes.length}/${nodes.length} nodes run a Ready agent`);
      const ds = (await live<V1DaemonSet>(ctx, a.m))!;
      const tolerations = daemonSetTolerations(ds.spec?.template.spec ?? {});
      const skipped = nodes.flatMap((n) => {
        const blocking = (n.spec?.taints ?? []).filter(
          (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, { key: t.key, value: t.value, effect: t.effect }),
        );
        return blocking.length
          ? [`${n.metadata?.name}: taint ${blocking.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ')} not tolerated`]
          : [];
      });
      const pods = await ctx.kube.list<V1Pod>('v1', 'Pod', {
        namespace: namespaceOf(a.m),
        labelSelector: Object.entries(ds.spec?.selector.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      });
      const s: Partial<NonNullable<V1DaemonSet['status']>> = ds.status ?? {};
      return fail(`the agent runs on ${s.desiredNumberScheduled ?? 0} of ${nodes.length} nodes (${s.numberReady ?? 0} Ready)`, {
        where: `daemonset/${a.m.name} (namespace ${namespaceOf(a.m)})`,
        expected: `${nodes.length} scheduled and Ready: one per node`,
        why: 'The logs of every pod on a skipped node are never collected, and DESIRED does not tell you: it only counts the nodes the DaemonSet already agreed to run on.',
        fix: skipped.length
          ? 'Add a toleration for the taint named below (lesson 12 step 2), then kubectl apply -R -f k8s/'
          : `kubectl -n ${namespaceOf(a.m)} describe pod -l app.kubernetes.io/name=${a.m.name}`,
        evidence: [...skipped, ...(await podEvidence(ctx, pods))],
      });
    },
  }),
  defineCheck({
    id: 'marker-arrives',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['covers-every-node', 'store-ready'],
    requires: ['real-pods'],
    title: 'A line the app logs arrives in Loki with its namespace and pod',
    learn: '#6-find-a-line',
    timeoutMs: 90_000,
    hints: ['Grafana → Explore → Loki: {namespace="teamnotes"} |= "…"'],
    async run(ctx) {
      // The app logs every request with its request id (lesson 04), taken from X-Request-Id
      // when the caller sends one: a unique id is a marker. (Query strings are not logged.)
      const marker = `verify-${randomBytes(6).toString('hex')}`;
      await ctx
        .http('http://127.0.0.1')
        .get('/', { headers: { 'x-request-id': marker } })
        .catch(() => undefined);
      const query = encodeURIComponent(`{namespace="teamnotes"} |= "${marker}"`);
      const found = await ctx.kube.waitFor(
        async () => {
          const r = await ctx.kube.serviceGet(LOGGING, 'loki', 3100, `/loki/api/v1/query_range?query=${query}&limit=5&since=10m`);
          if (r.status !== 200) return undefined;
          const streams = (JSON.parse(r.body) as { data?: { result?: Array<{ stream: Record<string, string> }> } }).data?.result ?? [];
          return streams.find((s) => s.stream.namespace && s.stream.pod);
        },
        { timeoutMs: 75_000, intervalMs: 3000, signal: ctx.signal },
      );
      return found
        ? pass(`marker found in Loki from pod ${found.stream.pod} (namespace ${found.stream.namespace})`)
        : fail(`a request with marker ${marker} was logged but never reached Loki in 75 s`, {
            why: 'If a marker does not arrive, neither do the errors you will be looking for at 3 a.m.',
            fix: `kubectl -n ${LOGGING} logs ds/fluent-bit   (look for [error] lines about the input, the kubernetes filter or the output)`,
          });
    },
  }),
];
