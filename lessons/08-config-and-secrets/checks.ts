import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import {
  defineCheck,
  envReferences,
  envSource,
  fail,
  failFindings,
  parseEnvFile,
  pass,
  secretLiteral,
  startedBefore,
  stringMap,
  variableReferences,
  type CheckContext,
  type ContainerAt,
  type FieldPath,
  type Finding,
  type KeysOf,
  type Manifest,
  type ObjectOf,
} from '../../verify/lesson-api.ts';
import {
  APPLY,
  appDeployment,
  at,
  changedAt,
  keysInFiles,
  live,
  NAMESPACE,
  namespaceOf,
  notApplied,
  podsOf,
  SECRET_TEMPLATE,
  rolledOut,
} from '../shared/k8s.ts';
import { literalSecrets } from '../shared/manifest-rules.ts';

/** Variables whose values let someone in: they must come from a Secret. */
const SECRET_VARS = ['SESSION_SECRET', 'ADMIN_TOKEN', 'DATABASE_URL', 'REDIS_URL', 'SMTP_URL'];
const needsConfigMap = { severity: 'required' as const, layer: 'manifest' as const, dependsOn: ['settings-in-configmap'] };
const RESTART = `kubectl -n ${NAMESPACE} rollout restart deploy/teamnotes`;
/** The restart command for the learner's own Deployment (its name and namespace may differ from ours). */
function restartOf(ctx: CheckContext): string {
  const d = appDeployment(ctx);
  return d ? `kubectl -n ${namespaceOf(d.m)} rollout restart deploy/${d.m.name}` : RESTART;
}

function app(ctx: CheckContext) {
  return appDeployment(ctx)!;
}

/**
 * Why a secret variable does not come from a Secret, following `$(VAR)` compositions, with
 * the field at fault; undefined when it is from a Secret all the way. Correct answers:
 * secretKeyRef per key, envFrom of the Secret (in any order beside the ConfigMap: the source
 * holding the key wins), or a URL built with $(VAR) from Secret values. A reference marked
 * optional is not: a missing key then starts the pod without the variable.
 */
function secretSourceProblem(web: ContainerAt, variable: string, keysOf: KeysOf, seen = new Set<string>()): { path: FieldPath; message: string } | undefined {
  if (seen.has(variable)) return undefined;
  seen.add(variable);
  const src = envSource(web, variable, keysOf);
  const path = 'path' in src ? src.path : web.path;
  if (src.from === 'Secret') {
    const i = Number(src.path.at(-1));
    const optional = src.path.at(-2) === 'env' ? web.container.env?.[i]?.valueFrom?.secretKeyRef?.optional : web.container.envFrom?.[i]?.secretRef?.optional;
    return optional === true
      ? { path, message: `${variable} comes from Secret ${src.name} with optional: true: without the key the pod starts anyway, and the app exits at start` }
      : undefined;
  }
  if (src.from === 'ConfigMap') return { path, message: `${variable} comes from ConfigMap ${src.name}` };
  if (src.from === 'unset') return { path, message: `${variable} is not set (no env entry, and no envFrom source holds the key)` };
  if (src.from !== 'literal') return { path, message: `${variable} comes from a field reference` };
  const refs = variableReferences(src.value);
  if (!refs.length)
    return secretLiteral(variable, src.value) || /SECRET|TOKEN/.test(variable) ? { path, message: `${variable} is written in the manifest` } : undefined;
  return refs.map((r) => secretSourceProblem(web, r, keysOf, seen)).find(Boolean);
}

