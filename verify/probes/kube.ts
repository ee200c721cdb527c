// The cluster probe. Checks never hold a raw client: they ask this probe, which also
// guards the kube context so a verify run can never touch a cluster that is not the
// workshop's (a learner's work cluster, say) unless they name it with --context.
// client-node takes about a second to import: load it only when a check asks for the cluster.
import type { KubeConfig } from '@kubernetes/client-node';
import { EnvironmentError } from '../core/errors.ts';

export const WORKSHOP_CONTEXT = 'kind-workshop';

export interface KubeOptions {
  /** A context named explicitly by the learner (or a test harness) with --context. */
  context?: string;
  kubeconfig?: string;
}

export class KubeProbe {
  private config?: KubeConfig;

  constructor(private readonly opts: KubeOptions = {}) {}

  /** The guarded kubeconfig; throws EnvironmentError (exit 2) with the next command. */
  async kubeConfig(): Promise<KubeConfig> {
    if (this.config) return this.config;
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    try {
      if (this.opts.kubeconfig) kc.loadFromFile(this.opts.kubeconfig);
      else kc.loadFromDefault();
    } catch (err) {
      throw new EnvironmentError(`Cannot read your kubeconfig: ${(err as Error).message}.`, 'npm run setup');
    }
    const wanted = this.opts.context ?? WORKSHOP_CONTEXT;
    if (!kc.getContextObject(wanted)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new EnvironmentError(
        `There is no kube context "${wanted}"${known.length ? ` (you have: ${known.join(', ')})` : ''}.` +
          (this.opts.context ? '' : ' The verifier only talks to the workshop\'s kind cluster unless you name another with --context.'),
        'npm run setup   (creates the kind cluster "workshop")',
      );
    }
    kc.setCurrentContext(wanted);
    this.config = kc;
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
}
