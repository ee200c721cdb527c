import {
  defineCheck,
  didYouMean,
  effectivePullPolicy,
  fail,
  failFindings,
  findingLine,
  formatLabels,
  parseImage,
  pass,
  reportFindings,
  rollingBudget,
  schemaProblems,
  selectorMisses,
  selectorQuery,
  serverFieldPath,
  type CheckContext,
  type Finding,
} from '../../verify/lesson-api.ts';
import {
  APP_IMAGE,
  APPLY,
  appDeployment,
  at,
  keysInFiles,
  NAMESPACE,
  namespaceOf,
  resourcesOutcome,
  rolloutComplete,
  SECRET_TEMPLATE,
  unresolvedEnv,
  workloads,
} from '../shared/k8s.ts';
import { literalSecrets, staticEnvValue } from '../shared/manifest-rules.ts';
import { loopbackUrls, probeProblems } from './rules.ts';

const manifest = { severity: 'required' as const, layer: 'manifest' as const };
const needsDeployment = { ...manifest, dependsOn: ['deployment-exists'] };
/** The app's own defaults (.env.example): used when the manifests do not set the variable. */
const APP_DEFAULT_PORT = 3000;
const APP_DEFAULT_SHUTDOWN_TIMEOUT = 20;
/** The Secret's source, ignored by git (its template is SECRET_TEMPLATE). */
const SECRET_FILE = '.env.cluster';
const CLUSTER_SCOPED = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'IngressClass', 'StorageClass', 'PersistentVolume'];

function app(ctx: CheckContext) {
  return appDeployment(ctx)!;
}

