import { posix } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import {
  defineCheck,
  defineScenario,
  fail,
  getIn,
  pass,
  reportFindings,
  stringMap,
  type CheckContext,
  type ContainerAt,
  type Finding,
} from '../../verify/lesson-api.ts';
import { APPLY, appDeployment, at, NAMESPACE, namespaceOf, valueInFiles, workloads, type Workload } from '../shared/k8s.ts';
import { autoscalerFindings, budgetFindings, budgets, cpuTarget, lowestReplicas } from './availability.ts';
import { admittedFindings, liveNamespaceProblem, unappliedPolicies } from './live.ts';
import { connection, isEmptySelector, isolating, podSelectorOf, rulePeers, selects } from './network-policy.ts';
import { canWrite, probeHandler, restrictedViolations, writableMounts } from './pod-security.ts';
import { drainScenario, hpaScenario, probePodReach } from './scenarios.ts';
import { ADDON_PODS, endpointOf, KUBE_DNS, namespacesNamed, policiesOf, PROMETHEUS, stranger, trafficMap, TRAEFIK } from './traffic-map.ts';

const manifest = { severity: 'required' as const, layer: 'manifest' as const };
const ENFORCE = 'pod-security.kubernetes.io/enforce';

/** Workloads whose pods run in Teamnotes' namespace: what the namespace's profile applies to. */
const inNamespace = (ctx: CheckContext) => workloads(ctx).filter((w) => namespaceOf(w.m) === NAMESPACE);

/** A folder a program writes to, the other paths that reach it, and what happens when it cannot. */
interface Write {
  dir: string;
  also?: string[];
  symptom: string;
}

/**
 * Where each image writes outside its volumes, from its own documentation and behaviour:
 * with a read-only root these folders must be writable mounts, or the process exits at start.
 */
const WRITES: Record<string, (ctx: CheckContext, w: Workload, c: ContainerAt) => Write[]> = {
  // Both the Alpine and the Debian images make /var/run a symlink to /run: a volume at
  // /run/postgresql (or /run) is the same folder.
  postgres: () => [
    {
      dir: '/var/run/postgresql',
      also: ['/run/postgresql'],
      symptom: 'could not create lock file "/var/run/postgresql/.s.PGSQL.5432.lock": Read-only file system',
    },
  ],
  // Its SQLite database (with the -wal and -shm files beside it) is a file in the temporary
  // folder ($TMPDIR, else /tmp), unless --database or MP_DATABASE puts it elsewhere (or names an
  // rqlite server, http(s)://, which needs no folder at all).
  mailpit: (ctx, w, c) => {
    const database = flagValue(c.container, 'database', 'd') ?? valueInFiles(ctx, w.m, c, 'MP_DATABASE').value;
    if (database) return /^https?:\/\//.test(database) ? [] : [{ dir: posix.dirname(database), symptom: `its mail database ${database} cannot be created` }];
    const tmp = valueInFiles(ctx, w.m, c, 'TMPDIR').value || '/tmp';
    return [{ dir: tmp, symptom: `its mail database (a SQLite file in the temporary folder, ${tmp}) cannot be created` }];
  },
};