/** Lines of an env file whose value is wrapped in quotes (dotenv strips them; kubectl does not). */
function quotedValues(text: string): Array<{ key: string; line: number; quote: string }> {
  return text.split('\n').flatMap((raw, i) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(["'])/.exec(raw);
    return m ? [{ key: m[1]!, line: i + 1, quote: m[2]! }] : [];
  });
}

/**
 * What keeps a ConfigMap's settings from reaching the app: a value that is not a string
 * (the API server refuses the whole object) or a key that matches a variable the app reads
 * (.env.example, .env.cluster.example) only when case is ignored. Other extra keys are fine.
 */
function configMapKeyProblems(ctx: CheckContext, cm: Manifest<ObjectOf<'ConfigMap'>>): Finding[] {
  const known = ['.env.example', SECRET_TEMPLATE].flatMap((f) => Object.keys(parseEnvFile(ctx.files.read(f) ?? '')));
  // The schema promises strings; a learner's file may hold a number or a boolean, which is what this looks for.
  const data: Record<string, unknown> = cm.object.data ?? {};
  const problems: Finding[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string')
      problems.push({
        where: at(cm, ['data', key]),
        message: `ConfigMap ${cm.name}: ${key} is a ${value === null ? 'null' : typeof value}, not a string (the API server refuses the ConfigMap)`,
      });
    const meant = known.find((k) => k !== key && k.toLowerCase() === key.toLowerCase());
    if (meant && !(meant in data))
      problems.push({ where: at(cm, ['data', key]), message: `ConfigMap ${cm.name} has ${key}, but the app reads ${meant} (keys are case-sensitive)` });
  }
  return problems;
}

export default [
  defineCheck({
    id: 'settings-in-configmap',
    severity: 'required',
    layer: 'manifest',
    title: "The app's settings come from a ConfigMap in k8s/",
    learn: '#1-settings-into-a-configmap',
    hints: [
      'LOG_LEVEL, PORT and the other non-secret settings belong in git, where a change is reviewed: a ConfigMap in k8s/.',
      'k8s/configmap.yaml (kind: ConfigMap, name: teamnotes-config, data: {LOG_LEVEL: info, …}) and envFrom: [{configMapRef: {name: teamnotes-config}}]',
    ],
    async run(ctx) {
      const d = appDeployment(ctx);
      if (!d) return fail('no Deployment runs the teamnotes image', { expected: 'the Deployment of lesson 07', fix: 'Do lesson 07 first: npm run verify 7' });
      // Correct: envFrom (before or after the Secret's envFrom: the source holding the key
      // wins) or configMapKeyRef per key, to a ConfigMap of k8s/ in the Deployment's namespace.
      const configMaps = ctx.manifests.find('ConfigMap').filter((m) => namespaceOf(m) === namespaceOf(d.m));
      const src = envSource(d.web, 'LOG_LEVEL', keysInFiles(ctx));
      const cm = src.from === 'ConfigMap' ? configMaps.find((m) => m.name === src.name) : undefined;
      if (cm) {
        const problems = configMapKeyProblems(ctx, cm);
        return problems.length
          ? failFindings(problems, {
              expected: 'string values, and keys spelt exactly like the variables the app reads (.env.example)',
              why: 'The API server refuses a ConfigMap with a number or boolean in data; a key in another case becomes a variable the app never reads, and the setting silently keeps its default.',
              fix: 'Quote numbers and booleans ("3000", "true"); spell keys as in .env.example.',
            })
          : pass(`LOG_LEVEL and friends from ConfigMap ${cm.name} (${cm.file})`);
      }
      return fail(
        src.from === 'ConfigMap'
          ? `the Deployment reads ConfigMap ${src.name}, which is not in k8s/`
          : `LOG_LEVEL comes from ${src.from === 'unset' ? 'nowhere (the app default)' : `a ${src.from === 'literal' ? 'literal value' : src.from}`}`,
        {
          where: at(d.m, 'path' in src ? src.path : d.web.path),
          expected: 'a ConfigMap in k8s/ holding the settings (LOG_LEVEL at least), read with envFrom or configMapKeyRef',
          why: 'Settings in a committed ConfigMap are reviewed and versioned like code; in a Secret or on a command line nobody sees them change.',
          fix: 'Create k8s/configmap.yaml and add envFrom: [{configMapRef: {name: teamnotes-config}}] to the container.',
        },
      );
    },
  }),
  defineCheck({
    id: 'secrets-from-secret',
    ...needsConfigMap,
    title: 'Secret values come from a Secret, never from a ConfigMap or a literal',
    learn: '#3-reference-them-from-the-deployment',
    hints: [
      `${SECRET_VARS.join(', ')} let someone in: they belong in the Secret.`,
      '- name: SESSION_SECRET\n  valueFrom: {secretKeyRef: {name: teamnotes-secrets, key: SESSION_SECRET}}',
    ],
    async run(ctx) {
      const d = app(ctx);
      const keysOf = keysInFiles(ctx);
      const problems = SECRET_VARS.flatMap((v) => secretSourceProblem(d.web, v, keysOf) ?? []).map((p) => ({ where: at(d.m, p.path), message: p.message }));
      return problems.length
        ? failFindings(problems, {
            expected: `${SECRET_VARS.join(', ')} from secretKeyRef (or envFrom secretRef), or built with $(VAR) from Secret values`,
            why: 'ConfigMaps are readable by everyone who can read the namespace and are committed to git; a Secret can be locked down with RBAC and is never committed.',
            fix: 'Use valueFrom.secretKeyRef for each (no optional: true), with the key in .env.cluster.',
          })
        : pass(`${SECRET_VARS.length} secret variables come from a Secret`);
    },
  }),
  defineCheck({
    id: 'references-resolve',
    ...needsConfigMap,
    title: 'Every ConfigMap key the Deployment names is in k8s/, every Secret key in .env.cluster.example, written without quotes',
    learn: '#3-reference-them-from-the-deployment',
    hints: [
      'Keys are case-sensitive: log_level is not LOG_LEVEL.',
      `The Secret is made from .env.cluster, so ${SECRET_TEMPLATE} (its committed template) lists its keys.`,
    ],
    async run(ctx) {
      const d = app(ctx);
      const template = ctx.files.read(SECRET_TEMPLATE);
      const templateKeys = template === undefined ? undefined : Object.keys(parseEnvFile(template));
      const problems: Finding[] = [];
      for (const ref of envReferences(d.web)) {
        if (ref.kind === 'ConfigMap') {
          const cm = ctx.manifests.find('ConfigMap').find((m) => m.name === ref.name);
          const keys = Object.keys(stringMap(cm?.object.data));
          if (!cm) problems.push({ where: at(d.m, ref.path), message: `ConfigMap ${ref.name} is not in k8s/` });
          else if (ref.key && !keys.includes(ref.key))
            problems.push({ where: at(d.m, ref.path), message: `ConfigMap ${ref.name} has no key ${ref.key} (it has: ${keys.join(', ')})` });
        } else if (!ctx.manifests.find('Secret').some((m) => m.name === ref.name)) {
          if (!templateKeys)
            problems.push({
              where: at(d.m, ref.path),
              message: `Secret ${ref.name} is made from .env.cluster, but ${SECRET_TEMPLATE} (its template) is missing`,
            });
          else if (ref.key && !templateKeys.includes(ref.key)) {
            const near = templateKeys.find((k) => k.toLowerCase() === ref.key!.toLowerCase());
            problems.push({
              where: at(d.m, ref.path),
              message: `${SECRET_TEMPLATE} has no ${ref.key}${near ? ` (it has ${near}: keys are case-sensitive)` : ''}`,
            });
          }
        }
      }
      // The Secret is made from .env.cluster: a key the template has but the learner's copy lacks is missing in the cluster too.
      const local = ctx.files.read('.env.cluster');
      if (local !== undefined) {
        const localKeys = Object.keys(parseEnvFile(local));
        for (const ref of envReferences(d.web)) {
          if (
            ref.kind === 'Secret' &&
            ref.key &&
            !ref.optional &&
            templateKeys?.includes(ref.key) &&
            !localKeys.includes(ref.key) &&
            !ctx.manifests.find('Secret').some((m) => m.name === ref.name)
          ) {
            problems.push({
              where: at(d.m, ref.path),
              message: `.env.cluster has no ${ref.key} (${SECRET_TEMPLATE} does): the Secret made from it lacks the key`,
            });
          }
        }
      }
      // kubectl create secret --from-env-file takes each value literally, quotes included.
      for (const file of ['.env.cluster', SECRET_TEMPLATE]) {
        for (const q of quotedValues(ctx.files.read(file) ?? ''))
          problems.push({
            where: `${file}:${q.line}`,
            message: `${q.key} is written in quotes; kubectl --from-env-file keeps them, so the Secret's value starts with ${q.quote}`,
          });
      }
      return problems.length
        ? failFindings(problems, {
            expected: 'every referenced ConfigMap key in k8s/, every Secret key in .env.cluster.example, values without quotes',
            why: 'A reference to a missing key stops the pod at start: CreateContainerConfigError, and the rollout never finishes. A quoted value reaches the app with its quotes, and DATABASE_URL no longer starts with postgres://.',
            fix: 'Add the key (same spelling, same case) or fix the reference; write .env.cluster values without quotes.',
          })
        : pass('every reference has its key');
    },
  }),
  defineCheck({
    id: 'no-secrets-in-configmap',
    ...needsConfigMap,
    title: 'No password, token or secret-looking value in a ConfigMap, and no Secret with its values in k8s/',
    learn: '#1-settings-into-a-configmap',
    hints: ['A URL with a password in it is a secret too.', 'Move the key to .env.cluster, recreate the Secret, reference it with secretKeyRef.'],
    async run(ctx) {
      // Every committed manifest: a ConfigMap holding a secret, or a Secret with its values
      // saved into k8s/ (`--dry-run=client -o yaml > k8s/secret.yaml`), in any file.
      const problems = literalSecrets(ctx.manifests.load(), [], true);
      return problems.length
        ? failFindings(problems, {
            expected: 'only non-secret settings in ConfigMaps, and no Secret object with data in k8s/',
            why: 'A ConfigMap is committed to git and readable by anyone with read access to the namespace: not the place for credentials.',
            fix: 'Move it into .env.cluster and make the Secret from it (kubectl create secret … --dry-run=client -o yaml | kubectl apply -f -); delete any Secret file from k8s/ and rotate what was committed.',
          })
        : pass('ConfigMaps hold settings only');
    },
  }),
  defineCheck({
    id: 'configmap-applied',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['settings-in-configmap'],
    title: 'The ConfigMap in the cluster has the same data as k8s/',
    learn: '#5-change-a-setting-apply-then-restart',
    hints: ['Editing k8s/configmap.yaml changes nothing until you apply it.', APPLY],
    async run(ctx) {
      for (const cm of ctx.manifests.find('ConfigMap')) {
        const current = await live<KubernetesObject & { data?: Record<string, string> }>(ctx, cm);
        if (!current) return notApplied(cm);
        const want = stringMap(cm.object.data);
        const diff = Object.keys({ ...want, ...current.data }).filter((k) => want[k] !== current.data?.[k]);
        if (diff.length) {
          return fail(`ConfigMap ${cm.name} in the cluster differs from ${cm.file} in ${diff.join(', ')}`, {
            where: cm.file,
            observed: diff.map((k) => `${k}: cluster ${JSON.stringify(current.data?.[k])}, file ${JSON.stringify(want[k])}`).join('; '),
            why: 'The cluster runs what was applied, not what is in your editor.',
            fix: `${APPLY}, then ${restartOf(ctx)}`,
          });
        }
      }
      return pass('every ConfigMap in the cluster matches k8s/');
    },
  }),
  defineCheck({
    id: 'pods-use-current-config',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['settings-in-configmap'],
    title: 'Every pod started after the last change to the ConfigMap and Secret it reads',
    timeoutMs: 45_000,
    learn: '#5-change-a-setting-apply-then-restart',
    hints: ['Environment variables are read once, when the container starts: changing the ConfigMap or Secret does not change running pods.', RESTART],
    async run(ctx) {
      const d = app(ctx);
      const ns = namespaceOf(d.m);
      const sources = new Map<string, KubernetesObject | undefined>();
      for (const ref of envReferences(d.web)) {
        const id = `${ref.kind}/${ref.name}`;
        if (!sources.has(id)) sources.set(id, await ctx.kube.get('v1', ref.kind, ref.name, ns));
      }
      const staleNow = async () => {
        const pods = (await podsOf(ctx, d.m)).filter((p) => !p.metadata?.deletionTimestamp);
        const stale: string[] = [];
        for (const pod of pods) {
          const started = podStart(pod);
          for (const [id, obj] of sources) {
            // Managed-field times have one-second resolution: a pod started in the same second counts as after.
            if (obj && startedBefore(pod, changedAt(obj))) {
              stale.push(`${pod.metadata?.name} started ${new Date(started).toISOString()}, ${id} changed ${new Date(changedAt(obj)).toISOString()}`);
            }
          }
        }
        return { pods, stale };
      };
      // A rollout in progress replaces the old pods by itself: wait for it (bounded), but not
      // when the Deployment is settled, since then nothing will change.
      let { pods, stale } = await staleNow();
      let looked = false;
      const settled = async () => {
        if (looked) ({ pods, stale } = await staleNow());
        looked = true;
        return !stale.length || rolledOut(await live<V1Deployment>(ctx, d.m));
      };
      await ctx.poll(`the pods of ${d.m.name} to start with the current configuration, or its rollout to settle`, settled, { timeout: 30_000, interval: 1000 });
      if (!pods.length) return fail(`no pods of Deployment ${d.m.name} in the cluster`, { expected: 'running pods', fix: `${APPLY}, then npm run verify 7` });
      return stale.length
        ? fail(`${new Set(stale.map((s) => s.split(' ')[0])).size} pod(s) still run with the old configuration`, {
            where: `deployment/${d.m.name} (namespace ${ns})`,
            expected: 'every pod started after the last change of its ConfigMap and Secret',
            why: 'The app read its environment at start; these pods still use the values from before your change (a new LOG_LEVEL, a rotated secret).',
            fix: restartOf(ctx),
            evidence: stale.slice(0, 6),
          })
        : pass(`${pods.length} pod(s) started after the last configuration change`);
    },
  }),
];

function podStart(pod: V1Pod): number {
  return new Date((pod.metadata?.creationTimestamp as unknown as string) ?? 0).getTime();
}
