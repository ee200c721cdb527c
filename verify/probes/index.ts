// The probes a check can use. The runner builds one set per run (what they share: the
// cleanup, the kubeconfig, the backing services) and gives each check and each scenario a
// view bound to its own AbortSignal (bindProbes), so a check that runs out of time stops
// its requests and processes. Tests use the real things (real app, real Postgres) and
// nothing needs mocking.
import { AppProbe } from './app-probe.ts';
import { Cleanup } from './cleanup.ts';
import { FilesProbe } from './files.ts';
import { GitProbe } from './git.ts';
import { HttpClient } from './http.ts';
import { KubeProbe, type KubeOptions } from './kube.ts';
import { MachineProbe } from './machine.ts';
import { ManifestsProbe } from './manifests.ts';
import { PostgresProbe } from './postgres.ts';
import { RedisProbe } from './redis.ts';
import { ServicesProbe } from './services.ts';
import { TcpProxy } from './tcp-proxy.ts';
import { startSmtpSink, type SmtpSink } from '../services/smtp-sink.ts';

export interface Probes {
  files: FilesProbe;
  git: GitProbe;
  app: AppProbe;
  services: ServicesProbe;
  postgres: PostgresProbe;
  redis: RedisProbe;
  /** A proxy in front of `url` (a service URL) that a check can black-hole; `url` of the result points at it. */
  tcpProxy(url: string): Promise<{ url: string; proxy: TcpProxy }>;
  /**
   * A real SMTP server of the check's own on a free loopback port (the sink of
   * `npm run services`), keeping every message it receives in `messages`; closed at the
   * end of the run. For checks that must see exactly which mail arrived, and when.
   */
  smtpSink(): Promise<SmtpSink>;
  machine: MachineProbe;
  /** Kubernetes manifests in the workspace (k8s/), with line numbers. */
  manifests: ManifestsProbe;
  kube: KubeProbe;
  /** A fresh HTTP client (own cookie jar) for `baseUrl`; its requests stop with the check's signal. */
  http(baseUrl: string): HttpClient;
}

export interface ProbeOptions {
  workspace: string;
  kube?: KubeOptions;
  /** Where backing-service URLs come from (default: process.env, then .workshop/services.env). */
  serviceEnv?: NodeJS.ProcessEnv;
}

export function createProbes(opts: ProbeOptions, cleanup: Cleanup): Probes {
  const services = new ServicesProbe(opts.serviceEnv);
  return {
    files: new FilesProbe(opts.workspace),
    git: new GitProbe(opts.workspace),
    app: new AppProbe(opts.workspace, cleanup),
    services,
    postgres: new PostgresProbe(services, cleanup),
    redis: new RedisProbe(services, cleanup),
    async tcpProxy(url: string) {
      const u = new URL(url);
      const proxy = await TcpProxy.start(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port), cleanup);
      return { url: TcpProxy.rewrite(url, proxy.port), proxy };
    },
    async smtpSink() {
      const sink = await startSmtpSink();
      cleanup.add(() => sink.close());
      return sink;
    },
    machine: new MachineProbe(opts.workspace),
    manifests: new ManifestsProbe(opts.workspace),
    kube: new KubeProbe(opts.kube),
    http: (baseUrl) => new HttpClient(baseUrl),
  };
}

/**
 * The run's probes as one check (or scenario) sees them: HTTP requests, kube API calls and
 * polls, and started processes stop when `signal` fires. Cheap: views over the same state.
 * Postgres, Redis, proxies and sinks are resources of the run, undone by its cleanup.
 */
export function bindProbes(probes: Probes, signal: AbortSignal): Probes {
  return {
    ...probes,
    app: probes.app.withSignal(signal),
    kube: probes.kube.withSignal(signal),
    http: (baseUrl) => new HttpClient(baseUrl, signal),
  };
}

export { Cleanup };
