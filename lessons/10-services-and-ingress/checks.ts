import type { KubernetesObject, V1Deployment, V1Ingress, V1Pod } from '@kubernetes/client-node';
import {
  defineCheck,
  describeFetchError,
  slowRequest,
  fail,
  failFindings,
  formatLabels,
  getIn,
  ingressPathMatches,
  matchWorkload,
  missingLabels,
  pass,
  refOf,
  resolvePort,
  selectorOf,
  type CheckContext,
  type Finding,
  type Manifest,
  type ObjectOf,
} from '../../verify/lesson-api.ts';
import { describe, formAccepted, multipartBytes, postForm } from '../shared/api.ts';
import { testUser } from '../shared/teamnotes.ts';
import { staticEnvValue } from '../shared/manifest-rules.ts';
import {
  APPLY,
  appDeployment,
  at,
  keysInFiles,
  workloads,
  live,
  namespaceOf,
  notApplied,
  podEvidence,
  podReady,
  podsMatching,
  rolledOut,
} from '../shared/k8s.ts';

/** Paths that must stay inside the cluster, with everything under them: the admin API (lesson 05) and the metrics (lesson 04). */
const PRIVATE_PATHS = ['/admin', '/metrics'];
/** Requests a browser makes to Teamnotes (its pages, forms and stylesheet): each must reach the app's Service. */
const PUBLIC_REQUESTS = ['/', '/notes', '/notes/42', '/attachments/7', '/login', '/signup', '/logout', '/style.css'];
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const INGRESS_URL = 'http://127.0.0.1';
/** Slow uploads kept in flight during the rolling restart, and how long each one takes. */
const UPLOADERS = 4;
/** How long the rollout check waits for a rollout already under way (an apply just before verify) to finish. */
const PREVIOUS_ROLLOUT_MS = 90_000;
const UPLOAD_MS = 2000;
const manifest = { severity: 'required' as const, layer: 'manifest' as const };
/** The port Teamnotes listens on when PORT is not set (its .env.example). */
const APP_DEFAULT_PORT = 3000;

interface Backend {
  service?: string;
  port?: { number?: number; name?: string };
}
interface Route {
  path: string;
  pathType?: string;
  backend: Backend;
  fieldPath: Array<string | number>;
}

/** The Service in k8s/ that selects the Teamnotes pods. */
function appService(ctx: CheckContext): Manifest<ObjectOf<'Service'>> | undefined {
  const d = appDeployment(ctx);
  if (!d) return undefined;
  return ctx.manifests.find('Service').find((s) => {
    const sel = selectorOf('Service', s.object);
    return (
      s.namespace === d.m.namespace && sel && Object.keys(sel).length > 0 && !missingLabels(sel, d.tpl.labels).length && s.object.spec?.clusterIP !== 'None'
    );
  });
}

function routes(ing: Manifest<ObjectOf<'Ingress'>>): Route[] {
  const out: Route[] = [];
  const rules = ing.object.spec?.rules ?? [];
  rules.forEach((r, i) =>
    (r.http?.paths ?? []).forEach((p, j) =>
      out.push({
        path: p.path ?? '/',
        pathType: p.pathType,
        backend: { service: p.backend?.service?.name, port: p.backend?.service?.port },
        fieldPath: ['spec', 'rules', i, 'http', 'paths', j],
      }),
    ),
  );
  const def = ing.object.spec?.defaultBackend?.service;
  if (def) out.push({ path: '/', pathType: 'Prefix', backend: { service: def.name, port: def.port }, fieldPath: ['spec', 'defaultBackend'] });
  return out;
}

/**
 * The IngressClass an Ingress ends up with, and how: spec.ingressClassName; else the older
 * kubernetes.io/ingress.class annotation (Traefik and most controllers still honour it);
 * else an IngressClass of k8s/ marked default, which the API server writes into an Ingress
 * created without a class. Undefined: no controller is sure to take it.
 */