export default [
  defineCheck({
    id: 'manifests-valid',
    ...manifest,
    title: 'k8s/ holds valid Kubernetes objects',
    learn: '#3-write-the-deployment',
    hints: [
      'Create legacy-app/k8s/ and put one YAML file per object in it (namespace.yaml, deployment.yaml).',
      'Each object needs apiVersion, kind and metadata.name; a Deployment is apiVersion: apps/v1.',
      '`kubectl apply --dry-run=server -f k8s/` shows what the API server thinks of your files.',
    ],
    async run(ctx) {
      const all = ctx.manifests.load();
      if (!all.length) {
        return fail(ctx.files.exists('k8s') ? 'k8s/ has no YAML objects' : 'there is no k8s/ folder', {
          expected: 'legacy-app/k8s/*.yaml with a Namespace and a Deployment',
          why: 'Manifests in the repository are the description of what runs: reviewed, versioned and re-applied the same way every time.',
          fix: 'Create legacy-app/k8s/namespace.yaml and legacy-app/k8s/deployment.yaml (lesson 07, steps 1 and 3).',
        });
      }
      const problems = (
        await Promise.all(
          all.map(async (m) =>
            (await schemaProblems(m)).map((p): Finding => ({ where: at(m, p.path), message: `${m.kind || '?'} ${m.name || '?'}: ${p.message}` })),
          ),
        )
      ).flat();
      return problems.length
        ? fail(`${problems.length} schema problem(s) in k8s/`, {
            where: problems[0]!.where,
            expected: 'objects that match the Kubernetes API schema',
            why: 'The API server rejects an invalid object outright, and kubectl stops at the first one.',
            fix: 'Fix the fields named below, then run npm run verify again.',
            evidence: problems.slice(0, 8).map(findingLine),
          })
        : pass(`${all.length} objects in ${new Set(all.map((m) => m.file)).size} file(s), all schema-valid`);
    },
  }),
  defineCheck({
    id: 'namespace',
    ...manifest,
    dependsOn: ['manifests-valid'],
    title: `Teamnotes lives in its own namespace, ${NAMESPACE}`,
    learn: '#1-a-namespace-for-teamnotes',
    hints: [
      `Without metadata.namespace, kubectl puts objects wherever your context points (usually default).`,
      `Add k8s/namespace.yaml (kind: Namespace, name: ${NAMESPACE}) and \`namespace: ${NAMESPACE}\` under every object's metadata.`,
    ],
    async run(ctx) {
      const all = ctx.manifests.load();
      const ns = all.find((m) => m.kind === 'Namespace' && m.name === NAMESPACE);
      // Objects that name no namespace (or default) land wherever the kube context points.
      // Naming another namespace is a choice (lesson 11 configures Grafana in monitoring).
      const stray = all.filter((m) => !CLUSTER_SCOPED.includes(m.kind) && (!m.namespace || m.namespace === 'default'));
      if (ns && !stray.length) return pass(`Namespace ${NAMESPACE}, and every object in it`);
      return fail(ns ? `${stray.length} object(s) outside namespace ${NAMESPACE}` : `no Namespace ${NAMESPACE} in k8s/`, {
        where: stray[0] ? at(stray[0], ['metadata']) : 'k8s/',
        expected: `kind: Namespace named ${NAMESPACE}, and metadata.namespace on every object (${NAMESPACE} for Teamnotes')`,
        why: "One namespace is one place to look (kubectl -n teamnotes get all), one place to clean up, and no clash with the workshop's own services.",
        fix: ns
          ? `Add \`namespace: ${NAMESPACE}\` under metadata of each object listed.`
          : `Create k8s/namespace.yaml with kind: Namespace, metadata.name: ${NAMESPACE}.`,
        evidence: stray
          .slice(0, 6)
          .map((m) => findingLine({ where: at(m, ['metadata']), message: `${m.kind} ${m.name}: namespace ${m.namespace ?? '(none: default)'}` })),
      });
    },
  }),
  defineCheck({
    id: 'deployment-exists',
    ...manifest,
    dependsOn: ['manifests-valid'],
    title: `A Deployment runs the ${APP_IMAGE} image`,
    learn: '#3-write-the-deployment',
    hints: [
      `A Deployment in k8s/ whose container image is the one you built in lesson 06 (${APP_IMAGE}:<version>).`,
      'See solutions/07-deployments/k8s/deployment.yaml for the full shape.',
    ],
    async run(ctx) {
      const d = appDeployment(ctx);
      if (d) return pass(`Deployment ${d.m.name} runs ${d.web.container.image} (${d.m.file})`);
      const others = workloads(ctx, ['Deployment']).flatMap((w) =>
        w.containers.map((c) => findingLine({ where: at(w.m, [...c.path, 'image']), message: String(c.container.image) })),
      );
      return fail(others.length ? `no Deployment runs an image named ${APP_IMAGE}` : 'no Deployment in k8s/', {
        expected: `kind: Deployment with a container image ${APP_IMAGE}:<version>`,
        why: 'A Deployment keeps the wanted number of Teamnotes pods running and replaces them one by one on a new version.',
        fix: 'Create k8s/deployment.yaml (lesson 07, step 3).',
        evidence: others,
      });
    },
  }),
  defineCheck({
    id: 'replicas',
    ...needsDeployment,
    title: 'At least two replicas',
    learn: '#3-write-the-deployment',
    hints: ['One pod means every crash, node drain and rollout is an outage.', 'spec.replicas: 2'],
    async run(ctx) {
      const d = app(ctx);
      const replicas = Number(d.m.object.spec?.replicas ?? 1);
      return replicas >= 2
        ? pass(`${replicas} replicas`)
        : fail(`replicas: ${replicas}`, {
            where: at(d.m, ['spec', 'replicas']),
            expected: 'replicas: 2 or more',
            why: 'With one pod, a crash or a rollout leaves nobody to answer. Lesson 02 made a second copy safe: state lives outside the process.',
            fix: 'Set spec.replicas: 2, then ' + APPLY,
          });
    },
  }),
  defineCheck({
    id: 'selector-matches-template',
    ...needsDeployment,
    title: 'The selector matches the pod template labels',
    learn: '#3-write-the-deployment',
    hints: [
      "Labels go under spec.template.metadata.labels, not only under the Deployment's own metadata.",
      'Every key=value in spec.selector.matchLabels must also be in spec.template.metadata.labels.',
    ],
    async run(ctx) {
      const d = app(ctx);
      // Correct: matchLabels, matchExpressions (In, Exists, …) or both, as long as every term
      // holds for the template labels; the template may carry more labels than the selector.
      const selector = d.m.object.spec?.selector ?? {};
      if (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length) {
        return fail('spec.selector is missing or empty', {
          where: at(d.m, ['spec']),
          expected: 'spec.selector.matchLabels: {app.kubernetes.io/name: teamnotes}',
          why: 'The selector is how a Deployment finds its pods; the API server requires it.',
          fix: 'Add spec.selector.matchLabels equal to the template labels.',
        });
      }
      const missing = selectorMisses(selector, d.tpl.labels);
      return missing.length
        ? fail(`the pod template does not satisfy ${missing.join(', ')}`, {
            where: at(d.m, d.tpl.labelsPath),
            observed: `selector ${selectorQuery(selector)}, template labels ${formatLabels(d.tpl.labels)}`,
            expected: 'every selector term satisfied by spec.template.metadata.labels',
            why: 'The API server refuses a Deployment whose selector does not match its own template: nothing would ever be created.',
            fix: `Put the selector's labels under spec.template.metadata.labels (first: ${missing[0]}).`,
          })
        : pass(`selector ${selectorQuery(selector)} matches the template labels`);
    },
  }),
  defineCheck({
    id: 'image-tag-and-pull-policy',
    ...needsDeployment,
    title: 'A versioned image tag, and a pull policy that uses the image kind loaded',
    learn: '#4-image-tag-and-pull-policy',
    hints: [
      'Pods stuck in ErrImagePull / ImagePullBackOff? Kubernetes is trying to download an image that only exists on your nodes.',
      'No tag or :latest makes the default imagePullPolicy Always, so the kubelet ignores the image `kind load` put on the node.',
      'image: teamnotes:1.0.0 and imagePullPolicy: IfNotPresent; build a new tag for every change (1.0.1, …).',
    ],
    async run(ctx) {
      const d = app(ctx);
      const c = d.web.container;
      const { tag, digest } = parseImage(c.image ?? '');
      const { policy, defaulted } = effectivePullPolicy(c);
      if (!digest && (!tag || tag === 'latest')) {
        return fail(`image ${c.image} ${tag ? 'uses :latest' : 'has no tag (so it means :latest)'}`, {
          where: at(d.m, [...d.web.path, 'image']),
          expected: `${APP_IMAGE}:<version>, e.g. ${APP_IMAGE}:1.0.0`,
          why: ':latest names a different image after every build, so you cannot tell which code a pod runs or roll back; and it makes the default pull policy Always, which tries Docker Hub instead of the image you loaded into kind.',
          fix: `docker build -t ${APP_IMAGE}:1.0.1 . && kind load docker-image ${APP_IMAGE}:1.0.1 --name workshop, then set image: ${APP_IMAGE}:1.0.1`,
        });
      }
      if (policy === 'Always') {
        return fail(`imagePullPolicy is Always${defaulted ? ' (the default for this image)' : ''}`, {
          where: at(d.m, [...d.web.path, defaulted ? 'image' : 'imagePullPolicy']),
          expected: 'imagePullPolicy: IfNotPresent (or Never)',
          why: 'The image exists only on your kind nodes (kind load). Always makes the kubelet ask a registry for it: ErrImagePull.',
          fix: 'Set imagePullPolicy: IfNotPresent on the container.',
        });
      }
      return pass(`${c.image}, imagePullPolicy ${policy}${defaulted ? ' (default for a versioned tag)' : ''}`);
    },
  }),
  defineCheck({
    id: 'probes',
    ...needsDeployment,
    title: 'Readiness asks /readyz, liveness asks /livez, on ports the container has',
    learn: '#5-probes',
    hints: [
      'Lesson 03 gave the app two endpoints: /livez (is the process alive?) and /readyz (may it get traffic?).',
      'A named probe port must match a ports[].name of the same container, or the probe fails at run time.',
      'readinessProbe: {httpGet: {path: /readyz, port: http}} and livenessProbe: {httpGet: {path: /livez, port: http}}',
    ],
    async run(ctx) {
      const d = app(ctx);
      const listens = Number(staticEnvValue(d.web, 'PORT', ctx.manifests.load(), keysInFiles(ctx)) ?? APP_DEFAULT_PORT);
      const problems = probeProblems(d.m, d.web, listens);
      return problems.length
        ? failFindings(problems, {
            expected: 'readinessProbe httpGet /readyz and livenessProbe httpGet /livez, on a declared port',
            why: 'Without readiness, the pod gets traffic before Postgres is connected and while it drains. A liveness probe on /readyz restarts every pod when the database blips.',
            fix: 'Add both probes as in lesson 07 step 5.',
          })
        : pass('readiness /readyz and liveness /livez on a declared port');
    },
  }),
  defineCheck({
    id: 'container-port',
    ...needsDeployment,
    title: 'The container port is the port the app listens on',
    learn: '#3-write-the-deployment',
    hints: ['The app listens on PORT (3000 unless you set it). containerPort should say the same number.', 'ports: [{name: http, containerPort: 3000}]'],
    async run(ctx) {
      const d = app(ctx);
      const setting = staticEnvValue(d.web, 'PORT', ctx.manifests.load(), keysInFiles(ctx));
      const listens = Number(setting ?? APP_DEFAULT_PORT);
      const ports = d.web.container.ports ?? [];
      if (ports.some((p) => p.containerPort === listens))
        return pass(`containerPort ${listens}, and the app listens on ${listens}${setting ? ' (PORT)' : ' (its default)'}`);
      return fail(
        ports.length
          ? `containerPort ${ports.map((p) => p.containerPort).join(', ')}, but the app listens on ${listens}`
          : `container ${d.web.container.name} declares no port`,
        {
          where: at(d.m, [...d.web.path, 'ports']),
          expected: `a port with containerPort: ${listens}, named (http) so probes and Services can use the name`,
          why: 'Probes and Services that use this port would knock on a door nobody opens: connection refused, pods never Ready.',
          fix: `ports: [{name: http, containerPort: ${listens}}]`,
        },
      );
    },
  }),
  defineCheck({
    id: 'resources',
    ...needsDeployment,
    title: 'CPU and memory requests, and a memory limit',
    learn: '#6-resources',
    hints: [
      'Requests are what the scheduler reserves; the memory limit is where the kernel stops a leak.',
      'resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}',
    ],
    async run(ctx) {
      const d = app(ctx);
      return resourcesOutcome(d.m, d.web, {
        expected: 'requests.cpu, requests.memory and limits.memory (a CPU limit is optional)',
        why: 'Without requests the scheduler packs pods blindly; without a memory limit one leaking pod can starve everything else on its node.',
        fix: 'resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}',
      });
    },
  }),
  defineCheck({
    id: 'rolling-update',
    ...needsDeployment,
    title: 'Rolling updates never drop below the wanted number of ready pods',
    learn: '#7-rolling-updates-that-keep-capacity',
    hints: [
      'Recreate stops every pod before starting new ones: an outage on every deploy.',
      'strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}',
    ],
    async run(ctx) {
      const d = app(ctx);
      const b = rollingBudget(d.m.object);
      if (b.type === 'Recreate') {
        return fail('strategy Recreate', {
          where: at(d.m, ['spec', 'strategy', 'type']),
          expected: 'RollingUpdate with maxUnavailable: 0',
          why: 'Recreate stops every pod before the new ones start: each deploy is downtime.',
          fix: 'strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}',
        });
      }
      return b.maxUnavailable === 0
        ? pass(`RollingUpdate: ${b.maxSurge} extra pod at a time, none unavailable`)
        : fail(`a rollout may take ${b.maxUnavailable} of ${b.replicas} pods out at once`, {
            where: at(d.m, ['spec', 'strategy']),
            expected: 'maxUnavailable: 0 (and maxSurge ≥ 1)',
            why: 'With two replicas, one unavailable pod halves capacity during every deploy; if the new pod then fails, you are down to one.',
            fix: 'strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}',
          });
    },
  }),
  defineCheck({
    id: 'no-secret-literals',
    ...manifest,
    dependsOn: ['manifests-valid'],
    title: 'No secret is written in a manifest, and .env.cluster stays out of git',
    learn: '#2-load-the-configuration-into-a-secret',
    hints: [
      'Passwords, tokens and URLs with a password belong in a Secret created from your ignored .env.cluster, not in k8s/.',
      'kubectl -n teamnotes create secret generic teamnotes-secrets --from-env-file=.env.cluster, and envFrom: [{secretRef: {name: teamnotes-secrets}}]',
    ],
    async run(ctx) {
      const all = ctx.manifests.load();
      const containers = workloads(ctx).flatMap((w) => w.containers.map((c) => ({ m: w.m, c })));
      const problems = literalSecrets(all, containers, false);
      if (ctx.files.exists('.env.cluster') && ctx.git.isRepository() && ctx.git.tracked('.env.cluster').length) {
        problems.push({ where: '.env.cluster', message: '.env.cluster is committed to git' });
      }
      return problems.length
        ? failFindings(problems, {
            expected: 'secrets only in a Secret created from .env.cluster (ignored by git)',
            why: 'Everything in k8s/ is committed: anyone with the repository (or read access to the Deployment) has these values, forever in git history.',
            fix: 'Move the value into .env.cluster, recreate the Secret from it, reference it with envFrom/secretKeyRef; add .env.* (except the examples) to .gitignore.',
          })
        : pass('no secret literals in k8s/');
    },
  }),
  defineCheck({
    id: 'cluster-env-not-localhost',
    ...needsDeployment,
    title: "The Secret's source (.env.cluster) names no localhost address",
    learn: '#2-load-the-configuration-into-a-secret',
    hints: [
      'Inside a pod, localhost is the pod itself: nothing listens there on 5432 or 6379.',
      'DATABASE_URL=postgres://teamnotes:<password>@postgres.workshop-services.svc.cluster.local:5432/teamnotes',
    ],
    async run(ctx) {
      // Correct: any address a pod can reach (a Service name in any of its forms, an IP of
      // another machine); only the loopback and unspecified addresses mean "this pod".
      const d = app(ctx);
      const problems = [SECRET_FILE, SECRET_TEMPLATE].flatMap((file) =>
        loopbackUrls(ctx.files.read(file) ?? '').map((u) => ({
          where: `${file}:${u.line}`,
          message: `${u.key} points at ${u.host}, which inside a pod is the pod itself`,
        })),
      );
      return reportFindings(problems, "every address in the Secret's source is reachable from a pod", {
        expected: 'Service names such as postgres.workshop-services.svc.cluster.local, never localhost or 127.0.0.1',
        why: 'The app would connect to its own pod, where no database runs: connect ECONNREFUSED 127.0.0.1:6379, and the pods never become Ready.',
        fix: `Use the *.workshop-services.svc.cluster.local names, then: kubectl -n ${NAMESPACE} create secret generic teamnotes-secrets --from-env-file=.env.cluster --dry-run=client -o yaml | kubectl apply -f - && kubectl -n ${namespaceOf(d.m)} rollout restart deploy/${d.m.name}`,
      });
    },
  }),
  defineCheck({
    id: 'security-context',
    ...needsDeployment,
    severity: 'recommended',
    title: 'Pods refuse to run as root and cannot gain privileges',
    learn: '#3-write-the-deployment',
    hints: [
      'securityContext: {runAsNonRoot: true} on the pod, allowPrivilegeEscalation: false on the container.',
      'runAsNonRoot works because lesson 06 wrote USER 1000 (a number the kubelet can check).',
    ],
    async run(ctx) {
      const d = app(ctx);
      const nonRoot = d.web.container.securityContext?.runAsNonRoot ?? d.tpl.spec.securityContext?.runAsNonRoot;
      const escalation = d.web.container.securityContext?.allowPrivilegeEscalation;
      const missing = [nonRoot !== true && 'runAsNonRoot: true', escalation !== false && 'allowPrivilegeEscalation: false'].filter(Boolean) as string[];
      return missing.length
        ? fail(`missing ${missing.join(' and ')}`, {
            where: at(d.m, [...d.tpl.specPath, 'securityContext']),
            expected: 'runAsNonRoot: true (pod), allowPrivilegeEscalation: false (container)',
            why: 'If an image ever runs as root again (a new base, a forgotten USER), the kubelet refuses to start it instead of running it.',
            fix: 'Add the securityContext of lesson 07 step 3.',
          })
        : pass('runAsNonRoot, no privilege escalation');
    },
  }),
  defineCheck({
    id: 'grace-period',
    ...needsDeployment,
    severity: 'recommended',
    title: 'The pod gets longer to stop than the app takes to drain',
    learn: '#7-rolling-updates-that-keep-capacity',
    hints: ['Kubernetes SIGKILLs the pod terminationGracePeriodSeconds (default 30) after SIGTERM.', 'Keep it above SHUTDOWN_TIMEOUT_SECONDS (default 20).'],
    async run(ctx) {
      const d = app(ctx);
      const grace = Number(d.tpl.spec.terminationGracePeriodSeconds ?? 30);
      const deadline = Number(staticEnvValue(d.web, 'SHUTDOWN_TIMEOUT_SECONDS', ctx.manifests.load(), keysInFiles(ctx)) ?? APP_DEFAULT_SHUTDOWN_TIMEOUT);
      return grace > deadline
        ? pass(`grace ${grace}s > shutdown deadline ${deadline}s`)
        : fail(`terminationGracePeriodSeconds ${grace}s, but the app may take ${deadline}s to drain`, {
            where: at(d.m, [...d.tpl.specPath, 'terminationGracePeriodSeconds']),
            expected: `more than ${deadline}s`,
            why: 'The kubelet SIGKILLs the pod mid-drain: in-flight requests (uploads) are cut.',
            fix: `terminationGracePeriodSeconds: ${deadline + 10}`,
          });
    },
  }),
  defineCheck({
    id: 'server-dry-run',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['manifests-valid'],
    title: 'The API server accepts every object in k8s/ (server-side dry run)',
    learn: '#8-apply-and-watch-the-rollout',
    timeoutMs: 30_000,
    hints: [
      '`kubectl apply --dry-run=server -f k8s/` shows the same errors.',
      'A field the schema does not know (readinessprobe instead of readinessProbe) is an error here, not something silently dropped.',
    ],
    async run(ctx) {
      const all = ctx.manifests.load();
      const results = await ctx.kube.apply(
        all.map((m) => m.object),
        { dryRun: true },
      );
      const declared = new Set(all.filter((m) => m.kind === 'Namespace').map((m) => m.name));
      const refused = results.flatMap((r, i) => {
        if (r.ok) return [];
        const m = all[i]!;
        // A namespace this folder creates but that is not applied yet: the dry run cannot place the object. Not the learner's mistake.
        if (r.code === 404 && m.namespace && declared.has(m.namespace)) return [];
        const field = serverFieldPath(m.object, r.message ?? '');
        const unknown = /\.([A-Za-z0-9_-]+): field not declared/.exec(r.message ?? '')?.[1];
        const guess = unknown ? didYouMean(unknown) : undefined;
        return [
          {
            where: at(m, field ?? []),
            message: `${m.kind} ${m.name}: ${unknown ? `${unknown} is not a field here${guess ? ` (did you mean ${guess}?)` : ''}` : r.message}`,
          },
        ];
      });
      return refused.length
        ? failFindings(refused, {
            expected: 'every object accepted by `kubectl apply --dry-run=server -f k8s/`',
            why: 'kubectl apply would stop at these objects, and with a typo in a field name nothing you meant there would take effect.',
            fix: 'Fix the fields the server names, then: kubectl apply --dry-run=server -f k8s/',
            maxEvidence: 5,
          })
        : pass(`${all.length} objects accepted by ${await ctx.kube.contextName()}`);
    },
  }),
  defineCheck({
    id: 'env-sources-exist',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['deployment-exists'],
    title: 'The Secrets and ConfigMaps the pods read exist in the cluster, with every key they name',
    learn: '#2-load-the-configuration-into-a-secret',
    hints: [
      'A pod stuck in CreateContainerConfigError names the Secret or key it cannot find.',
      'kubectl -n teamnotes create secret generic teamnotes-secrets --from-env-file=.env.cluster',
    ],
    async run(ctx) {
      const d = app(ctx);
      const problems = await unresolvedEnv(ctx, d);
      return problems.length
        ? failFindings(problems, {
            expected: 'every Secret and ConfigMap the Deployment references, present in its namespace with the keys it names',
            why: 'The kubelet cannot start a container whose environment points at something missing: the pod waits in CreateContainerConfigError.',
            fix: `kubectl -n ${namespaceOf(d.m)} create secret generic teamnotes-secrets --from-env-file=.env.cluster   (ConfigMaps: ${APPLY})`,
          })
        : pass('every referenced Secret and ConfigMap is in the cluster');
    },
  }),
  defineCheck({
    id: 'rollout-complete',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['deployment-exists'],
    title: 'The Deployment in the cluster matches k8s/, and all its pods are updated and Ready',
    learn: '#8-apply-and-watch-the-rollout',
    timeoutMs: 75_000,
    hints: [
      'kubectl -n teamnotes rollout status deploy/teamnotes, then kubectl -n teamnotes describe pod for the Events.',
      'ErrImagePull: see step 4. CreateContainerConfigError: the Secret. CrashLoopBackOff: kubectl -n teamnotes logs deploy/teamnotes.',
    ],
    run(ctx) {
      const d = app(ctx);
      return rolloutComplete(ctx, d.m, d.web.container);
    },
  }),
];
