import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { defineCheck, fail, getIn, pass, selectorOf, startedBefore, stringMap } from '../../verify/lesson-api.ts';
import { redFamilies, requestSources, traffic } from '../shared/traffic.ts';
import { staticEnvValue } from '../shared/manifest-rules.ts';
import { appDeployment, at, changedAt, live, namespaceOf, notApplied, podReady, podsMatching, addonDeploymentProblem } from '../shared/k8s.ts';
import { dashboards, dataSourceRefProblems, dataSources, prometheusUrlProblem } from './grafana.ts';
import { redProblems } from './promql.ts';

/** What the add-on's Grafana mounts (scripts/addons/monitoring.yaml): ConfigMaps of any other name are never read. */
const DATASOURCES_CM = 'grafana-datasources';
const DASHBOARDS_CM = 'grafana-dashboards';

const MONITORING = 'monitoring';
const ADDON = 'npm run addon monitoring';
const RESTART_GRAFANA = `kubectl -n ${MONITORING} rollout restart deploy/grafana`;
const manifest = { severity: 'required' as const, layer: 'manifest' as const };

function annotations(obj: Record<string, unknown>, path: Array<string | number>): Record<string, string> {
  return stringMap(getIn(obj, path));
}

export default [
  defineCheck({
    id: 'scrape-annotations',
    ...manifest,
    title: 'The Teamnotes pod template asks Prometheus to scrape it',
    learn: '#2-ask-prometheus-to-scrape-teamnotes',
    hints: [
      'Prometheus discovers pods, not Deployments: the annotations go under spec.template.metadata.annotations.',
      'prometheus.io/scrape: "true", prometheus.io/port: "3000", prometheus.io/path: /metrics',
    ],
    // What else is correct: prometheus.io/path left out (the add-on's default is /metrics),
    // the annotations next to others. Not correct here: the annotations on a Service (this
    // Prometheus discovers pods, role: pod, and never reads Service annotations), or a
    // ServiceMonitor (no Prometheus Operator in this cluster, so no such kind).
    async run(ctx) {
      const d = appDeployment(ctx);
      if (!d) return fail('no Deployment runs the teamnotes image', { fix: 'Do lesson 07 first: npm run verify 7' });
      const podPath = ['spec', 'template', 'metadata', 'annotations'];
      // The schema promises strings; a learner's file may hold a YAML boolean, which is what this looks for.
      const raw: Record<string, unknown> = d.m.object.spec?.template?.metadata?.annotations ?? {};
      // stringMap() would read a YAML boolean as "true": the API server does not, and refuses the Deployment.
      const unquoted = Object.entries(raw).filter(([k, v]) => k.startsWith('prometheus.io/') && typeof v !== 'string');
      if (unquoted.length) {
        const [key, value] = unquoted[0]!;
        return fail(`${key}: ${String(value)} is a YAML ${typeof value}, not a string: the API server refuses the whole Deployment`, {
          where: at(d.m, [...podPath, key]),
          expected: `${key}: "${String(value)}" (quoted: annotation values are strings)`,
          why: 'kubectl apply fails with "cannot unmarshal bool into Go struct field ObjectMeta.spec.template.metadata.annotations of type string": the Deployment is not updated at all, annotations included.',
          fix: `Quote the value: ${key}: "${String(value)}", then kubectl apply -R -f k8s/`,
          evidence: unquoted.slice(1).map(([k, v]) => `${k}: ${String(v)} (unquoted too)`),
        });
      }
      const operatorKinds = ctx.manifests.load().filter((m) => /^monitoring\.coreos\.com\//.test(m.apiVersion));
      if (operatorKinds.length) {
        const m = operatorKinds[0]!;
        return fail(`${m.file} defines a ${m.kind}, a kind of the Prometheus Operator, which this cluster does not have`, {
          where: at(m, ['kind']),
          expected: 'the prometheus.io/* annotations on the pod template (no ServiceMonitor or PodMonitor)',
          why: `kubectl apply answers 'no matches for kind "${m.kind}" in version "${m.apiVersion}"', and the add-on's Prometheus reads annotations, not Operator objects: nothing scrapes Teamnotes this way.`,
          fix: `Delete ${m.file} and annotate the pod template (lesson 11 step 2), then kubectl apply -R -f k8s/`,
        });
      }
      const onPods = annotations(d.m.object, podPath);
      if (onPods['prometheus.io/scrape'] === 'true') return pass('prometheus.io/scrape: "true" on the pod template');
      const onDeployment = annotations(d.m.object, ['metadata', 'annotations']);
      const onService = ctx.manifests.find('Service').find((svc) => annotations(svc.object, ['metadata', 'annotations'])['prometheus.io/scrape']);
      const found = onDeployment['prometheus.io/scrape']
        ? { text: "the scrape annotations are on the Deployment's own metadata, not on its pods", where: at(d.m, ['metadata', 'annotations']) }
        : onService
          ? {
              text: `the scrape annotations are on Service ${onService.name}; this cluster's Prometheus discovers pods (role: pod) and never reads a Service's annotations`,
              where: at(onService, ['metadata', 'annotations']),
            }
          : { text: 'no prometheus.io/scrape annotation on the pod template', where: at(d.m, ['spec', 'template', 'metadata']) };
      return fail(found.text, {
        where: found.where,
        expected: 'spec.template.metadata.annotations: prometheus.io/scrape: "true"',
        why: "Prometheus lists pods and reads their annotations; a Deployment's or a Service's own annotations never reach the pods, so Teamnotes is never scraped and every dashboard stays empty.",
        fix: 'Move (or add) the prometheus.io/* annotations under spec.template.metadata.annotations, then kubectl apply -R -f k8s/',
      });
    },
  }),
  defineCheck({
    id: 'scrape-port-and-path',
    ...manifest,
    dependsOn: ['scrape-annotations'],
    title: 'prometheus.io/port is the number of the port serving /metrics, and the path is /metrics',
    learn: '#2-ask-prometheus-to-scrape-teamnotes',
    hints: [
      'The discovery rule keeps only digits: prometheus.io/port: "http" is ignored and Prometheus scrapes another port.',
      'prometheus.io/port: "3000" (quoted: annotations are strings)',
    ],
    async run(ctx) {
      const d = appDeployment(ctx)!;
      // What else is correct: no prometheus.io/path (the default is /metrics); the port of
      // whatever PORT the manifest gives the app. Not: a port name (the relabel rule needs digits).
      const a = annotations(d.m.object, ['spec', 'template', 'metadata', 'annotations']);
      const where = at(d.m, ['spec', 'template', 'metadata', 'annotations']);
      const listens = Number(staticEnvValue(d.web, 'PORT', ctx.manifests.load()) ?? 3000);
      const port = a['prometheus.io/port'];
      const path = a['prometheus.io/path'] ?? '/metrics';
      const problems: string[] = [];
      if (port === undefined) problems.push('no prometheus.io/port: Prometheus would guess from the declared ports');
      else if (!/^\d+$/.test(port)) problems.push(`prometheus.io/port: "${port}" is a name; the discovery rule only takes digits`);
      else if (Number(port) !== listens) problems.push(`prometheus.io/port: "${port}", but Teamnotes serves /metrics on ${listens}`);
      if (path !== '/metrics') problems.push(`prometheus.io/path: ${path}, but Teamnotes serves /metrics`);
      return problems.length
        ? fail(problems[0]!, {
            where,
            expected: `prometheus.io/port: "${listens}" and prometheus.io/path: /metrics (or no path: /metrics is the default)`,
            why: 'A wrong port or path gives a target that is DOWN (connection refused, 404): no data, and an alert you did not plan for.',
            fix: `prometheus.io/port: "${listens}", prometheus.io/path: /metrics`,
            evidence: problems.slice(1),
          })
        : pass(`scraped on ${listens}${path}`);
    },
  }),
  defineCheck({
    id: 'datasource',
    ...manifest,
    title: "Grafana's Prometheus data source is the Prometheus Service, by its DNS name",
    learn: '#3-connect-grafana-to-prometheus',
    hints: [
      "Inside the cluster localhost is Grafana's own pod.",
      'url: http://prometheus.monitoring.svc.cluster.local:9090 in a ConfigMap grafana-datasources (namespace monitoring), key datasources.yaml',
    ],
    async run(ctx) {
      const sources = dataSources(ctx.manifests.find('ConfigMap')).filter((s) => s.type === 'prometheus');
      if (!sources.length) {
        return fail('no ConfigMap in k8s/ provisions a Prometheus data source', {
          expected: 'ConfigMap grafana-datasources (namespace monitoring) with datasources.yaml: a data source of type prometheus',
          why: 'Grafana shows nothing without a data source; provisioning it from a file makes it the same on every reinstall.',
          fix: 'Create k8s/monitoring/grafana-datasources.yaml (lesson 11 step 3).',
        });
      }
      // What else is correct: any data source name and uid, the short Service name
      // (http://prometheus:9090 or prometheus.monitoring:9090, since Grafana runs in
      // monitoring too), more data sources next to it. Not: a ConfigMap Grafana does not mount.
      const problems = sources.map((s) => ({ s, problem: prometheusUrlProblem(s.url) })).filter((x) => x.problem);
      const bad = problems[0];
      const wrongNs = sources.filter((s) => s.m.namespace !== MONITORING);
      const unmounted = sources.filter((s) => s.m.namespace === MONITORING && s.m.name !== DATASOURCES_CM);
      if (!bad && !wrongNs.length && unmounted.length === sources.length) {
        const m = unmounted[0]!.m;
        return fail(`ConfigMap ${m.name} holds the data source, but Grafana mounts only ${DATASOURCES_CM}`, {
          where: at(m, ['metadata', 'name']),
          expected: `name: ${DATASOURCES_CM} (namespace ${MONITORING}), the ConfigMap the add-on's Grafana mounts as /etc/grafana/provisioning/datasources`,
          why: 'Grafana reads files, not ConfigMaps: only the ConfigMap its pod mounts becomes files. Its volume is optional, so it starts without a data source and says nothing.',
          fix: `Rename the ConfigMap to ${DATASOURCES_CM}, kubectl apply -R -f k8s/, then ${RESTART_GRAFANA}`,
        });
      }
      if (!bad && !wrongNs.length) return pass(`data source ${sources[0]!.name} → ${sources[0]!.url}`);
      return fail(
        bad
          ? `data source ${bad.s.name}: ${bad.problem}`
          : `ConfigMap ${wrongNs[0]!.m.name} is in namespace ${wrongNs[0]!.m.namespace ?? 'default'}; Grafana runs in ${MONITORING} and can only mount ConfigMaps of its own namespace`,
        {
          where: bad ? at(bad.s.m, ['data', bad.s.key]) : at(wrongNs[0]!.m, ['metadata', 'namespace']),
          expected: `url: http://prometheus.${MONITORING}.svc.cluster.local:9090, in a ConfigMap of namespace ${MONITORING}`,
          why: bad
            ? 'Grafana sends the queries from its own pod (access: proxy): the URL must reach the Prometheus Service from there, or every panel shows an error and no data.'
            : "The ConfigMap's volume in Grafana's pod is optional: a ConfigMap Grafana cannot mount is skipped without a word, and Grafana starts with no data source.",
          fix: bad
            ? `Set the url to http://prometheus.${MONITORING}.svc.cluster.local:9090, kubectl apply -R -f k8s/, then ${RESTART_GRAFANA}`
            : `namespace: ${MONITORING} in its metadata, kubectl apply -R -f k8s/, then ${RESTART_GRAFANA}`,
        },
      );
    },
  }),
  defineCheck({
    id: 'dashboard-json',
    ...manifest,
    title: 'The dashboard ConfigMap Grafana mounts holds valid dashboard JSON, with panels on a provisioned data source',
    learn: '#4-a-red-dashboard',
    hints: [
      'A ConfigMap grafana-dashboards (namespace monitoring) whose key ends in .json holds the dashboard.',
      "Export a dashboard from Grafana (Share → Export) or start from the lesson's JSON.",
    ],
    async run(ctx) {
      const all = dashboards(ctx.manifests.find('ConfigMap'));
      if (!all.length)
        return fail('no ConfigMap in k8s/ has a dashboard (a key ending in .json)', {
          expected: 'ConfigMap grafana-dashboards in namespace monitoring, key teamnotes-red.json',
          why: 'A dashboard kept in git is reviewed, versioned and comes back after every reinstall; one clicked together in the UI does not.',
          fix: 'Create k8s/monitoring/grafana-dashboards.yaml (lesson 11 step 4).',
        });
      const broken = all.find((d) => d.error);
      if (broken)
        return fail(`${broken.key} is not valid JSON: ${broken.error}`, {
          where: at(broken.m, ['data', broken.key]),
          expected: 'valid JSON',
          why: 'Grafana skips a dashboard file it cannot parse, and only says so in its own log.',
          fix: `Check ${broken.key} with a JSON validator (a trailing comma, a quote in a query?).`,
        });
      const empty = all.find((d) => !d.exprs.length);
      if (empty)
        return fail(`dashboard ${empty.title} has no panel with a query`, {
          where: at(empty.m, ['data', empty.key]),
          expected: 'panels with targets[].expr',
          why: 'An empty dashboard tells nobody anything.',
          fix: 'Add the Rate, Errors and Duration panels of lesson 11 step 4.',
        });
      const wrongNs = all.filter((d) => d.m.namespace !== MONITORING);
      if (wrongNs.length)
        return fail(`ConfigMap ${wrongNs[0]!.m.name} is in namespace ${wrongNs[0]!.m.namespace ?? 'default'}; Grafana reads it from ${MONITORING}`, {
          where: at(wrongNs[0]!.m, ['metadata']),
          expected: `namespace: ${MONITORING}`,
          why: 'A pod can only mount ConfigMaps of its own namespace.',
          fix: `namespace: ${MONITORING}`,
        });
      const unmounted = all.find((d) => d.m.name !== DASHBOARDS_CM);
      if (unmounted) {
        return fail(`ConfigMap ${unmounted.m.name} holds ${unmounted.key}, but Grafana mounts only ${DASHBOARDS_CM}`, {
          where: at(unmounted.m, ['metadata', 'name']),
          expected: `name: ${DASHBOARDS_CM} (namespace ${MONITORING}): the ConfigMap the add-on's Grafana mounts as /etc/grafana/dashboards; every key ending in .json there is a dashboard`,
          why: 'The dashboard provider loads files from that folder; a ConfigMap under another name never becomes a file there, and the dashboard never appears.',
          fix: `Put the dashboard under data: in ConfigMap ${DASHBOARDS_CM}, kubectl apply -R -f k8s/, then ${RESTART_GRAFANA}`,
        });
      }
      // What else is correct: see dataSourceRefProblems (by uid, by name, the default, a variable).
      const sources = dataSources(ctx.manifests.find('ConfigMap'));
      for (const d of all) {
        const refs = dataSourceRefProblems(d, sources);
        if (refs.length) {
          return fail(`dashboard ${d.title}: ${refs[0]}`, {
            where: at(d.m, ['data', d.key]),
            expected: 'every panel names a provisioned data source (its uid, or its name), or none (the default)',
            why: 'Grafana shows "Datasource … was not found" on such a panel, and no data, although Prometheus has it.',
            fix: 'Point the panels at the uid of your data source ("datasource": {"type": "prometheus", "uid": "prometheus"}) and give the data source that fixed uid.',
            evidence: refs.slice(1),
          });
        }
      }
      return pass(`${all.length} dashboard(s), ${all.reduce((n, d) => n + d.exprs.length, 0)} queries`);
    },
  }),
  defineCheck({
    id: 'dashboard-red-queries',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['dashboard-json'],
    title: "The dashboard's queries show Rate, Errors and Duration with the metric names Teamnotes really exposes",
    learn: '#4-a-red-dashboard',
    timeoutMs: 60_000,
    hints: [
      'The verifier runs your app and reads /metrics to learn its metric and label names, then looks for them in your queries.',
      'sum by (route) (rate(http_requests_total[5m])); …{status_code=~"5.."} / …; histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket[5m])))',
    ],
    async run(ctx) {
      const t = await traffic(ctx);
      if (t.problem) return fail(`could not read the app's metrics: ${t.problem}`, { fix: 'npm run verify 4' });
      const red = redFamilies(t.after);
      if (!red.histogram) return fail('the app exposes no request duration histogram', { fix: 'npm run verify 4' });
      const names = { counter: red.counter?.name, histogram: red.histogram.name, status: red.statusLabel };
      const counts = names.counter ?? `${names.histogram}_count`;
      const all = dashboards(ctx.manifests.find('ConfigMap'));
      const problems = redProblems(
        all.flatMap((d) => d.exprs),
        names,
      );
      return problems.length
        ? fail(problems[0]!, {
            where: at(all[0]!.m, ['data', all[0]!.key]),
            expected: `queries over ${counts} (rate, and ${names.status}=~"5.." for errors) and ${names.histogram}_bucket (p95)`,
            why: 'RED answers "is Teamnotes healthy for its users?": how much traffic, how much of it fails, how slow it is. A panel over a metric the app does not expose stays empty.',
            fix: 'Fix the queries named below (lesson 11 step 4).',
            evidence: problems.slice(1),
          })
        : pass(`Rate, Errors and Duration over ${counts} and ${names.histogram}`);
    },
  }),
  defineCheck({
    // Its own check, not only part of monitoring-ready: what Prometheus proves (targets up, RED
    // queries with data) needs Prometheus alone, so a cluster whose Grafana cannot start still
    // gets those answers instead of a row of skips.
    id: 'prometheus-ready',
    severity: 'required',
    layer: 'cluster',
    title: 'Prometheus runs in the cluster',
    learn: '#1-install-prometheus-and-grafana',
    timeoutMs: 45_000,
    hints: [ADDON, `kubectl -n ${MONITORING} get pods -l app.kubernetes.io/name=prometheus`],
    async run(ctx) {
      return (
        (await addonDeploymentProblem(ctx, 'prometheus', MONITORING, {
          install: ADDON,
          why: 'No Prometheus, no metrics: nothing scrapes /metrics and no dashboard query has data.',
        })) ?? pass('prometheus Ready')
      );
    },
  }),
  defineCheck({
    id: 'monitoring-ready',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['datasource'],
    title: 'Prometheus and Grafana run in the cluster',
    learn: '#1-install-prometheus-and-grafana',
    timeoutMs: 45_000,
    hints: [ADDON, `kubectl -n ${MONITORING} get pods`],
    async run(ctx) {
      for (const name of ['prometheus', 'grafana']) {
        const problem = await addonDeploymentProblem(ctx, name, MONITORING, { install: ADDON, why: 'No Prometheus, no metrics; no Grafana, no dashboard.' });
        if (problem) return problem;
      }
      return pass('prometheus and grafana Ready');
    },
  }),
  defineCheck({
    id: 'grafana-config-applied',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['monitoring-ready', 'dashboard-json'],
    title: 'Your Grafana ConfigMaps are applied, and Grafana started after its data sources last changed',
    learn: '#5-apply-and-look',
    hints: ['Grafana reads its data sources when it starts (dashboards it rescans every 10 s).', `kubectl apply -R -f k8s/ && ${RESTART_GRAFANA}`],
    async run(ctx) {
      // Grafana reads data sources only when it starts; dashboard files its provider rescans
      // every 10 s, so a dashboard change shows up without a restart once the kubelet has
      // updated the mounted ConfigMap. Only a data source change needs Grafana started after it.
      const mine = ctx.manifests.find('ConfigMap').filter((m) => m.namespace === MONITORING);
      const sourceMaps = new Set(dataSources(mine).map((s) => s.m.name));
      let newest = 0;
      for (const cm of mine) {
        const current = await live<KubernetesObject & { data?: Record<string, string> }>(ctx, cm);
        if (!current) return notApplied(cm);
        const want = stringMap(getIn(cm.object, ['data']));
        const differs = Object.keys({ ...want, ...current.data }).filter((k) => want[k] !== current.data?.[k]);
        if (differs.length)
          return fail(`ConfigMap ${cm.name} in the cluster differs from ${cm.file} (${differs.join(', ')})`, {
            where: cm.file,
            why: 'Grafana shows what was applied, not what is in your editor.',
            fix: `kubectl apply -R -f k8s/ && ${RESTART_GRAFANA}`,
          });
        if (sourceMaps.has(cm.name)) newest = Math.max(newest, changedAt(current));
      }
      const pods = (await ctx.kube.list<V1Pod>('v1', 'Pod', { namespace: MONITORING, labelSelector: 'app.kubernetes.io/name=grafana' })).filter(
        (p) => !p.metadata?.deletionTimestamp,
      );
      const stale = pods.filter((p) => startedBefore(p, newest));
      return stale.length
        ? fail(`Grafana (${stale[0]!.metadata?.name}) started before your last change to its data sources`, {
            expected: 'Grafana restarted after the change',
            why: 'Grafana reads its data sources only when it starts: it still uses the old one (or none).',
            fix: RESTART_GRAFANA,
          })
        : pass(`${mine.length} ConfigMap(s) applied; Grafana started after its data sources last changed`);
    },
  }),
  defineCheck({
    id: 'target-up',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['prometheus-ready', 'scrape-port-and-path'],
    requires: ['real-pods'],
    title: 'Prometheus scrapes every Teamnotes pod, and each target is up',
    learn: '#5-apply-and-look',
    timeoutMs: 60_000,
    hints: [`kubectl get --raw "/api/v1/namespaces/${MONITORING}/services/prometheus:9090/proxy/api/v1/targets"`],
    async run(ctx) {
      const d = appDeployment(ctx)!;
      const namespace = namespaceOf(d.m);
      type Target = { labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string };
      // The pods are listed on every look, not once: right after an apply the web pods roll, and a
      // pod that is gone has no target, nor should it. Ready pods that are not shutting down count.
      const look = async () => {
        const pods = (await podsMatching(ctx, namespace, selectorOf('Deployment', d.m.object) ?? {}))
          .filter((p) => podReady(p) && !p.metadata?.deletionTimestamp)
          .map((p) => p.metadata!.name!);
        const r = await ctx.kube.serviceGet(MONITORING, 'prometheus', 9090, '/api/v1/targets?state=active');
        const all =
          r.status === 200
            ? ((JSON.parse(r.body) as { data?: { activeTargets?: Target[] } }).data?.activeTargets ?? []).filter((t) => t.labels.namespace === namespace)
            : [];
        const mine = all.filter((t) => pods.includes(t.labels.pod ?? ''));
        const missing = pods.filter((p) => !mine.some((t) => t.labels.pod === p));
        return { pods, all, mine, missing, status: r.status, body: r.body };
      };
      const seen = await ctx.poll('a Prometheus target, up, for every ready Teamnotes pod', look, {
        until: (l) => l.pods.length > 0 && l.missing.length === 0 && l.mine.every((t) => t.health === 'up'),
        timeout: 45_000,
        interval: 2000,
      });
      const l = seen.value;
      if (seen.ok) return pass(`${l.mine.length} target(s) up: ${l.mine.map((t) => t.scrapeUrl).join(', ')}`);
      const down = l.mine.filter((t) => t.health !== 'up');
      const message = !l.pods.length
        ? 'no Teamnotes pod is ready, so Prometheus has nothing to scrape'
        : l.missing.length
          ? `${l.missing.length} ready Teamnotes pod(s) have no Prometheus target: ${l.missing.join(', ')}`
          : `${down.length} Teamnotes target(s) not up`;
      return fail(message, {
        expected: `a target for each of the ${l.pods.length} ready pod(s), health up`,
        why: 'No target, no metrics: every RED panel stays empty and no alert can fire.',
        fix: 'kubectl apply -R -f k8s/ (annotations on the pod template), then wait one scrape interval (15 s)',
        evidence: l.all
          .map((t) => `${t.labels.pod ?? t.scrapeUrl} ${t.scrapeUrl}: ${t.health}${t.lastError ? ` — ${t.lastError}` : ''}`)
          .concat(l.status === 200 ? [] : [`Prometheus API: ${l.status} ${l.body.slice(0, 120)}`]),
      });
    },
  }),
  defineCheck({
    id: 'red-query-returns-data',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['target-up'],
    requires: ['real-pods'],
    title: 'After traffic through the Ingress, a RED query returns data',
    learn: '#5-apply-and-look',
    timeoutMs: 90_000,
    hints: ['Prometheus scrapes every 15 s: data appears a scrape or two after the traffic.'],
    async run(ctx) {
      // The counter the app really exposes, whatever it is called (a counter, or a histogram's
      // _count), learned from the app's own /metrics as dashboard-red-queries does.
      const t = await traffic(ctx);
      const sample = (t.problem ? undefined : requestSources(t.after)[0]?.sample) ?? 'http_requests_total';
      const http = ctx.http('http://127.0.0.1');
      let answered = 0;
      // Answered by the app: a 404 or 50x from the controller means the request never reached a pod.
      for (let i = 0; i < 20; i++)
        if (
          await http.get('/').then(
            (r) => r.status < 400,
            () => false,
          )
        )
          answered++;
      if (!answered) {
        return fail("none of 20 requests to http://127.0.0.1/ got the app's answer through the Ingress, so there is no traffic to measure", {
          expected: 'the Ingress of lesson 10 answering',
          why: 'A RED panel shows the traffic that reaches the pods; here none did.',
          fix: 'npm run verify 10',
        });
      }
      const query = encodeURIComponent(`sum(rate(${sample}{namespace="${namespaceOf(appDeployment(ctx)!.m)}"}[1m]))`);
      const value = await ctx.kube.waitFor(
        async () => {
          // A little more traffic on every look: a series the first requests created is born with
          // them, and rate() needs it to grow between two scrapes (15 s apart) to be above 0.
          for (let i = 0; i < 3; i++) await http.get('/').catch(() => undefined);
          const r = await ctx.kube.serviceGet(MONITORING, 'prometheus', 9090, `/api/v1/query?query=${query}`);
          if (r.status !== 200) return undefined;
          const result = (JSON.parse(r.body) as { data?: { result?: Array<{ value: [number, string] }> } }).data?.result ?? [];
          const v = Number(result[0]?.value[1] ?? 0);
          return v > 0 ? v : undefined;
        },
        { timeoutMs: 75_000, intervalMs: 5000, signal: ctx.signal },
      );
      return value
        ? pass(`sum(rate(${sample}[1m])) = ${value.toFixed(2)} req/s after ${answered} requests through the Ingress`)
        : fail(`sum(rate(${sample}[1m])) returned no data 75 s after ${answered} requests through the Ingress`, {
            why: 'The dashboard would stay empty too.',
            fix: `kubectl get --raw "/api/v1/namespaces/${MONITORING}/services/prometheus:9090/proxy/api/v1/targets"`,
          });
    },
  }),
];