function ingressClassOf(ctx: CheckContext, ing: Manifest): { name: string; path: Array<string | number> } | undefined {
  const named = getIn(ing.object, ['spec', 'ingressClassName']);
  if (named) return { name: String(named), path: ['spec', 'ingressClassName'] };
  const legacy = getIn(ing.object, ['metadata', 'annotations', LEGACY_CLASS_ANNOTATION]);
  if (legacy) return { name: String(legacy), path: ['metadata', 'annotations', LEGACY_CLASS_ANNOTATION] };
  const byDefault = ctx.manifests.find('IngressClass').find((c) => String(getIn(c.object, ['metadata', 'annotations', DEFAULT_CLASS_ANNOTATION])) === 'true');
  return byDefault ? { name: byDefault.name, path: ['spec'] } : undefined;
}

function ingresses(ctx: CheckContext): Array<Manifest<ObjectOf<'Ingress'>>> {
  return ctx.manifests.find('Ingress');
}

export default [
  defineCheck({
    id: 'service-exists',
    ...manifest,
    title: 'A ClusterIP Service selects the Teamnotes pods',
    learn: '#1-a-service-in-front-of-the-pods',
    hints: [
      "A Service finds pods by label: every key=value of its selector must be on the Deployment's pod template.",
      'k8s/service.yaml: type: ClusterIP, selector: {app.kubernetes.io/name: teamnotes}, ports: [{name: http, port: 80, targetPort: http}]',
    ],
    async run(ctx) {
      const d = appDeployment(ctx);
      if (!d) return fail('no Deployment runs the teamnotes image', { fix: 'Do lesson 07 first: npm run verify 7' });
      const svc = appService(ctx);
      if (svc) {
        const type = String(getIn(svc.object, ['spec', 'type']) ?? 'ClusterIP');
        return type === 'ClusterIP'
          ? pass(`Service ${svc.name} selects the Teamnotes pods`)
          : fail(`Service ${svc.name} is type ${type}`, {
              where: at(svc, ['spec', 'type']),
              expected: 'type: ClusterIP (the Ingress is the way in from outside)',
              why: `${type} opens the app on every node (and /admin with it), around the Ingress and its path rules.`,
              fix: 'Set type: ClusterIP (or remove the line: it is the default).',
            });
      }
      // The Service meant for Teamnotes: not one that already selects another workload (postgres, redis).
      const others = workloads(ctx)
        .filter((w) => w.m !== d.m)
        .map((w) => w.m);
      const candidates = ctx.manifests
        .find('Service')
        .filter((s) => s.namespace === d.m.namespace && !matchWorkload(selectorOf('Service', s.object) ?? {}, others).match);
      const closest = candidates
        .map((s) => ({ s, missing: missingLabels(selectorOf('Service', s.object) ?? {}, d.tpl.labels) }))
        .sort((a, b) => a.missing.length - b.missing.length)[0];
      return fail(
        closest
          ? `no Service selects the Teamnotes pods; closest: ${closest.s.name}, whose selector asks for ${closest.missing.join(', ') || 'a selector'}`
          : 'no Service in k8s/',
        {
          where: closest ? at(closest.s, ['spec', 'selector']) : 'k8s/',
          observed: `pod template labels ${formatLabels(d.tpl.labels)}`,
          expected: 'a Service in the same namespace whose selector labels are all on the pod template',
          why: 'Pods come and go with new IPs. Without a Service selecting them, nothing (the Ingress included) has a stable address to reach Teamnotes.',
          fix: 'Create k8s/service.yaml (lesson 10 step 1).',
        },
      );
    },
  }),
  defineCheck({
    id: 'service-target-port',
    ...manifest,
    dependsOn: ['service-exists'],
    title: "The Service's targetPort names or numbers a port of the container",
    learn: '#1-a-service-in-front-of-the-pods',
    hints: [
      "targetPort is the container's port (3000, or its name http); port is what clients of the Service use (80).",
      'ports: [{name: http, port: 80, targetPort: http}]',
    ],
    async run(ctx) {
      const d = appDeployment(ctx)!;
      const svc = appService(ctx)!;
      const problems: Finding[] = [];
      const ports = svc.object.spec?.ports ?? [];
      // Correct: the container port's name, or a number the app listens on (declared, or
      // PORT / the app's default 3000: a containerPort line is informational for a Service).
      const listens = Number(staticEnvValue(d.web, 'PORT', ctx.manifests.load(), keysInFiles(ctx)) ?? APP_DEFAULT_PORT);
      const declared = [...new Set([...(d.web.container.ports ?? []).map((p) => p.containerPort), listens])];
      ports.forEach((p, i) => {
        const target = p.targetPort ?? p.port;
        const r = resolvePort(d.web.container, target);
        if (!r.ok) problems.push({ where: at(svc, ['spec', 'ports', i, 'targetPort']), message: `${r.problem}` });
        else if (typeof target === 'number' || /^\d+$/.test(String(target))) {
          if (!declared.includes(r.port!))
            problems.push({
              where: at(svc, ['spec', 'ports', i, p.targetPort === undefined ? 'port' : 'targetPort']),
              message: `targetPort ${r.port} is not a container port (the container listens on ${declared.join(', ') || 'no declared port'})`,
            });
        }
      });
      if (!ports.length) problems.push({ where: at(svc, ['spec']), message: `Service ${svc.name} has no ports` });
      return problems.length
        ? failFindings(problems, {
            expected: `targetPort: http (the container port name) or ${declared[0] ?? 3000}`,
            why: 'The Service forwards to targetPort on each pod; a port nobody listens on means connection refused behind a healthy-looking Service.',
            fix: "Set targetPort to the container port's name (http).",
          })
        : pass(`Service ${svc.name} forwards to the container's port`);
    },
  }),
  defineCheck({
    id: 'ingress-routes-to-service',
    ...manifest,
    title: 'An Ingress with a class and a pathType on every path, routing to a Service port',
    learn: '#4-an-ingress-for-the-public-paths-only',
    hints: [
      "The Ingress backend port is the Service's port (80 or its name), not the container's 3000.",
      'spec.ingressClassName: traefik; each path: {path: /notes, pathType: Prefix, backend: {service: {name: teamnotes, port: {name: http}}}}',
    ],
    async run(ctx) {
      const list = ingresses(ctx);
      if (!list.length)
        return fail('no Ingress in k8s/', {
          expected: 'k8s/ingress.yaml',
          why: 'Without an Ingress, nothing outside the cluster reaches Teamnotes.',
          fix: 'Create k8s/ingress.yaml (lesson 10 step 4).',
        });
      const problems: Finding[] = [];
      const services = ctx.manifests.find('Service');
      for (const ing of list) {
        if (!ingressClassOf(ctx, ing))
          problems.push({ where: at(ing, ['spec']), message: `Ingress ${ing.name} has no ingressClassName: no controller is sure to pick it up` });
        for (const r of routes(ing)) {
          if (!r.pathType && r.fieldPath[1] !== 'defaultBackend') problems.push({ where: at(ing, r.fieldPath), message: `path ${r.path} has no pathType` });
          const svc = services.find((s) => s.name === r.backend.service && s.namespace === ing.namespace);
          if (!svc) {
            problems.push({
              where: at(ing, [...r.fieldPath, 'backend']),
              message: `path ${r.path} → Service ${r.backend.service}, which is not in k8s/ (namespace ${namespaceOf(ing)})`,
            });
            continue;
          }
          const ports = svc.object.spec?.ports ?? [];
          const ok = r.backend.port?.name ? ports.some((p) => p.name === r.backend.port!.name) : ports.some((p) => p.port === r.backend.port?.number);
          if (!ok) {
            const isTarget = ports.find((p) => p.targetPort === r.backend.port?.number || p.targetPort === r.backend.port?.name);
            problems.push({
              where: at(ing, [...r.fieldPath, 'backend']),
              message: `path ${r.path} → ${svc.name}:${r.backend.port?.name ?? r.backend.port?.number}, but Service ${svc.name} exposes ${ports.map((p) => `${p.port}${p.name ? ` (${p.name})` : ''}`).join(', ')}${isTarget ? `: ${r.backend.port?.name ?? r.backend.port?.number} is its targetPort, the Ingress talks to the Service port` : ''}`,
            });
          }
        }
      }
      // Any arrangement of paths is right as long as every page a browser asks for reaches
      // the app (Exact /, Prefix /notes, …; one rule or many, one Ingress or several).
      const svc = appService(ctx);
      for (const request of svc ? PUBLIC_REQUESTS : []) {
        if (list.some((ing) => routes(ing).some((r) => r.backend.service === svc!.name && ingressPathMatches(r.path, r.pathType ?? 'Prefix', request))))
          continue;
        const near = list.flatMap((ing) =>
          routes(ing)
            .filter((r) => r.pathType === 'Exact' && request.startsWith(`${r.path}/`))
            .map((r) => ({ ing, r })),
        )[0];
        problems.push(
          near
            ? {
                where: at(near.ing, [...near.r.fieldPath, 'pathType']),
                message: `GET ${request} reaches no backend: ${near.r.path} is Exact, and Teamnotes has pages under it; use Prefix`,
              }
            : { where: at(list[0]!, ['spec']), message: `GET ${request} matches no path to Service ${svc!.name}` },
        );
      }
      return problems.length
        ? failFindings(problems, {
            expected: 'ingressClassName set; every path with a pathType; backends that are Services in k8s/ on one of their ports',
            why: 'A backend port the Service does not expose gives 503/404 from the controller, though everything looks applied.',
            fix: 'Fix the Ingress as named above (lesson 10 step 4).',
          })
        : pass(`${list.length} Ingress(es) routing to Service ports`);
    },
  }),
  defineCheck({
    id: 'admin-not-public',
    ...manifest,
    dependsOn: ['ingress-routes-to-service'],
    title: 'No Ingress path reaches /admin or /metrics',
    learn: '#4-an-ingress-for-the-public-paths-only',
    hints: [
      'path: / with pathType Prefix matches every path, /admin included.',
      'List the public paths: / (Exact), /notes, /attachments, /api (Prefix), /login, /signup, /logout, /style.css (Exact).',
    ],
    async run(ctx) {
      const exposed: Finding[] = [];
      for (const ing of ingresses(ctx)) {
        for (const r of routes(ing)) {
          for (const p of PRIVATE_PATHS) {
            // A path reaches /admin when it is /admin or below it (any type), or, for a prefix,
            // above it: element-wise as the Ingress API defines Prefix, or character-wise as
            // Traefik (and other controllers) match by default.
            const below = r.path === p || r.path.startsWith(`${p}/`);
            const above = r.pathType !== 'Exact' && (ingressPathMatches(r.path, 'Prefix', p) || p.startsWith(r.path));
            if (below || above) exposed.push({ where: at(ing, r.fieldPath), message: `${r.pathType ?? 'Prefix'} ${r.path} reaches ${p}` });
          }
        }
      }
      return exposed.length
        ? failFindings(exposed, {
            expected: `no Ingress path matching ${PRIVATE_PATHS.join(', ')}`,
            why: 'Everything the Ingress routes is on the internet: a leaked admin token flushes caches from anywhere, and /metrics tells strangers your routes and error rates.',
            fix: 'Route only the public paths (Exact / and the prefixes the app serves), not Prefix /.',
          })
        : pass('/admin and /metrics stay inside the cluster');
    },
  }),
  defineCheck({
    id: 'service-has-endpoints',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['service-exists'],
    title: 'The Service has ready endpoints in the cluster',
    learn: '#1-a-service-in-front-of-the-pods',
    timeoutMs: 45_000,
    hints: [
      'kubectl -n teamnotes get endpointslices -l kubernetes.io/service-name=teamnotes',
      'No endpoints with matching pods means the pods are not Ready: fix readiness first (lesson 07).',
    ],
    async run(ctx) {
      const svc = appService(ctx)!;
      const current = await live<KubernetesObject & { spec?: { selector?: Record<string, string> } }>(ctx, svc);
      if (!current) return notApplied(svc);
      const ns = namespaceOf(svc);
      // The cluster routes by the Service it has, not by the file: say so when they differ.
      const fileSelector = selectorOf('Service', svc.object) ?? {};
      const liveSelector = current.spec?.selector ?? {};
      const drift = [...new Set([...Object.keys(fileSelector), ...Object.keys(liveSelector)])].filter((k) => fileSelector[k] !== liveSelector[k]);
      type Slice = KubernetesObject & { endpoints?: Array<{ conditions?: { ready?: boolean } }> };
      const ready = await ctx.kube.waitFor(
        async () => {
          const slices = await ctx.kube.list<Slice>('discovery.k8s.io/v1', 'EndpointSlice', {
            namespace: ns,
            labelSelector: `kubernetes.io/service-name=${svc.name}`,
          });
          const n = slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
          return n > 0 ? n : undefined;
        },
        { timeoutMs: 20_000, signal: ctx.signal },
      );
      if (ready && !drift.length) return pass(`${ready} ready endpoint(s)`);
      if (drift.length) {
        return fail(`the Service ${svc.name} in the cluster differs from ${svc.file} in its selector (${drift.join(', ')})`, {
          where: at(svc, ['spec', 'selector']),
          observed: `cluster: ${formatLabels(liveSelector)}; file: ${formatLabels(fileSelector)}`,
          expected: 'the selector of k8s/, applied',
          why: "Traffic goes where the cluster's Service points: someone changed it by hand (kubectl edit, patch), or the file was never applied.",
          fix: APPLY,
        });
      }
      const pods = await podsMatching(ctx, ns, liveSelector);
      return fail(pods.length ? `Service ${svc.name} matches ${pods.length} pod(s), but none is Ready` : `Service ${svc.name} matches no pod in the cluster`, {
        where: `service/${svc.name} (namespace ${ns})`,
        expected: 'at least one ready endpoint',
        why: 'A Service only sends traffic to Ready pods that carry all its selector labels; with none, every request fails.',
        fix: pods.length ? `kubectl -n ${ns} describe pod ${pods[0]!.metadata?.name}` : `${APPLY} (and check the selector against the running pods' labels)`,
        evidence: await podEvidence(ctx, pods),
      });
    },
  }),
  defineCheck({
    id: 'ingress-controller-ready',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['ingress-routes-to-service'],
    title: 'The IngressClass the Ingress names exists, and its controller is running',
    learn: '#3-install-the-ingress-controller',
    timeoutMs: 60_000,
    hints: ['npm run addon ingress installs Traefik and its IngressClass traefik.', 'kubectl get ingressclass; kubectl -n traefik get pods'],
    async run(ctx) {
      const ing = ingresses(ctx)[0]!;
      const cls0 = ingressClassOf(ctx, ing);
      const className = cls0?.name ?? '';
      const cls = await ctx.kube.get('networking.k8s.io/v1', 'IngressClass', className);
      if (!cls) {
        const known = (await ctx.kube.list('networking.k8s.io/v1', 'IngressClass')).map((c) => c.metadata?.name);
        return fail(`there is no IngressClass ${className}${known.length ? ` (the cluster has: ${known.join(', ')})` : ''}`, {
          where: at(ing, cls0?.path ?? ['spec']),
          expected: 'an installed ingress controller whose class the Ingress names',
          why: 'An Ingress is only a request: without a controller for its class, nobody routes anything.',
          fix: 'npm run addon ingress',
        });
      }
      // A controller just installed (npm run addon ingress, then verify at once) takes a while to
      // start on a busy laptop: starting pods get up to 45 s, no pod at all fails at once.
      const listPods = () => ctx.kube.list<V1Pod>('v1', 'Pod', { labelSelector: `app.kubernetes.io/name=${className}` });
      const pods = (
        await ctx.poll(`a Ready ${className} controller pod`, listPods, {
          until: (p) => !p.length || p.some(podReady),
          timeout: 45_000,
          interval: 2000,
          describe: (p) => `${p.length} pod(s), none Ready`,
        })
      ).value;
      if (pods.some(podReady)) return pass(`IngressClass ${className}, controller pod ${pods.find(podReady)!.metadata?.name} Ready`);
      return fail(pods.length ? `the ${className} controller is not Ready` : `no ${className} controller pod runs`, {
        expected: 'a Ready controller pod',
        why: 'The controller is the proxy every outside request goes through.',
        fix: pods.length ? `kubectl -n ${pods[0]!.metadata?.namespace} describe pod ${pods[0]!.metadata?.name}` : 'npm run addon ingress',
        evidence: await podEvidence(ctx, pods),
      });
    },
  }),
  defineCheck({
    id: 'ingress-admitted',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['ingress-controller-ready'],
    requires: ['real-pods'],
    title: 'The controller has admitted the Ingress (it shows an address)',
    learn: '#5-try-it-from-your-browser',
    timeoutMs: 45_000,
    hints: ['kubectl -n teamnotes get ingress: the ADDRESS column fills in once the controller has taken it.'],
    async run(ctx) {
      const ing = ingresses(ctx)[0]!;
      if (!(await live(ctx, ing))) return notApplied(ing);
      const admitted = await ctx.kube.waitFor(
        async () => {
          const cur = await live<V1Ingress>(ctx, ing);
          return cur?.status?.loadBalancer?.ingress?.length ? cur : undefined;
        },
        { timeoutMs: 30_000, signal: ctx.signal },
      );
      return admitted
        ? pass(`Ingress ${ing.name} at ${admitted.status!.loadBalancer!.ingress!.map((a) => a.hostname ?? a.ip).join(', ')}`)
        : fail(`Ingress ${ing.name} has no address after 30 s`, {
            expected: 'an address in its status',
            why: 'The controller has not taken the Ingress: its class or its backends are wrong in a way it rejects.',
            fix: 'kubectl -n traefik logs deploy/traefik',
          });
    },
  }),
  defineCheck({
    id: 'http-through-ingress',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['ingress-admitted'],
    requires: ['real-pods'],
    title: 'http://localhost/ serves Teamnotes, while /metrics and /admin answer 404',
    learn: '#5-try-it-from-your-browser',
    timeoutMs: 60_000,
    hints: [
      'curl -i http://localhost/ and curl -i http://localhost/metrics',
      'A 404 on / means no path matches it, or the Service behind it has no ready endpoint (10.service-has-endpoints).',
    ],
    async run(ctx) {
      const http = ctx.http(INGRESS_URL);
      const problems: string[] = [];
      // Right after an apply the pods roll, and the controller drops the route while the Service has
      // no ready endpoint (Traefik answers 404 then, others 502/503) and picks it up again within
      // seconds: the page gets up to 30 s to come back; a route that stays missing still fails.
      const getHome = () => http.get('/').catch((e: Error) => ({ status: 0, text: e.message }));
      const home = (
        await ctx.poll('GET / through the Ingress to reach Teamnotes', getHome, {
          until: (r) => ![0, 404, 502, 503].includes(r.status),
          timeout: 30_000,
          interval: 2000,
          describe: (r) => String(r.status || r.text),
        })
      ).value;
      if (home.status !== 200 || !/Teamnotes/i.test(home.text)) problems.push(`GET / → ${home.status || home.text}`);
      for (const p of ['/metrics', '/admin/digest']) {
        const r = await http.get(p).catch((e: Error) => ({ status: 0, text: e.message }));
        if (r.status !== 404) problems.push(`GET ${p} → ${r.status || r.text}, expected 404 from the controller`);
      }
      return problems.length
        ? fail(problems[0]!, {
            where: INGRESS_URL,
            expected: 'GET / 200 with Teamnotes; /metrics and /admin/… 404',
            why: 'This is what your users (and strangers) see.',
            fix: 'kubectl -n traefik logs deploy/traefik; check the Ingress paths',
            evidence: problems.slice(1),
          })
        : pass('Teamnotes at http://localhost/; /metrics and /admin are not reachable from outside');
    },
  }),
  defineCheck({
    id: 'rollout-without-errors',
    severity: 'recommended',
    layer: 'behaviour',
    dependsOn: ['http-through-ingress'],
    requires: ['real-pods'],
    disruptive: true,
    title: 'A rolling restart under light load loses no request',
    learn: '#6-roll-out-without-dropping-a-request',
    timeoutMs: 300_000,
    hints: [
      `The verifier keeps a trickle of GET / and ${UPLOADERS} slow uploads (each about ${UPLOAD_MS / 1000} s long) going through the Ingress while it restarts your Deployment, and expects every one of them to succeed.`,
      'Failures during a rollout: readiness, the SIGTERM drain of lesson 03, and maxUnavailable: 0 all have to be right.',
    ],
    // What else is correct: any drain that lets a request in flight finish: the app's own delay
    // (SHUTDOWN_DELAY_SECONDS) or a preStop sleep before SIGTERM, server.close() or a process that
    // exits once the work is done, any replica count and surge with maxUnavailable 0.
    // Why the uploads: on kind the Ingress controller drops a terminating pod within milliseconds,
    // so short GETs alone almost never land on a pod that dies at once on SIGTERM; an upload that
    // is in flight when its pod is told to stop is what such a pod cuts off, as users would see.
    async run(ctx) {
      const d = appDeployment(ctx)!;
      // The restart must replace pods that run the Deployment's current template. Right after an
      // apply (a new image, say), a rollout may still be under way: restarting in the middle of it
      // stops pods of the new version that never served, while the pods it then starts are never
      // stopped, so the new version's SIGTERM handling would go unjudged (found on real kind).
      const before = await ctx.poll(`Deployment ${d.m.name} to finish its current rollout`, async () => rolledOut(await live<V1Deployment>(ctx, d.m)), {
        until: (done) => done,
        timeout: PREVIOUS_ROLLOUT_MS,
        interval: 1000,
      });
      if (!before.value)
        return fail(`Deployment ${d.m.name} was still rolling out ${PREVIOUS_ROLLOUT_MS / 1000} s after the check began, so the restart could not start`, {
          expected: 'the previous rollout finished (every replica updated and available) before the rolling restart',
          fix: `kubectl -n ${namespaceOf(d.m)} rollout status deploy/${d.m.name}   (then: npm run verify 10 -- --disruptive)`,
        });
      const http = ctx.http(INGRESS_URL);
      const failures: string[] = [];
      let sent = 0;
      let uploads = 0;
      let running = true;
      // Signed up the way a browser does (the form at /signup, routed by the Ingress as lesson 10
      // requires), so the uploads are the browser's own POST /notes.
      // Its own cookie jar: signed in, GET / would answer a redirect to /notes, not the page.
      const browser = ctx.http(INGRESS_URL);
      const user = testUser();
      const signedUp = await postForm(browser, '/signup', user);
      if (!formAccepted(signedUp.status) || !browser.cookieHeader)
        return fail(`POST /signup through the Ingress answered ${describe(signedUp)}${browser.cookieHeader ? '' : ' and set no session cookie'}`, {
          expected: 'a redirect to /notes with a session cookie (a test user, to upload notes during the restart)',
          fix: `curl -i -d 'email=a@b.test&name=A&password=pw' ${INGRESS_URL}/signup   (then: kubectl -n ${namespaceOf(d.m)} logs deploy/${d.m.name})`,
        });
      const trickle = (async () => {
        while (running) {
          sent++;
          const r = await http.get('/').catch((e: Error) => ({ status: 0, text: e.message }));
          if (r.status !== 200) failures.push(`GET / #${sent}: ${r.status || r.text}`);
          await ctx.sleep(50); // a steady trickle of requests, like users
        }
      })();
      const uploaders = Array.from({ length: UPLOADERS }, async () => {
        while (running) {
          const n = ++uploads;
          const { body, contentType } = multipartBytes(`uploaded during a rolling restart ${n}`, 16 * 1024);
          const r = await slowRequest(`${INGRESS_URL}/notes`, {
            body,
            chunks: 16,
            durationMs: UPLOAD_MS,
            headers: { 'content-type': contentType, cookie: browser.cookieHeader },
            signal: ctx.signal,
          }).then(
            (a) => (formAccepted(a.status) ? undefined : `answered ${a.status}`),
            (err: unknown) => `was cut off (${describeFetchError(err)})`,
          );
          if (r && !ctx.signal.aborted) failures.push(`upload #${n}: ${r}`);
        }
      });
      await ctx.kube.mergePatch(refOf(d.m), {
        spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } },
      });
      const done = await ctx.kube.waitFor(
        async () => {
          const cur = await live<V1Deployment>(ctx, d.m);
          return rolledOut(cur) ? cur : undefined;
        },
        { timeoutMs: 150_000, intervalMs: 1000, signal: ctx.signal },
      );
      // Requests keep coming a while after the last new pod is ready, while the old ones drain.
      await ctx.sleep(3000);
      running = false;
      await Promise.all([trickle, ...uploaders]);
      if (!done) return fail('the rolling restart did not finish within 150 s', { fix: `kubectl -n ${namespaceOf(d.m)} rollout status deploy/${d.m.name}` });
      const total = sent + uploads;
      return failures.length
        ? fail(`${failures.length} of ${total} requests failed during the rollout`, {
            expected: '0 failed requests (GET / and uploads in flight while pods were replaced)',
            why: 'Every deploy drops these requests for real users: an upload cut off when its pod was stopped is lost work.',
            fix: 'Check readiness (503 while draining), the SIGTERM drain of lesson 03 (npm run verify 3), SHUTDOWN_DELAY_SECONDS and maxUnavailable: 0.',
            evidence: failures.slice(0, 6),
          })
        : pass(`${sent} GET / and ${uploads} uploads during the rollout, none failed`);
    },
  }),
];