export default [
  defineCheck({
    id: 'namespace-restricted',
    ...manifest,
    title: 'The teamnotes Namespace in k8s/ enforces the restricted Pod Security Standard',
    learn: '#1-pod-security-admission',
    hints: [
      'Pod Security Admission is switched on per namespace, by a label on the Namespace object.',
      'metadata.labels: pod-security.kubernetes.io/enforce: restricted (in k8s/namespace.yaml)',
    ],
    // What else is correct: warn/audit labels next to it, an enforce-version pin. Not:
    // baseline (allows root and every default capability) or only warn/audit (nothing refused).
    async run(ctx) {
      const ns = ctx.manifests.find('Namespace').find((m) => m.name === NAMESPACE);
      if (!ns)
        return fail(`k8s/ defines no Namespace ${NAMESPACE}`, {
          expected: `a Namespace ${NAMESPACE} with the label ${ENFORCE}: restricted`,
          why: 'The label lives on the Namespace object: without one in k8s/, nothing in git says what the namespace enforces.',
          fix: 'Do lesson 07 first (k8s/namespace.yaml), then add the label.',
        });
      const labels = stringMap(getIn(ns.object, ['metadata', 'labels']));
      const value = labels[ENFORCE];
      if (value === 'restricted') return pass(`${ENFORCE}: restricted`);
      const onlyWarn = !value && Object.keys(labels).some((k) => k.startsWith('pod-security.kubernetes.io/'));
      return fail(
        value
          ? `${ENFORCE}: ${value}, not restricted`
          : onlyWarn
            ? 'the namespace only warns or audits: no pod is ever refused'
            : `the Namespace ${NAMESPACE} has no ${ENFORCE} label`,
        {
          where: at(ns, value ? ['metadata', 'labels', ENFORCE] : ['metadata']),
          expected: `${ENFORCE}: restricted`,
          why:
            value === 'baseline'
              ? 'baseline still lets a pod run as root with the default capabilities: a compromised Teamnotes container would be root in its container, one kernel bug away from the node.'
              : 'Without enforce, the API server admits any pod here, a privileged one included: one mistaken (or malicious) manifest is root on a node.',
          fix: `Under metadata.labels of k8s/namespace.yaml: ${ENFORCE}: restricted, then ${APPLY}`,
        },
      );
    },
  }),
  defineCheck({
    id: 'pods-meet-restricted',
    ...manifest,
    title: 'Every pod template in teamnotes meets restricted: non-root, seccomp RuntimeDefault, no privilege escalation, all capabilities dropped',
    learn: '#1-pod-security-admission',
    hints: [
      'The API server refuses the pods (not the Deployments): kubectl -n teamnotes describe rs shows "violates PodSecurity "restricted:latest"".',
      'Pod: securityContext {runAsNonRoot: true, runAsUser: <the image\'s uid>, seccompProfile: {type: RuntimeDefault}}; each container: securityContext {allowPrivilegeEscalation: false, capabilities: {drop: ["ALL"]}}',
    ],
    // What else is correct: seccompProfile and runAsNonRoot on every container instead of the
    // pod (both are read that way), seccomp Localhost, adding back NET_BIND_SERVICE, any
    // non-zero uid. Not: a container that sets runAsNonRoot: false over the pod's true.
    async run(ctx) {
      const all = inNamespace(ctx);
      const findings: Finding[] = all.flatMap((w) =>
        restrictedViolations(w.tpl, w.containers).map((v) => ({ where: at(w.m, v.path), message: `${w.m.kind} ${w.m.name}: ${v.message}` })),
      );
      return reportFindings(findings, `${all.length} pod templates meet restricted`, {
        expected: 'every pod of the namespace within the restricted profile',
        why: `With ${ENFORCE}: restricted, the ReplicaSet (StatefulSet, Job) controller's pod is refused: the Deployment exists, its pods never do, and Teamnotes goes down at the next rollout.`,
        fix: `Add the missing fields (lesson 14 step 1), then kubectl apply --dry-run=server -R -f k8s/ and ${APPLY}`,
        maxEvidence: 8,
      });
    },
  }),
  defineCheck({
    id: 'read-only-root',
    ...manifest,
    title: 'Every container in teamnotes has a read-only root filesystem, with a writable volume where its program writes',
    learn: '#2-a-read-only-root-filesystem',
    hints: [
      'securityContext.readOnlyRootFilesystem: true on every container.',
      'Postgres writes its socket and lock file to /var/run/postgresql: mount an emptyDir there (and one at /tmp for Mailpit).',
    ],
    // What else is correct: any writable volume type at those folders (emptyDir with or
    // without medium: Memory, a PVC), a mount on a parent folder, /run/postgresql (the same
    // folder), Mailpit's database moved by MP_DATABASE onto a volume. Not: a configMap or
    // Secret volume, which the kubelet always mounts read-only.
    async run(ctx) {
      const findings: Finding[] = [];
      for (const w of inNamespace(ctx)) {
        for (const c of w.containers) {
          const sc = [...c.path, 'securityContext'];
          if (getIn(c.container, ['securityContext', 'readOnlyRootFilesystem']) !== true) {
            findings.push({
              where: at(w.m, getIn(c.container, ['securityContext']) ? [...sc, 'readOnlyRootFilesystem'] : c.path),
              message: `${w.m.kind} ${w.m.name}, container ${c.container.name}: the root filesystem is writable`,
            });
            continue;
          }
          const mounts = writableMounts(c.container, w.tpl.spec.volumes);
          for (const write of WRITES[imageNameOf(c.container.image)]?.(ctx, w, c) ?? []) {
            if (![write.dir, ...(write.also ?? [])].some((dir) => canWrite(mounts, dir)))
              findings.push({
                where: at(w.m, sc),
                message: `${w.m.kind} ${w.m.name}, container ${c.container.name}: read-only root but nothing writable at ${write.dir}: ${write.symptom}`,
              });
          }
        }
      }
      return reportFindings(findings, "every container's root filesystem is read-only, with volumes where they write", {
        expected: 'readOnlyRootFilesystem: true on every container, and an emptyDir at each folder its program writes outside its data volume',
        why: 'An attacker who gets code running in a container can then change the app or drop a tool into it; read-only, the image stays what you built and scanned.',
        fix: `securityContext.readOnlyRootFilesystem: true, an emptyDir volume mounted where the program writes (lesson 14 step 2), then ${APPLY}`,
        maxEvidence: 8,
      });
    },
  }),
  defineCheck({
    id: 'log-agent-own-namespace',
    ...manifest,
    dependsOn: ['namespace-restricted'],
    title: "The log agent, which needs the node's folders, runs outside the restricted namespace",
    learn: '#3-the-log-agent-keeps-its-own-namespace',
    hints: [
      'Fluent Bit reads /var/log/pods from the node through hostPath volumes, which restricted (and baseline) refuse.',
      'Keep the DaemonSet in namespace logging (lesson 12), whose namespace enforces nothing stricter than privileged.',
    ],
    // What else is correct: any namespace but teamnotes for the agent, labelled privileged or
    // not labelled (privileged is the default). Not: the agent moved into teamnotes.
    async run(ctx) {
      const agents = workloads(ctx, ['DaemonSet', 'Deployment']).filter((w) => (w.tpl.spec.volumes ?? []).some((v) => v.hostPath));
      const strict = new Set(
        ctx.manifests
          .find('Namespace')
          .filter((n) => ['restricted', 'baseline'].includes(stringMap(getIn(n.object, ['metadata', 'labels']))[ENFORCE] ?? ''))
          .map((n) => n.name),
      );
      const findings: Finding[] = agents
        .filter((w) => namespaceOf(w.m) === NAMESPACE || strict.has(namespaceOf(w.m)))
        .map((w) => ({
          where: at(w.m, ['metadata', 'namespace']),
          message: `${w.m.kind} ${w.m.name} mounts a hostPath but runs in namespace ${namespaceOf(w.m)}, which enforces a profile that refuses hostPath`,
        }));
      return reportFindings(
        findings,
        agents.length ? `${agents.map((w) => `${w.m.kind} ${w.m.name} in ${namespaceOf(w.m)}`).join(', ')}` : "no workload of k8s/ needs the node's folders",
        {
          expected: 'workloads that need hostPath in a namespace of their own (logging), not in teamnotes',
          why: "A log agent must read every container's log files from the node: it needs privileges no app pod should have. In its own namespace it gets them, and Teamnotes' namespace can refuse them to everything else.",
          fix: `namespace: logging for the agent (lesson 12), then ${APPLY}`,
        },
      );
    },
  }),
  defineCheck({
    id: 'default-deny',
    ...manifest,
    title: 'NetworkPolicies deny every connection in and out of teamnotes that no rule allows',
    learn: '#4-networkpolicy-deny-by-default-then-allow',
    hints: [
      'A pod is isolated only once a policy selects it; a policy with podSelector: {} selects every pod of its namespace, new ones included.',
      'kind: NetworkPolicy, metadata: {name: default-deny, namespace: teamnotes}, spec: {podSelector: {}, policyTypes: [Ingress, Egress]}',
    ],
    // Judged on a pod nobody wrote a rule for (kubectl run debug): it must be isolated both
    // ways. So one deny-all with both types, two (one per direction), or a selector that
    // matches every pod (matchExpressions Exists on a label all pods have? no: a new pod
    // lacks it) all count only when they really select such a pod.
    async run(ctx) {
      const policies = policiesOf(ctx).filter((p) => p.namespace === NAMESPACE);
      const newPod = stranger();
      const missing = (['Ingress', 'Egress'] as const).filter((dir) => !isolating(policies, newPod, dir).length);
      if (!missing.length) return pass(`every pod of ${NAMESPACE} is isolated for ingress and egress`);
      const loose = policies.find((p) => isEmptySelector(podSelectorOf(p)));
      return fail(
        `a new pod in ${NAMESPACE} is not isolated for ${missing.join(' or ')}: every connection ${missing.length === 2 ? 'in or out' : missing[0] === 'Ingress' ? 'into it' : 'out of it'} is allowed`,
        {
          where: loose ? at(loose.m, ['spec', 'policyTypes']) : policies[0] ? at(policies[0].m, ['spec', 'podSelector']) : undefined,
          expected: 'a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress] (or one per direction)',
          why: 'Policies only allow; a pod no policy selects is open to everyone. Without a default deny, every pod someone adds later (a debug pod, a new service) can reach Postgres, and egress stays open for a compromised pod to send your data anywhere.',
          fix: `Add the default-deny policy of lesson 14 step 4 (k8s/network-policies.yaml), then ${APPLY}`,
        },
      );
    },
  }),
  defineCheck({
    id: 'allowed-paths',
    ...manifest,
    dependsOn: ['default-deny'],
    title:
      "The policies allow exactly Teamnotes' own paths: ingress→web, Prometheus→metrics, app→Postgres/Redis, worker→Mailpit, DNS; nothing else reaches the databases",
    learn: '#4-networkpolicy-deny-by-default-then-allow',
    timeoutMs: 20_000,
    hints: [
      'A connection needs both sides: an egress rule on the caller and an ingress rule on the callee. And the DNS lookup before it.',
      'Egress to kube-system pods with k8s-app: kube-dns on port 53, UDP and TCP; ingress to the web from namespace traefik (namespaceSelector kubernetes.io/metadata.name: traefik).',
    ],
    // What else is correct: ports by name or number, one policy per pair or one per pod,
    // a namespaceSelector by any label the namespace really has, DNS to every namespace on
    // port 53. Judged by evaluating the policies on the pods' real labels and ports.
    async run(ctx) {
      const map = trafficMap(ctx);
      const policies = policiesOf(ctx);
      const findings: Finding[] = [];
      // The policy to look at: one written for that pod (not the namespace-wide deny), else any selecting it.
      const where = (name: string) => {
        const labels = map.endpoints.find((e) => e.name === name)?.labels;
        const mine = labels ? policies.filter((p) => p.namespace === NAMESPACE && selects(podSelectorOf(p), labels)) : [];
        return (mine.find((p) => !isEmptySelector(podSelectorOf(p))) ?? mine[0])?.m;
      };
      for (const c of map.needed) {
        const v = connection(policies, c.from, c.to, c.port, c.protocol);
        if (v.allowed) continue;
        const m = where(c.to.name) ?? where(c.from.name) ?? policies[0]?.m;
        findings.push({
          where: m ? at(m, ['spec']) : 'k8s/',
          message: `${c.from.name} → ${c.to.name} port ${c.port}/${c.protocol} is blocked (${v.blockedBy}), but ${c.why}`,
        });
      }
      for (const c of map.closed) {
        const v = connection(policies, c.from, c.to, c.port, c.protocol);
        if (!v.allowed) continue;
        const m = where(c.to.name) ?? policies[0]?.m;
        findings.push({ where: m ? at(m, ['spec']) : 'k8s/', message: `${c.from.name} can reach ${c.to.name} on port ${c.port}: ${c.why}` });
      }
      const dnsNeeded = map.needed.filter((c) => c.to === KUBE_DNS).length;
      return reportFindings(findings, `${map.needed.length} needed connections allowed (${dnsNeeded} of them DNS), the databases closed to other pods`, {
        expected: `allowed: ${TRAEFIK.name} → web, ${PROMETHEUS.name} → web's metrics port, web/worker/digest → Postgres, Redis and DNS, worker → Mailpit SMTP; nothing else into Postgres or Redis`,
        why: 'A blocked path is an outage (no DNS: every connection fails with ENOTFOUND; no Traefik → web: 504 for everyone); an open one lets any pod in the cluster log in to your database.',
        fix: `Fix the policies in k8s/network-policies.yaml (lesson 14 step 4), then ${APPLY}`,
        maxEvidence: 10,
      });
    },
  }),
  defineCheck({
    id: 'policies-select-pods',
    ...manifest,
    dependsOn: ['default-deny'],
    title: 'Every NetworkPolicy, and every pod selector in its rules, selects pods that exist',
    learn: '#4-networkpolicy-deny-by-default-then-allow',
    hints: [
      'Compare each podSelector with the labels of the pod templates: kubectl -n teamnotes get pods --show-labels.',
      'app.kubernetes.io/name: postgres, not app: postgres (the labels of lesson 09).',
    ],
    // A selector that matches nothing is valid YAML and the API server stores it: the
    // policy quietly does nothing, or its rule allows no one. Judged only where every pod is
    // known: teamnotes (k8s/) and the add-ons' namespaces (traefik, monitoring). A selector
    // that may pick another namespace (kube-system holds more than CoreDNS; {} or a label
    // picks namespaces k8s/ never shows) is not judged when it matches none of the known pods.
    async run(ctx) {
      // Every pod template of k8s/ (not only Teamnotes' own), the add-ons' pods, and CoreDNS.
      const known = [...workloads(ctx).map((w) => endpointOf(ctx, w)), ...ADDON_PODS, KUBE_DNS];
      const complete = new Set([NAMESPACE, ...ADDON_PODS.map((e) => e.namespace)]);
      const findings: Finding[] = [];
      for (const p of policiesOf(ctx)) {
        const own = known.filter((e) => e.namespace === p.namespace);
        const sel = podSelectorOf(p);
        if (p.namespace === NAMESPACE && !isEmptySelector(sel) && !own.some((e) => selects(sel, e.labels))) {
          findings.push({ where: at(p.m, ['spec', 'podSelector']), message: `NetworkPolicy ${p.name} selects no pod: its rules apply to nobody` });
        }
        for (const peer of rulePeers(p)) {
          const candidates = peer.namespaceSelector ? known.filter((e) => selects(peer.namespaceSelector, e.namespaceLabels)) : own;
          const namespaces = peer.namespaceSelector ? namespacesNamed(peer.namespaceSelector) : [p.namespace];
          if (!namespaces?.every((n) => complete.has(n))) continue;
          if (peer.podSelector && !candidates.some((e) => selects(peer.podSelector, e.labels))) {
            findings.push({
              where: at(p.m, [...peer.path, 'podSelector']),
              message: `NetworkPolicy ${p.name}: this podSelector matches no pod${peer.namespaceSelector ? ' in the namespaces it names' : ` in ${p.namespace}`}, so the rule allows no one`,
            });
          }
        }
      }
      return reportFindings(findings, 'every policy and rule selects existing pods', {
        expected: "selectors that match the labels of the pod templates (and of the add-ons' pods)",
        why: 'A policy that selects nothing protects nothing, and a rule whose selector matches nothing opens nothing: with a default deny, that is an outage that `kubectl apply` never warns about.',
        fix: `Use the labels the pods really carry (kubectl -n ${NAMESPACE} get pods --show-labels), then ${APPLY}`,
        maxEvidence: 8,
      });
    },
  }),
  defineCheck({
    id: 'disruption-budget',
    ...manifest,
    title: 'A PodDisruptionBudget keeps one web pod serving during a drain and still allows one eviction; no budget blocks drains',
    learn: '#5-disruption-budgets-and-drains',
    hints: [
      'kubectl drain evicts through the Eviction API, which honours PodDisruptionBudgets; kubectl -n teamnotes get pdb shows ALLOWED DISRUPTIONS.',
      'kind: PodDisruptionBudget (policy/v1), spec: {minAvailable: 1, selector: {matchLabels: {app.kubernetes.io/name: teamnotes}}}',
    ],
    // What else is correct: maxUnavailable: 1, a percentage that rounds to the same
    // (minAvailable: 50%), a matchExpressions selector, unhealthyPodEvictionPolicy either way.
    // Replicas are the HPA's minimum when one scales the Deployment. Not: minAvailable equal to
    // the replicas (0 evictions), nor one budget over the web and the worker that lets both web
    // pods go at once.
    async run(ctx) {
      const web = appDeployment(ctx);
      if (!web) return fail('no Deployment runs the teamnotes image', { fix: 'Do lesson 07 first: npm run verify 7' });
      const all = budgets(ctx);
      const findings = budgetFindings(all);
      const mine = all.filter((b) => b.selected.some((w) => w.m === web.m));
      // Its evictions may all fall on web pods when it also counts other pods (a selector on
      // app.kubernetes.io/part-of takes in the worker): what is left of the web is what counts.
      const webPods = lowestReplicas(ctx, web);
      if (!mine.length) {
        findings.unshift({ where: at(web.m, ['metadata', 'name']), message: `no PodDisruptionBudget selects the pods of Deployment ${web.m.name}` });
      } else if (webPods > 0 && mine.every((b) => b.allowed >= webPods)) {
        const b = mine[0]!;
        const others = b.selected.filter((w) => w.m !== web.m);
        findings.unshift({
          where: at(b.m, ['spec']),
          message: others.length
            ? `PodDisruptionBudget ${b.m.name} counts the web pods together with ${others.map((w) => `${w.m.kind} ${w.m.name}`).join(', ')} and allows ${b.allowed} evictions among those ${b.replicas} pods: ${webPods === 2 ? 'both' : `all ${webPods}`} web pods may be evicted at once, and it keeps nobody serving`
            : `PodDisruptionBudget ${b.m.name} allows all ${b.replicas} web pods to be evicted at once: it keeps nobody serving`,
        });
      }
      return reportFindings(
        findings,
        mine.length
          ? `PodDisruptionBudget ${mine[0]!.m.name}: ${mine[0]!.allowed} of ${mine[0]!.replicas} ${mine[0]!.selected.length > 1 ? 'pods it selects (the web among them)' : 'web pods'} may be evicted at a time`
          : 'ok',
        {
          expected:
            'a PodDisruptionBudget on the web pods that allows at least one eviction and keeps at least one pod (minAvailable: 1 with two replicas); none that allows 0',
          why: 'Without it, a drain may evict both web pods at once: 502s until replacements are Ready. With a budget that allows 0 (minAvailable equal to replicas, or any budget on a one-replica database), `kubectl drain` never finishes and node upgrades stall.',
          fix: `Add k8s/disruption-budget.yaml (lesson 14 step 5) or fix the budget named above, then ${APPLY}`,
        },
      );
    },
  }),
  defineCheck({
    id: 'autoscaler',
    ...manifest,
    title: 'A HorizontalPodAutoscaler (autoscaling/v2) scales the web Deployment on CPU utilization, from at least 2 to more, and the web requests CPU',
    learn: '#6-autoscaling-on-cpu',
    hints: [
      'kubectl -n teamnotes get hpa shows TARGETS cpu: <unknown>/70% when it cannot compute utilization: no metrics-server, or no CPU request.',
      'apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: teamnotes}, minReplicas: 2, maxReplicas: 5, metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]}',
    ],
    // What else is correct: autoscaling/v1 with targetCPUUtilizationPercentage (still
    // served), no metrics at all (the API server fills in 80% CPU), an AverageValue CPU target
    // (which needs no request), a ContainerResource metric, behavior settings. Not: v2beta2
    // (no longer served), minReplicas 1 (one pod at night), a Utilization target without a
    // CPU request.
    async run(ctx) {
      const web = appDeployment(ctx);
      if (!web) return fail('no Deployment runs the teamnotes image', { fix: 'Do lesson 07 first: npm run verify 7' });
      const all = ctx.manifests.find('HorizontalPodAutoscaler').filter((h) => namespaceOf(h) === namespaceOf(web.m));
      const hpa = all.find((h) => getIn(h.object, ['spec', 'scaleTargetRef', 'name']) === web.m.name) ?? all[0];
      if (!hpa) {
        return fail(`no HorizontalPodAutoscaler in ${namespaceOf(web.m)}`, {
          where: at(web.m, ['spec', 'replicas']),
          expected: 'an autoscaling/v2 HorizontalPodAutoscaler on Deployment teamnotes, on CPU utilization, minReplicas 2',
          why: 'Two pods are right for a quiet day, not for Monday morning: without an autoscaler, a burst of traffic queues behind two busy pods until someone notices.',
          fix: `Add k8s/autoscaler.yaml (lesson 14 step 6), npm run addon metrics, then ${APPLY}`,
        });
      }
      const findings = autoscalerFindings(hpa, web);
      return reportFindings(
        findings,
        `HPA ${hpa.name}: ${String(getIn(hpa.object, ['spec', 'minReplicas']))}–${String(getIn(hpa.object, ['spec', 'maxReplicas']))} pods at CPU ${cpuTarget(hpa)?.label}`,
        {
          expected: 'scaleTargetRef the web Deployment, minReplicas ≥ 2 < maxReplicas, a CPU target, and a CPU request on every container of the pod',
          why: 'An HPA that cannot compute its metric or may not add pods does nothing, silently: `kubectl get hpa` shows <unknown> and the replicas never move.',
          fix: `Fix the HPA (lesson 14 step 6), then ${APPLY}`,
        },
      );
    },
  }),
  defineCheck({
    id: 'startup-probe',
    ...manifest,
    title: 'Postgres, which can take minutes to start, has a startup probe that gives it that time before liveness counts',
    learn: '#7-probes-for-slow-starts',
    hints: [
      'After a crash Postgres replays its write-ahead log before it accepts connections; a liveness probe that fails meanwhile restarts it, and the replay starts over.',
      'startupProbe: {exec: {command: [pg_isready, -h, 127.0.0.1, -U, teamnotes, -d, teamnotes]}, periodSeconds: 5, failureThreshold: 60}',
    ],
    // What else is correct: any handler (tcpSocket, exec), any period × threshold of 60 s or
    // more. Not: a long initialDelaySeconds on liveness (it also delays the first check of
    // every ordinary start, and is still a guess).
    async run(ctx) {
      const pg = inNamespace(ctx).flatMap((w) => w.containers.filter((c) => !c.init && imageNameOf(c.container.image) === 'postgres').map((c) => ({ w, c })));
      if (!pg.length) return fail('no container in k8s/ runs the postgres image', { fix: 'Do lesson 09 first: npm run verify 9' });
      const findings: Finding[] = [];
      for (const { w, c } of pg) {
        const p = c.container.startupProbe;
        if (!p) {
          findings.push({
            where: at(w.m, c.container.livenessProbe ? [...c.path, 'livenessProbe'] : c.path),
            message: `${w.m.kind} ${w.m.name}, container ${c.container.name}: no startupProbe`,
          });
          continue;
        }
        const budget = (p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3);
        if (budget < 60)
          findings.push({
            where: at(w.m, [...c.path, 'startupProbe']),
            message: `${w.m.kind} ${w.m.name}: the startupProbe gives up after ${budget} s (periodSeconds × failureThreshold), less than a minute of recovery`,
          });
      }
      return reportFindings(findings, 'Postgres has a startup probe of a minute or more', {
        expected: 'a startupProbe on the Postgres container whose periodSeconds × failureThreshold is 60 s or more',
        why: 'Without it, the liveness probe runs from the start: a recovery longer than its failures allow is killed half-way, restarts, and never finishes (CrashLoopBackOff on the database).',
        fix: `Add the startupProbe of lesson 14 step 7 to k8s/postgres.yaml, then ${APPLY}`,
      });
    },
  }),
  defineCheck({
    id: 'probes-distinct',
    ...manifest,
    title: "No container's liveness probe is the same check as its readiness probe",
    learn: '#7-probes-for-slow-starts',
    hints: [
      'Liveness asks "restart me?", readiness "send me traffic?": the same test answers one of them wrongly.',
      'Postgres: readiness pg_isready, liveness tcpSocket on the postgres port.',
    ],
    // Compared by what they test (command, path and resolved port), not by timing: the
    // same pg_isready with another period is still the same question.
    async run(ctx) {
      const findings: Finding[] = [];
      for (const w of inNamespace(ctx)) {
        for (const c of w.containers) {
          const live = probeHandler(c.container, c.container.livenessProbe);
          if (live && live === probeHandler(c.container, c.container.readinessProbe)) {
            findings.push({
              where: at(w.m, [...c.path, 'livenessProbe']),
              message: `${w.m.kind} ${w.m.name}, container ${c.container.name}: liveness and readiness both run ${live}`,
            });
          }
        }
      }
      return reportFindings(findings, 'every liveness probe asks its own question', {
        expected: 'liveness: is the process alive (tcpSocket, /livez); readiness: can it serve now (pg_isready, /readyz)',
        why: 'When the readiness test fails because a dependency is slow, an identical liveness test restarts the container too: a busy database is restarted into crash recovery, which makes it slower still.',
        fix: `Give the liveness probe its own test (lesson 14 step 7), then ${APPLY}`,
      });
    },
  }),
  defineCheck({
    id: 'namespace-enforced',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['namespace-restricted'],
    title: 'The teamnotes namespace in the cluster enforces restricted',
    learn: '#8-apply-and-prove-it',
    hints: [`kubectl get ns ${NAMESPACE} --show-labels`, APPLY],
    run: liveNamespaceProblem,
  }),
  defineCheck({
    id: 'pods-admitted',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['namespace-enforced'],
    title: 'The API server admits a pod from every pod template of k8s/ into teamnotes (server-side dry run)',
    learn: '#8-apply-and-prove-it',
    timeoutMs: 30_000,
    hints: [
      'Every pod template becomes a Pod and is created with dryRun=All: Pod Security Admission answers as it would for the ReplicaSet.',
      `kubectl -n ${NAMESPACE} describe rs shows the same refusal as a FailedCreate event.`,
    ],
    async run(ctx) {
      const { findings, admitted } = await admittedFindings(ctx, inNamespace(ctx));
      return reportFindings(findings, `${admitted} pods admitted under restricted`, {
        expected: 'every pod accepted by the API server in a namespace that enforces restricted',
        why: "This is the admission controller's own answer: a pod it refuses here is a pod the ReplicaSet, StatefulSet or Job will never get, whatever the YAML looks like.",
        fix: `Fix the fields the API server names (lesson 14 step 1), then ${APPLY}`,
        maxEvidence: 6,
      });
    },
  }),
  defineCheck({
    id: 'policies-applied',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['default-deny', 'disruption-budget', 'autoscaler'],
    title: 'The NetworkPolicies, the PodDisruptionBudget and the HPA in the cluster are those of k8s/',
    learn: '#8-apply-and-prove-it',
    timeoutMs: 30_000,
    hints: [`kubectl -n ${NAMESPACE} get networkpolicy,pdb,hpa`, APPLY],
    async run(ctx) {
      const findings = await unappliedPolicies(ctx);
      return reportFindings(findings, 'every policy, budget and autoscaler of k8s/ is in the cluster as written', {
        expected: 'the objects of k8s/ applied',
        why: 'A policy in a file protects nothing: the API server, and the network plugin behind it, only know what was applied.',
        fix: APPLY,
        maxEvidence: 8,
      });
    },
  }),
  defineCheck({
    id: 'stranger-blocked',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['policies-applied', 'allowed-paths'],
    requires: ['real-pods'],
    title: "On the cluster, a pod without Teamnotes' labels cannot open a connection to Postgres, and a web pod can",
    learn: '#8-apply-and-prove-it',
    timeoutMs: 330_000, // up to 120 s for the rollout after the apply and 90 s for a Ready web pod, then the two probes
    hints: [
      // From another namespace: in teamnotes, restricted refuses a plain `kubectl run` pod.
      `kubectl -n default run probe --rm -it --image=teamnotes:1.1.0 --restart=Never -- node -e "require('net').connect(5432,'postgres.teamnotes.svc.cluster.local').on('connect',()=>console.log('open')).on('error',(e)=>console.log(e.code))"   (must not print open)`,
      'Open: does your cluster enforce NetworkPolicy? kind does from v0.24 (kindnetd); `kind version`.',
    ],
    run: probePodReach,
  }),
  defineCheck({
    id: 'drain-keeps-serving',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['policies-applied'],
    requires: ['real-pods'],
    disruptive: true,
    title: 'Draining a node that runs a web pod loses no request through http://localhost/',
    learn: '#5-disruption-budgets-and-drains',
    timeoutMs: 520_000, // up to 120 s for the rollout after the apply, then the drain and the way back
    hints: [
      'The verifier cordons the node, evicts its Deployment pods through the Eviction API (as kubectl drain does) while sending requests, then uncordons it.',
      'Lost requests: is the PDB applied (kubectl -n teamnotes get pdb)? Does the app keep serving while it drains (lesson 03)?',
    ],
    run: (ctx) => ctx.scenario(drained),
  }),
  defineCheck({
    id: 'autoscaler-scales',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['policies-applied'],
    requires: ['real-pods'],
    disruptive: true,
    title: 'Under load the HPA adds web pods, and removes them again once the load is gone',
    learn: '#6-autoscaling-on-cpu',
    timeoutMs: 1_600_000, // its own 15 minutes at most, after the drain (up to 8.7) has finished
    hints: [
      'kubectl -n teamnotes get hpa -w while the verifier sends load; TARGETS <unknown>: npm run addon metrics, then wait a minute.',
      'kubectl top pods -n teamnotes shows what metrics-server measures.',
    ],
    run: (ctx) => ctx.scenario(scaled),
  }),
];

// The drain and the autoscaler both move the web Deployment's pods: run side by side, the drain
// found no Ready web pod while the HPA was scaling (seen on real kind). Scenarios with a declared
// order run them one after the other, the drain first; each check still reports its own outcome.
const drained = defineScenario({ name: 'drain a node under load', run: drainScenario });
const scaled = defineScenario({ name: 'scale on CPU and back', after: [drained], run: hpaScenario });

/** The value of a command-line flag (`--name value`, `--name=value`, `-s value`), as the container runs it. */
function flagValue(c: V1Container, name: string, short?: string): string | undefined {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  for (const [i, a] of argv.entries()) {
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (a === `--${name}` || (short && a === `-${short}`)) return argv[i + 1];
  }
  return undefined;
}

function imageNameOf(image: string | undefined): string {
  return (image ?? '').split('@')[0]!.split('/').at(-1)!.split(':')[0]!;
}
