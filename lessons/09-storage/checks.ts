import { randomBytes } from 'node:crypto';
import type { KubernetesObject, V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import {
  defineCheck,
  envReferences,
  envSource,
  fail,
  findingLine,
  formatLabels,
  missingLabels,
  parseEnvFile,
  pass,
  reportFindings,
  selectorOf,
  unexpandedReferences,
  variableReferences,
  type CheckContext,
  type Finding,
} from '../../verify/lesson-api.ts';
import {
  appDeployment,
  APPLY,
  at,
  keysInFiles,
  live,
  NAMESPACE,
  namespaceOf,
  notApplied,
  podEvidence,
  podReady,
  podsOf,
  valueInFiles,
  workloadsRunning,
} from '../shared/k8s.ts';
import { serviceForHost } from '../shared/manifest-rules.ts';
import { covers, dataDir, redisAppendOnly, redisPersistenceOff, requirepass } from './rules.ts';

const DATABASES = ['postgres', 'redis'] as const;
type Db = (typeof DATABASES)[number];
/** Where the Secret the workloads read comes from (cluster-apply and the lessons' kubectl command). */
const SECRET_SOURCE_FILES = '.env.cluster (and its template .env.cluster.example)';
const needsSts = { severity: 'required' as const, layer: 'manifest' as const, dependsOn: ['statefulsets-exist'] };

function statefulSets(ctx: CheckContext) {
  return DATABASES.map((db) => ({ db, ...workloadsRunning(ctx, db, ['StatefulSet'])[0]! }));
}

/** The value of DATABASE_URL / REDIS_URL as far as files show it: a literal, a ConfigMap, or the Secret's source (.env.cluster, else its template). */
function urlValue(ctx: CheckContext, variable: string): { value?: string; from: string } {
  const d = appDeployment(ctx);
  return d ? valueInFiles(ctx, d.m, d.web, variable) : { from: 'no Deployment' };
}

export default [
  defineCheck({
    id: 'statefulsets-exist',
    severity: 'required',
    layer: 'manifest',
    title: 'StatefulSets run Postgres and Redis from k8s/',
    learn: '#1-why-a-statefulset-not-a-deployment',
    hints: [
      "Teamnotes' own databases, in namespace teamnotes: k8s/postgres.yaml and k8s/redis.yaml, each a StatefulSet.",
      'kind: StatefulSet with serviceName, a pod template running postgres:17-alpine (redis:8.10-alpine), and volumeClaimTemplates.',
    ],
    async run(ctx) {
      const missing = DATABASES.filter((db) => !workloadsRunning(ctx, db, ['StatefulSet']).length);
      if (!missing.length) return pass('StatefulSets for Postgres and Redis');
      const asDeployment = missing.flatMap((db) =>
        workloadsRunning(ctx, db, ['Deployment']).map((w) => ({ where: at(w.m, ['kind']), message: `${db} runs as a Deployment` })),
      );
      return fail(`no StatefulSet runs ${missing.join(' or ')}`, {
        where: asDeployment[0]?.where ?? 'k8s/',
        expected: 'a StatefulSet for each: postgres and redis images, in k8s/',
        why: 'A Deployment shares one ReadWriteOnce volume between old and new pods during a rollout: the new pod waits for it, or two processes write one data directory. A StatefulSet gives each pod its own volume and a stable name.',
        fix: 'Create k8s/postgres.yaml and k8s/redis.yaml (lesson 09, steps 3 and 4).',
        evidence: asDeployment.map(findingLine),
      });
    },
  }),
  defineCheck({
    id: 'headless-service',
    ...needsSts,
    title: "Each StatefulSet's serviceName is a headless Service that selects its pods",
    learn: '#2-a-headless-service',
    hints: [
      'serviceName must name a Service in k8s/ with clusterIP: None whose selector matches the pod template labels.',
      'apiVersion: v1, kind: Service, spec: {clusterIP: None, selector: {app.kubernetes.io/name: postgres}, ports: [{name: postgres, port: 5432}]}',
    ],
    async run(ctx) {
      const problems: Finding[] = [];
      for (const s of statefulSets(ctx)) {
        const name = s.m.object.spec?.serviceName;
        if (!name) {
          problems.push({ where: at(s.m, ['spec']), message: `StatefulSet ${s.m.name} has no serviceName` });
          continue;
        }
        const svc = ctx.manifests.find('Service').find((m) => m.name === name && m.namespace === s.m.namespace);
        if (!svc) {
          problems.push({
            where: at(s.m, ['spec', 'serviceName']),
            message: `serviceName ${name}: no Service ${name} in namespace ${namespaceOf(s.m)} in k8s/`,
          });
          continue;
        }
        if (svc.object.spec?.clusterIP !== 'None') problems.push({ where: at(svc, ['spec']), message: `Service ${name} is not headless (no clusterIP: None)` });
        const selector = selectorOf('Service', svc.object) ?? {};
        const missing = missingLabels(selector, s.tpl.labels);
        if (!Object.keys(selector).length) problems.push({ where: at(svc, ['spec']), message: `Service ${name} has no selector` });
        else if (missing.length)
          problems.push({
            where: at(svc, ['spec', 'selector']),
            message: `Service ${name} selects ${formatLabels(selector)}, but the ${s.db} pods lack ${missing.join(', ')}`,
          });
      }
      return reportFindings(problems, "headless Services select both StatefulSets' pods", {
        expected: 'serviceName → a Service with clusterIP: None whose selector matches the pod template labels',
        why: 'The headless Service gives each pod its stable DNS name (postgres-0.postgres.teamnotes.svc.cluster.local); without it, or selecting nothing, the name does not resolve.',
        fix: 'Add or fix the Service named by serviceName (lesson 09 step 2).',
      });
    },
  }),
  defineCheck({
    id: 'volume-claim-templates',
    ...needsSts,
    title: 'A volume claim template, mounted where the database writes its data',
    learn: '#3-postgres-with-a-volume-claim-template',
    hints: [
      'volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}] and a volumeMount named data.',
      'postgres:17 writes /var/lib/postgresql/data; postgres 18 moved it under /var/lib/postgresql. Redis writes /data.',
    ],
    async run(ctx) {
      const problems: Finding[] = [];
      for (const s of statefulSets(ctx)) {
        const vcts = s.m.object.spec?.volumeClaimTemplates ?? [];
        if (!vcts.length) {
          problems.push({
            where: at(s.m, ['spec']),
            message: `StatefulSet ${s.m.name} has no volumeClaimTemplates: its data lives in the container and dies with it`,
          });
          continue;
        }
        vcts.forEach((v, i) => {
          if (!v.spec?.accessModes?.length)
            problems.push({ where: at(s.m, ['spec', 'volumeClaimTemplates', i]), message: `claim template ${v.metadata?.name} has no accessModes` });
          if (!v.spec?.resources?.requests?.storage)
            problems.push({
              where: at(s.m, ['spec', 'volumeClaimTemplates', i]),
              message: `claim template ${v.metadata?.name} asks for no size (resources.requests.storage)`,
            });
        });
        const names = new Set(vcts.map((v) => v.metadata?.name));
        const { dir, why } = dataDir(s.db, s.main);
        const mounts = (s.main.container.volumeMounts ?? []).filter((vm) => names.has(vm.name));
        if (!mounts.length)
          problems.push({
            where: at(s.m, [...s.main.path, 'volumeMounts']),
            message: `no volumeMount of ${[...names].join(', ')} in container ${s.main.container.name}`,
          });
        else if (!mounts.some((vm) => covers(vm.mountPath, dir))) {
          problems.push({
            where: at(s.m, [...s.main.path, 'volumeMounts']),
            message: `${s.db} writes ${dir} (${why}), but the volume is mounted at ${mounts.map((vm) => vm.mountPath).join(', ')}: the data stays in the container`,
          });
        }
        // PGDATA must be a folder inside the volume: the root of many disks holds lost+found, and initdb refuses a non-empty directory.
        if (s.db === 'postgres' && mounts.some((vm) => vm.mountPath.replace(/\/+$/, '') === dir.replace(/\/+$/, ''))) {
          problems.push({
            where: at(s.m, [...s.main.path, 'volumeMounts']),
            message: `Postgres keeps its data at the root of the volume (${dir}): on a disk with lost+found, initdb stops with "directory exists but is not empty"; set PGDATA to a subfolder such as ${dir}/pgdata`,
          });
        }
        if (s.db === 'redis' && redisPersistenceOff(s.main))
          problems.push({ where: at(s.m, [...s.main.path, 'args']), message: `--save "" with appendonly off: Redis writes nothing to its volume` });
        else if (s.db === 'redis' && !redisAppendOnly(s.main, s.tpl, ctx.manifests.find('ConfigMap'))) {
          problems.push({
            where: at(s.m, [...s.main.path, s.main.container.args ? 'args' : 'image']),
            message: `Redis runs without the append-only file (--appendonly yes): a crash or OOM kill loses every session since the last snapshot`,
          });
        }
      }
      return reportFindings(problems, 'each StatefulSet mounts its claim where its database writes', {
        expected: 'volumeClaimTemplates with accessModes and storage, mounted at (or above) the data directory',
        why: 'A volume mounted beside the data directory is empty forever: the database writes into the container layer, and the next pod starts from nothing.',
        fix: 'Mount the claim at the data directory named above.',
      });
    },
  }),
  defineCheck({
    id: 'readiness-probes',
    ...needsSts,
    title: 'Postgres and Redis have readiness probes',
    learn: '#3-postgres-with-a-volume-claim-template',
    hints: [
      'A database that accepts TCP is not yet ready during recovery: ask it.',
      'readinessProbe: {exec: {command: [pg_isready, -U, teamnotes, -d, teamnotes]}}',
    ],
    async run(ctx) {
      const problems = statefulSets(ctx)
        .filter((s) => !s.main.container.readinessProbe)
        .map((s) => ({ where: at(s.m, s.main.path), message: `container ${s.main.container.name} of ${s.m.name} has no readinessProbe` }));
      return reportFindings(problems, 'both have readiness probes', {
        expected: 'a readinessProbe on each database container (exec pg_isready, exec redis-cli ping)',
        why: 'Without one, the pod counts as ready the moment the process starts: the app connects during recovery and its own readiness flaps.',
        fix: 'Add the probes of lesson 09 steps 3 and 4.',
      });
    },
  }),
  defineCheck({
    id: 'passwords-from-secret',
    ...needsSts,
    title: 'The database passwords come from a Secret, never a literal',
    learn: '#5-passwords-from-the-secret',
    hints: [
      'POSTGRES_PASSWORD from secretKeyRef; Redis: --requirepass $(REDIS_PASSWORD) with REDIS_PASSWORD from secretKeyRef.',
      'Add POSTGRES_PASSWORD and REDIS_PASSWORD to .env.cluster and recreate the Secret.',
    ],
    async run(ctx) {
      const problems: Finding[] = [];
      for (const s of statefulSets(ctx)) {
        if (s.db === 'postgres') {
          const trust = envSource(s.main, 'POSTGRES_HOST_AUTH_METHOD');
          if (trust.from === 'literal' && trust.value === 'trust')
            problems.push({ where: at(s.m, trust.path), message: `POSTGRES_HOST_AUTH_METHOD=trust: anyone in the cluster logs in without a password` });
          const src = envSource(s.main, 'POSTGRES_PASSWORD');
          const viaFile = envSource(s.main, 'POSTGRES_PASSWORD_FILE').from !== 'unset';
          if (src.from !== 'Secret' && !viaFile)
            problems.push({
              where: at(s.m, 'path' in src ? src.path : s.main.path),
              message: `POSTGRES_PASSWORD ${src.from === 'unset' ? 'is not set' : `comes from ${src.from === 'literal' ? 'a literal in the manifest' : src.from}`}`,
            });
        } else {
          const pass = requirepass(s.main);
          if (pass === undefined)
            problems.push({ where: at(s.m, s.main.path), message: `Redis has no --requirepass: anything in the cluster can read every session` });
          else {
            // Under `sh -c "redis-server --requirepass $REDIS_PASSWORD"` the shell expands $NAME; without a shell only $(NAME) is expanded (by Kubernetes).
            const shellRuns = [...(s.main.container.command ?? []), ...(s.main.container.args ?? [])].some((a) => /^(\/(usr\/)?bin\/)?(ba|da)?sh$/.test(a));
            const refs = [...variableReferences(pass), ...(shellRuns ? [...pass.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g)].map((m) => m[1]!) : [])];
            const fromSecret = refs.length > 0 && refs.every((r) => envSource(s.main, r).from === 'Secret');
            const shell = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(pass)?.[1];
            if (!fromSecret)
              problems.push({
                where: at(s.m, [...s.main.path, 'args']),
                message: `--requirepass ${refs.length ? `uses ${refs.join(', ')}, not from a Secret` : shell ? `${pass}: no shell runs to expand it (Kubernetes expands $(${shell})), so the password is that text` : 'is a literal'}`,
              });
          }
        }
      }
      // Correct: secretKeyRef (or envFrom of the Secret), POSTGRES_PASSWORD_FILE from a Secret
      // volume, --requirepass $(VAR) or a config file; what still breaks the password on its
      // way: a $(VAR) used above its definition, a key the Secret's source does not have, and
      // characters that break the URL the password is put into.
      const keysOf = keysInFiles(ctx);
      const app = appDeployment(ctx);
      const containers = [...statefulSets(ctx).map((s) => ({ m: s.m, c: s.main })), ...(app ? [{ m: app.m, c: app.web }] : [])];
      for (const { m, c } of containers) {
        for (const u of unexpandedReferences(c, keysOf))
          problems.push({
            where: at(m, u.path),
            message: `${u.variable} uses $(${u.ref}) before ${u.ref} is defined: Kubernetes leaves the text $(${u.ref}) in the value`,
          });
        for (const ref of envReferences(c)) {
          const keys =
            ref.kind === 'Secret' && ref.key && !ctx.manifests.find('Secret').some((x) => x.name === ref.name) ? keysOf('Secret', ref.name) : undefined;
          if (keys && !keys.includes(ref.key!))
            problems.push({
              where: at(m, ref.path),
              message: `${ref.key} is not in ${SECRET_SOURCE_FILES}: the Secret made from it lacks the key, and the pod stops in CreateContainerConfigError`,
            });
        }
      }
      const secretEnv = parseEnvFile(ctx.files.read('.env.cluster') ?? '');
      for (const { m, c } of containers) {
        (c.container.env ?? []).forEach((e, i) => {
          if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(String(e.value ?? ''))) return;
          for (const ref of variableReferences(String(e.value))) {
            const bad = /[/#?%\s]/.exec(secretEnv[ref] ?? '');
            if (bad)
              problems.push({
                where: at(m, [...c.path, 'env', i, 'value']),
                message: `${e.name} puts $(${ref}) into a URL, and its value in .env.cluster has "${bad[0].trim() || 'a space'}", which breaks the URL (generate hex: openssl rand -hex 16)`,
              });
          }
        });
      }
      return reportFindings(problems, 'both passwords come from a Secret', {
        expected: 'secretKeyRef for POSTGRES_PASSWORD; --requirepass $(REDIS_PASSWORD) with REDIS_PASSWORD from secretKeyRef',
        why: 'A password in k8s/ is in git for good; the Secret made from .env.cluster keeps it out, and the app reads the same key.',
        fix: 'Move the passwords to .env.cluster, recreate the Secret, reference them with secretKeyRef.',
      });
    },
  }),
  defineCheck({
    id: 'app-uses-own-databases',
    ...needsSts,
    title: "Teamnotes' DATABASE_URL and REDIS_URL point at the new Services",
    learn: '#6-point-teamnotes-at-its-own-databases',
    hints: [
      'The hosts are the headless Services: postgres.teamnotes.svc.cluster.local and redis.teamnotes.svc.cluster.local.',
      'value: postgres://teamnotes:$(POSTGRES_PASSWORD)@postgres.teamnotes.svc.cluster.local:5432/teamnotes',
    ],
    async run(ctx) {
      const services = ctx.manifests.find('Service');
      const problems: Finding[] = [];
      for (const [variable, db] of [
        ['DATABASE_URL', 'postgres'],
        ['REDIS_URL', 'redis'],
      ] as const) {
        const { value, from } = urlValue(ctx, variable);
        if (!value) {
          problems.push({ where: from, message: `cannot see where ${variable} points (${from})` });
          continue;
        }
        let host = '';
        try {
          host = new URL(value.replace(/\$\([A-Za-z0-9_]+\)/g, 'x')).hostname;
        } catch {
          problems.push({ where: from, message: `${variable} is not a URL` });
          continue;
        }
        const svc = serviceForHost(host, services, NAMESPACE);
        const sts = workloadsRunning(ctx, db, ['StatefulSet'])[0];
        const selects = svc && sts && !missingLabels(selectorOf('Service', svc.object) ?? {}, sts.tpl.labels).length;
        if (!selects) problems.push({ where: from, message: `${variable} goes to ${host}, not to the ${db} StatefulSet's Service` });
      }
      return reportFindings(problems, 'DATABASE_URL and REDIS_URL name the new Services', {
        expected: 'hosts that are Services in k8s/ selecting the new StatefulSets (e.g. postgres.teamnotes.svc.cluster.local)',
        why: 'Until the URLs change, Teamnotes keeps writing to the throwaway databases from setup, and your new StatefulSets sit empty.',
        fix: `Point both URLs at the new Services (lesson 09 step 6), recreate the Secret if they live there, then kubectl -n ${appDeployment(ctx) ? namespaceOf(appDeployment(ctx)!.m) : NAMESPACE} rollout restart deploy/${appDeployment(ctx)?.m.name ?? 'teamnotes'}`,
      });
    },
  }),
  defineCheck({
    id: 'statefulsets-ready',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['statefulsets-exist'],
    title: 'Both StatefulSets are ready in the cluster',
    learn: '#7-apply-and-watch-the-claims-bind',
    timeoutMs: 75_000,
    hints: ['kubectl -n teamnotes get statefulsets,pods,pvc', 'kubectl -n teamnotes describe pod postgres-0 shows the Events.'],
    async run(ctx) {
      for (const s of statefulSets(ctx)) {
        if (!(await live(ctx, s.m))) return notApplied(s.m);
        const ready = await ctx.kube.waitFor(
          async () => {
            const cur = await live<V1StatefulSet>(ctx, s.m);
            const want = cur?.spec?.replicas ?? 1;
            return cur && (cur.status?.readyReplicas ?? 0) === want && cur.status?.updateRevision === cur.status?.currentRevision ? cur : undefined;
          },
          { timeoutMs: 30_000, signal: ctx.signal },
        );
        if (!ready) {
          const pods = await podsOf(ctx, s.m);
          return fail(`StatefulSet ${s.m.name} is not ready after 30 s (${pods.filter(podReady).length}/${pods.length} pods Ready)`, {
            where: `statefulset/${s.m.name} (namespace ${namespaceOf(s.m)})`,
            expected: 'every pod Ready',
            why: "Teamnotes' readiness waits on its databases: until they are ready, no app pod gets traffic.",
            fix: `kubectl -n ${namespaceOf(s.m)} describe pod ${s.m.name}-0`,
            evidence: await podEvidence(ctx, pods),
          });
        }
      }
      return pass('postgres and redis StatefulSets ready');
    },
  }),
  defineCheck({
    id: 'claims-bound',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['volume-claim-templates'],
    title: 'Every claim of the StatefulSets is Bound',
    learn: '#7-apply-and-watch-the-claims-bind',
    timeoutMs: 45_000,
    hints: ['kubectl -n teamnotes get pvc', 'On kind, a claim stays Pending until its pod is scheduled (WaitForFirstConsumer): look at the pod first.'],
    async run(ctx) {
      const pending: string[] = [];
      let count = 0;
      for (const s of statefulSets(ctx)) {
        const cur = await live<V1StatefulSet>(ctx, s.m);
        if (!cur) return notApplied(s.m);
        for (const vct of cur.spec?.volumeClaimTemplates ?? []) {
          for (let i = 0; i < (cur.spec?.replicas ?? 1); i++) {
            const name = `${vct.metadata?.name}-${s.m.name}-${i}`;
            count++;
            const bound = await ctx.kube.waitFor(
              async () => {
                const pvc = await ctx.kube.get<V1PersistentVolumeClaim>('v1', 'PersistentVolumeClaim', name, namespaceOf(s.m));
                return pvc?.status?.phase === 'Bound' ? pvc : undefined;
              },
              { timeoutMs: 15_000, signal: ctx.signal },
            );
            if (bound) continue;
            const pvc = await ctx.kube.get<V1PersistentVolumeClaim>('v1', 'PersistentVolumeClaim', name, namespaceOf(s.m));
            const events = pvc
              ? (await ctx.kube.events({ ...pvc, kind: 'PersistentVolumeClaim' } as KubernetesObject)).map((e) => `${e.reason}: ${e.message}`).slice(-2)
              : [];
            pending.push(`${name}: ${pvc ? (pvc.status?.phase ?? 'Pending') : 'not created yet'}${events.length ? ` — ${events.join(' / ')}` : ''}`);
          }
        }
      }
      return pending.length
        ? fail(`${pending.length} claim(s) not Bound`, {
            where: `namespace ${NAMESPACE}`,
            expected: 'every PersistentVolumeClaim Bound',
            why: 'A pod whose claim is not bound is never started: the database does not run.',
            fix: `kubectl -n ${NAMESPACE} describe pvc ${pending[0]!.split(':')[0]}   (then the pod that uses it)`,
            evidence: pending,
          })
        : pass(`${count} claim(s) Bound`);
    },
  }),
  defineCheck({
    id: 'data-survives-restart',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['statefulsets-ready'],
    requires: ['real-pods'],
    disruptive: true,
    title: 'A row written before deleting postgres-0 is there after it comes back',
    learn: '#8-prove-the-data-survives',
    timeoutMs: 180_000,
    hints: [
      'If the row is gone, the volume is not where Postgres writes (see 09.volume-claim-templates).',
      'kubectl -n teamnotes delete pod postgres-0, then read your notes again.',
    ],
    async run(ctx) {
      const s = statefulSets(ctx).find((x) => x.db === 'postgres')!;
      const ns = namespaceOf(s.m);
      const podName = `${s.m.name}-0`;
      const marker = `verify-${randomBytes(6).toString('hex')}`;
      const psql = (sql: string) => ctx.kube.exec(ns, podName, s.main.container.name, ['psql', '-U', 'teamnotes', '-d', 'teamnotes', '-tAc', sql]);
      const wrote = await psql(`CREATE TABLE IF NOT EXISTS workshop_verify (marker text); INSERT INTO workshop_verify VALUES ('${marker}')`);
      if (!wrote.ok)
        return fail(`could not write to Postgres in ${podName}: ${wrote.stderr.trim() || wrote.message}`, {
          fix: `kubectl -n ${ns} exec ${podName} -- psql -U teamnotes -d teamnotes -c 'select 1'`,
        });
      const before = await ctx.kube.get<V1Pod>('v1', 'Pod', podName, ns);
      await ctx.kube.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: podName, namespace: ns } });
      // The StatefulSet recreates the pod with the same name; wait for a new one (new uid) that is Ready.
      const back = await ctx.kube.waitFor(
        async () => {
          const p = await ctx.kube.get<V1Pod>('v1', 'Pod', podName, ns);
          return p && p.metadata?.uid !== before?.metadata?.uid && podReady(p) ? p : undefined;
        },
        { timeoutMs: 150_000, signal: ctx.signal },
      );
      if (!back) return fail(`${podName} did not come back Ready within 150 s`, { fix: `kubectl -n ${ns} describe pod ${podName}` });
      const read = await psql(`SELECT count(*) FROM workshop_verify WHERE marker = '${marker}'`);
      await psql(`DELETE FROM workshop_verify WHERE marker = '${marker}'`);
      return read.ok && read.stdout.trim() === '1'
        ? pass(`row ${marker} survived deleting ${podName}`)
        : fail(`the row written before deleting ${podName} is gone`, {
            observed: read.ok ? `count ${read.stdout.trim()}` : read.stderr.trim() || read.message,
            expected: 'the row still there',
            why: 'The data lived in the container, not on the claim: every restart of Postgres wipes Teamnotes.',
            fix: 'Mount the claim where Postgres writes (09.volume-claim-templates), then ' + APPLY,
          });
    },
  }),
];
