// The cluster probe. Checks never hold a raw client: they ask this probe, which also
// guards the kube context so a verify run can never touch a cluster that is not the
// workshop's (a learner's work cluster, say) unless they name it with --context.
// client-node takes about a second to import: load it only when a check asks for the cluster.
import type { CoreV1Event, KubeConfig, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { containerProblems, logLines, logRequests, warningEvents, type LogRequest } from './kube-evidence.ts';
import { detectBackend, type ClusterBackend, type NodeFacts } from '../core/cluster-backend.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../core/errors.ts';
import { poll } from '../core/poll.ts';
import { pinnedImages } from '../core/own-images.ts';

export const WORKSHOP_CONTEXT = 'kind-workshop';

export interface KubeOptions {
  /** A context named explicitly by the learner (or a test harness) with --context. */
  context?: string;
  kubeconfig?: string;
}

export interface ApplyResult {
  object: KubernetesObject;
  ok: boolean;
  applied?: KubernetesObject;
  /** HTTP status of a refusal: 422 invalid, 404 namespace missing, 409 conflict… */
  code?: number;
  message?: string;
}

/** Code and message of an API error (client-node puts the Status object in `body`, as text). */
export function apiFailure(err: unknown): { code?: number; message: string } {
  const code = (err as { code?: number }).code;
  const raw = (err as { body?: unknown }).body;
  let message = (err as Error).message ?? String(err);
  if (typeof raw === 'string') {
    try {
      message = (JSON.parse(raw) as { message?: string }).message ?? raw;
    } catch {
      message = raw || message;
    }
  } else if (raw && typeof raw === 'object' && 'message' in raw) message = String((raw as { message: unknown }).message);
  return { code: typeof code === 'number' ? code : undefined, message: message.split('\n')[0]! };
}

/** What every view of one run's cluster probe shares: the guarded kubeconfig, the detected backend. */
interface KubeState {
  config?: KubeConfig;
  detected?: Promise<ClusterBackend>;
}

export class KubeProbe {
  constructor(
    private readonly opts: KubeOptions = {},
    private readonly state: KubeState = {},
    /** A check's (or scenario's) signal: its API requests, polls and execs stop when it fires. */
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * The same cluster probe, bound to `signal` (the runner gives each check one): reads, polls,
   * execs and service proxy requests stop when it fires.
   *
   * WRITES (apply, patch, delete, evict) are not bound: a disruptive check restores what it
   * changed in a `finally`, and that restore must still reach the API server after the check's
   * time ran out (a cordoned node, a scaled-down Deployment left behind would break the next
   * lesson). The check's polls and reads stop it, so it reaches its `finally` at once.
   */
  withSignal(signal: AbortSignal): KubeProbe {
    return new KubeProbe(this.opts, this.state, signal);
  }

  private get config(): KubeConfig | undefined {
    return this.state.config;
  }

  /** The guarded kubeconfig; throws EnvironmentError (exit 2) with the next command. */
  async kubeConfig(): Promise<KubeConfig> {
    if (this.state.config) return this.state.config;
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    try {
      if (this.opts.kubeconfig) kc.loadFromFile(this.opts.kubeconfig);
      else {
        // Without a kubeconfig file the client invents a "loaded-context" for localhost:
        // say what is missing instead of listing that as one of the learner's contexts.
        missingKubeconfig();
        kc.loadFromDefault();
      }
    } catch (err) {
      if (err instanceof EnvironmentError) throw err;
      throw new EnvironmentError(`Cannot read your kubeconfig: ${(err as Error).message}.`, 'npm run setup');
    }
    const wanted = this.opts.context ?? WORKSHOP_CONTEXT;
    if (!kc.getContextObject(wanted)) {
      const known = kc
        .getContexts()
        .map((c) => c.name)
        .filter((name) => name !== 'loaded-context');
      throw new EnvironmentError(
        `There is no kube context "${wanted}"${known.length ? ` (you have: ${known.join(', ')})` : ''}.` +
          (this.opts.context ? '' : " The verifier only talks to the workshop's kind cluster unless you name another with --context."),
        // setup makes the workshop's own context; a context named with --context is the learner's to spell.
        this.opts.context ? 'kubectl config get-contexts   (the names --context accepts)' : 'npm run setup   (creates the kind cluster "workshop")',
      );
    }
    kc.setCurrentContext(wanted);
    this.state.config = kc;
    return kc;
  }

  async contextName(): Promise<string> {
    return (await this.kubeConfig()).getCurrentContext();
  }

  /** The API server's version, or an EnvironmentError saying why it cannot be reached. */
  async serverVersion(): Promise<string> {
    const kc = await this.kubeConfig();
    const { VersionApi } = await import('@kubernetes/client-node');
    try {
      const info = await kc.makeApiClient(VersionApi).getCode();
      return info.gitVersion;
    } catch (err) {
      const server = kc.getCurrentCluster()?.server ?? 'unknown server';
      throw new EnvironmentError(
        `The API server of context "${kc.getCurrentContext()}" (${server}) does not answer: ${(err as Error).message.split('\n')[0]}.`,
        'npm run setup   (starts stopped kind nodes; check Docker is running first)',
      );
    }
  }

  /**
   * The generic object client. With a signal (reads only: see WRITES) it is built on a
   * configuration that carries it: the object client reads its middleware from its own
   * configuration only (a per-call configuration changes the server, not the middleware).
   */
  private async objects(use: 'read' | 'write' = 'read') {
    const k8s = await import('@kubernetes/client-node');
    const kc = await this.kubeConfig();
    const signalled = use === 'read' ? await this.withAbort() : undefined;
    if (!signalled) return k8s.KubernetesObjectApi.makeApiClient(kc);
    const api = new k8s.KubernetesObjectApi(signalled);
    // What makeApiClient does besides: the context's namespace is the default for objects without one.
    (api as unknown as { setDefaultNamespace(kc: KubeConfig): string }).setDefaultNamespace(kc);
    return api;
  }

  /** The core API client; its reads carry the signal when there is one (see WRITES). */
  private async coreApi(use: 'read' | 'write' = 'read') {
    const k8s = await import('@kubernetes/client-node');
    const signalled = use === 'read' ? await this.withAbort() : undefined;
    return signalled ? new k8s.CoreV1Api(signalled) : (await this.kubeConfig()).makeApiClient(k8s.CoreV1Api);
  }

  /**
   * A client configuration whose requests carry the signal; undefined without a signal.
   * Throws the signal's reason once it fired, so nothing new starts after that.
   */
  private async withAbort() {
    this.signal?.throwIfAborted();
    if (!this.signal) return undefined;
    const signal = this.signal;
    const k8s = await import('@kubernetes/client-node');
    const kc = await this.kubeConfig();
    return k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(kc.getCurrentCluster()!.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [{ pre: async (ctx) => (ctx.setSignal(signal), ctx), post: async (rsp) => rsp }],
    });
  }

  /** One object, or undefined when it does not exist (a learner mistake, not an error). */
  async get<T extends KubernetesObject>(apiVersion: string, kind: string, name: string, namespace = 'default'): Promise<T | undefined> {
    try {
      return (await (await this.objects()).read({ apiVersion, kind, metadata: { name, namespace } })) as T;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw this.apiError(err, `get ${kind} ${name}`);
    }
  }

  async list<T extends KubernetesObject>(apiVersion: string, kind: string, opts: { namespace?: string; labelSelector?: string } = {}): Promise<T[]> {
    try {
      const res = await (await this.objects()).list(apiVersion, kind, opts.namespace, undefined, undefined, undefined, undefined, opts.labelSelector);
      return res.items as T[];
    } catch (err) {
      throw this.apiError(err, `list ${kind}`);
    }
  }

  /**
   * Server-side apply, as `kubectl apply --server-side` does. With `dryRun` the API server
   * runs every admission step and schema check (unknown fields included: apply needs a
   * typed object) and stores nothing. Returns one result per object, never throws for
   * an object the server refuses: that is the learner's to fix, not a broken tool.
   */
  async apply(objects: KubernetesObject[], opts: { dryRun?: boolean; fieldManager?: string; force?: boolean } = {}): Promise<ApplyResult[]> {
    const k8s = await import('@kubernetes/client-node');
    const results: ApplyResult[] = [];
    for (const obj of objects) {
      try {
        const api = await this.rawObjects(obj);
        const applied = await api.patch(
          obj,
          undefined,
          opts.dryRun ? 'All' : undefined,
          opts.fieldManager ?? 'legacy-to-k8s',
          opts.force ?? true,
          k8s.PatchStrategy.ServerSideApply,
        );
        results.push({ object: obj, ok: true, applied });
      } catch (err) {
        const { code, message } = apiFailure(err);
        // 403 is also admission's answer (Pod Security: 'pods "x" is forbidden: violates PodSecurity
        // "restricted:latest": …', a webhook's denial): the object is refused, not the user. RBAC's
        // 403 says 'User "…" cannot create resource …': that one is the environment's.
        const admissionRefusal = code === 403 && !/ cannot [a-z]+ resource /.test(message);
        if ((code === 401 || code === 403) && !admissionRefusal) throw this.apiError(err, `apply ${obj.kind} ${obj.metadata?.name}`);
        if (code === undefined) throw this.apiError(err, `apply ${obj.kind} ${obj.metadata?.name}`);
        results.push({ object: obj, ok: false, code, message });
      }
    }
    return results;
  }

  /**
   * An object client that sends `obj` exactly as written, with fieldValidation=Strict, as
   * `kubectl apply --server-side` does. client-node's own serializer drops fields its
   * types do not know, which would hide a `readinessprobe` typo instead of reporting it.
   */
  private async rawObjects(obj: KubernetesObject) {
    const k8s = await import('@kubernetes/client-node');
    const kc = await this.kubeConfig();
    const cluster = kc.getCurrentCluster()!;
    const config = k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [
        {
          pre: async (ctx) => {
            // Only the apply itself: the client also GETs API discovery through this config.
            if (ctx.getHttpMethod() === k8s.HttpMethod.PATCH) {
              ctx.setBody(JSON.stringify(obj));
              ctx.setQueryParam('fieldValidation', 'Strict');
            }
            return ctx;
          },
          post: async (rsp) => rsp,
        },
      ],
    });
    return new k8s.KubernetesObjectApi(config);
  }

  /** A JSON merge patch (e.g. a rollout restart's annotation). */
  async mergePatch(obj: KubernetesObject, patch: object): Promise<void> {
    const k8s = await import('@kubernetes/client-node');
    try {
      await (
        await this.objects('write')
      ).patch(
        {
          ...patch,
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          metadata: { ...(patch as KubernetesObject).metadata, name: obj.metadata?.name, namespace: obj.metadata?.namespace },
        },
        undefined,
        undefined,
        'legacy-to-k8s',
        undefined,
        k8s.PatchStrategy.MergePatch,
      );
    } catch (err) {
      throw this.apiError(err, `patch ${obj.kind} ${obj.metadata?.name}`);
    }
  }

  async delete(obj: KubernetesObject): Promise<void> {
    try {
      await (await this.objects('write')).delete(obj);
    } catch (err) {
      if ((err as { code?: number }).code === 404) return;
      throw this.apiError(err, `delete ${obj.kind} ${obj.metadata?.name}`);
    }
  }

  /**
   * Evict a pod through the Eviction API, as `kubectl drain` does: the API server first
   * asks the pod's PodDisruptionBudgets. A refusal (429 while a budget allows no more
   * disruptions) is an answer, not an error: the caller retries, as drain does.
   */
  async evict(namespace: string, name: string): Promise<{ ok: boolean; code?: number; message?: string }> {
    try {
      const core = await this.coreApi('write');
      await core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } });
      return { ok: true };
    } catch (err) {
      const { code, message } = apiFailure(err);
      if (code === 404) return { ok: true, code, message };
      if (code === 429 || code === 500) return { ok: false, code, message };
      throw this.apiError(err, `evict pod ${name}`);
    }
  }

  /**
   * Run a command in a container, as `kubectl exec` does, and collect its output. Only
   * on real kubelets (kwok's simulated pods have no containers to run it in).
   */
  async exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[],
    timeoutMs = 20_000,
  ): Promise<{ ok: boolean; stdout: string; stderr: string; message?: string }> {
    const k8s = await import('@kubernetes/client-node');
    const { PassThrough } = await import('node:stream');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    await this.kubeConfig();
    this.signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      let socket: { close(): void } | undefined;
      const signal = this.signal;
      const finish = (result: { ok: boolean; stdout: string; stderr: string; message?: string }) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket?.close();
        resolve(result);
      };
      const onAbort = () => {
        clearTimeout(timer);
        socket?.close();
        reject(signal!.reason);
      };
      const timer = setTimeout(() => finish({ ok: false, stdout: out, stderr: err, message: `no answer in ${timeoutMs / 1000} s` }), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      new k8s.Exec(this.config!)
        .exec(namespace, pod, container, command, stdout, stderr, null, false, (status) => {
          finish({ ok: status.status === 'Success', stdout: out, stderr: err, message: status.message });
        })
        .then((ws) => {
          socket = ws;
          if (signal?.aborted) ws.close();
        })
        .catch((e: unknown) => finish({ ok: false, stdout: out, stderr: err, message: (e as Error).message }));
    });
  }

  /**
   * GET through the API server's service proxy (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH`),
   * the way `kubectl get --raw` reaches Prometheus or Loki without a port-forward.
   * Resolves to the status and body; a refused connection is `status: 0` with the reason.
   */
  async serviceGet(
    namespace: string,
    service: string,
    port: number | string,
    pathAndQuery: string,
    timeoutMs = 10_000,
  ): Promise<{ status: number; body: string }> {
    const kc = await this.kubeConfig();
    const https = await import('node:https');
    const http = await import('node:http');
    const base = new URL(kc.getCurrentCluster()!.server);
    const url = new URL(`/api/v1/namespaces/${namespace}/services/${service}:${port}/proxy${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`, base);
    const opts: import('node:https').RequestOptions = { method: 'GET', headers: {} };
    await kc.applyToHTTPSOptions(opts);
    return new Promise((resolve) => {
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(url, { ...opts, timeout: timeoutMs, signal: this.signal }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
      // Aborted by the signal: the check is over, nobody reads this answer.
      req.on('error', (err) => resolve({ status: 0, body: err.message }));
      req.end();
    });
  }

  /** Events about one object, for evidence. */
  async events(obj: KubernetesObject): Promise<CoreV1Event[]> {
    const core = await this.coreApi();
    const res = await core.listNamespacedEvent({
      namespace: obj.metadata?.namespace ?? 'default',
      fieldSelector: `involvedObject.name=${obj.metadata?.name},involvedObject.kind=${obj.kind ?? 'Pod'}`,
    });
    return res.items;
  }

  /**
   * Why a pod is not Ready, in `kubectl describe` and `kubectl logs` terms: container
   * reasons (a missing image as one sentence with its fix), Warning events, and the last
   * lines each failing or restarting container printed.
   */
  async explainPod(pod: V1Pod): Promise<string[]> {
    const [events, logs] = await Promise.all([this.events({ ...pod, kind: 'Pod' }), this.lastLogLines(pod)]);
    return [...containerProblems(pod, pinnedImages()), ...warningEvents(events), ...logs];
  }

  /**
   * The last few log lines of each failing or restarting container, current run and the
   * one before its last restart. Only where kubelets keep logs (a backend with real pods;
   * the harness has none, and asking would make the API server dial a node that is not
   * there); bounded in lines, bytes and time; a log the API cannot give is left out.
   */
  async lastLogLines(pod: V1Pod, lines = 5, opts: { healthy?: boolean } = {}): Promise<string[]> {
    // `healthy`: every container's current log too, for a pod that runs fine but does the wrong
    // thing (a worker that never sends the mail it was queued).
    const requests = opts.healthy
      ? (pod.spec?.containers ?? []).map((c) => ({ container: c.name, previous: false })).concat(logRequests(pod).filter((r) => r.previous))
      : logRequests(pod);
    if (!requests.length || !(await this.backend()).capabilities.has('real-pods')) return [];
    const core = await this.coreApi();
    const read = async (req: LogRequest): Promise<string[]> => {
      const text = core.readNamespacedPodLog({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? 'default',
        container: req.container,
        previous: req.previous,
        tailLines: lines,
        limitBytes: 16_384,
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 5_000)));
      try {
        const got = await Promise.race([text.catch(() => undefined), timeout]);
        return typeof got === 'string' ? logLines(req, got, lines) : [];
      } finally {
        clearTimeout(timer);
      }
    };
    return (await Promise.all(requests.map(read))).flat();
  }

  /**
   * Which backend made this cluster's nodes (kind, the kwok harness, another), detected once
   * from the Node objects; the runner asks it what the cluster can serve.
   */
  backend(): Promise<ClusterBackend> {
    // Detected once for the run, under no check's signal: one check running out of time must
    // not leave every other check with an aborted detection.
    const unbound = new KubeProbe(this.opts, this.state);
    this.state.detected ??= Promise.all([unbound.list<NodeFacts>('v1', 'Node'), unbound.contextName()]).then(([nodes, context]) =>
      detectBackend(nodes, context),
    );
    return this.state.detected;
  }

  /**
   * Poll until `probe` returns a value, or give up after `timeoutMs` (returns undefined).
   * Stops with the probe's signal (or `opts.signal`). A check's `ctx.poll` does the same and
   * also says what it waited for; this stays for the harness, which has no check context.
   */
  async waitFor<T>(
    probe: () => Promise<T | undefined>,
    opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; onProgress?: (line: string) => void },
  ): Promise<T | undefined> {
    const signal = opts.signal ?? this.signal;
    const polled = await poll('the cluster', probe, {
      timeout: opts.timeoutMs,
      interval: opts.intervalMs ?? 500,
      until: (v) => v !== undefined,
      signal,
      onProgress: opts.onProgress,
    });
    return polled.ok ? polled.value : undefined;
  }

  private apiError(err: unknown, what: string): EnvironmentError {
    if (err instanceof EnvironmentError) return err;
    const code = (err as { code?: number }).code;
    if (code === 401 || code === 403) {
      return new EnvironmentError(
        `The cluster refused to ${what} (HTTP ${code}): your kube user lacks the rights for it.`,
        'kubectl auth can-i --list   (then npm run setup to recreate the workshop cluster)',
      );
    }
    return new EnvironmentError(`Cannot ${what}: ${(err as Error).message.split('\n')[0]}.`, 'kubectl cluster-info --context kind-workshop');
  }
}

/** Throws when no kubeconfig file exists where kubectl would look (KUBECONFIG, else ~/.kube/config). */
function missingKubeconfig(): void {
  const fromEnv = process.env.KUBECONFIG;
  if (fromEnv) {
    const files = fromEnv.split(path.delimiter).filter(Boolean);
    if (!files.some((f) => fs.existsSync(f))) {
      throw new EnvironmentError(
        `KUBECONFIG is set to ${fromEnv}, but ${files.length > 1 ? 'none of those files exists' : 'that file does not exist'}: kubectl and the verifier find no cluster there.`,
        'unset KUBECONFIG   (to use ~/.kube/config), or point it at your kubeconfig; no cluster yet: npm run setup',
      );
    }
    return;
  }
  const home = path.join(os.homedir(), '.kube', 'config');
  if (!fs.existsSync(home) && !process.env.KUBERNETES_SERVICE_HOST) {
    throw new EnvironmentError(
      `There is no kubeconfig (${home} does not exist): no cluster is set up on this machine yet.`,
      'npm run setup   (creates the kind cluster "workshop" and its kubeconfig)',
    );
  }
}
