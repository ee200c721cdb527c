// Which NetworkPolicy enforcer the real-kind tier runs beside the kindnetd stand-in (which routes
// pods but enforces nothing), chosen from the running kernel's build options in /proc/config.gz:
//
// - kube-network-policies, the enforcer a learner's kind (v0.24 on) runs inside kindnetd, wherever
//   the kernel has the nftables queue it hands new connections to user space through
//   (CONFIG_NFT_QUEUE), and wherever the kernel does not say (no readable /proc/config.gz: standard
//   distribution kernels and Docker Desktop's VM have the queue);
// - kube-router's NetworkPolicy controller only where the kernel is known to lack the queue (this
//   project's CI machines): it enforces the same policies with iptables rules and ipsets, which
//   such kernels have, so lesson 14's "a stranger cannot reach Postgres" is still proved there.
//
// LEGACY_TO_K8S_KIND_ENFORCER=kube-network-policies|kube-router overrides the choice (to try the
// other enforcer, or to see the queue's failure on such a kernel). Only the chosen enforcer's image
// is built and loaded (standInImages in images/build.ts). See docs/kind-tier.md.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { KUBE_NETWORK_POLICIES_IMAGE, KUBE_ROUTER_IMAGE } from './images/stand-ins.ts';
import { repoRoot } from './paths.ts';

export const ENFORCER_ENV = 'LEGACY_TO_K8S_KIND_ENFORCER';

/** The running kernel's build configuration, or undefined where it cannot be read. */
export function kernelConfig(file = '/proc/config.gz'): string | undefined {
  try {
    return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * Whether a kernel configuration (`kernelConfig()` for this machine's) builds in `option` (`=y` or
 * `=m`); undefined when there is no configuration to read. An option the file does not mention (or marks `is not set`) is false.
 */
export function kernelHas(option: string, config: string | undefined): boolean | undefined {
  if (config === undefined) return undefined;
  return new RegExp(`^${option}=[ym]$`, 'm').test(config);
}

export type EnforcerName = 'kube-network-policies' | 'kube-router';

export interface PolicyEnforcer {
  name: EnforcerName;
  /** The stand-in image (TEST_ONLY_IMAGES). */
  image: string;
  /** Its ServiceAccount, RBAC and DaemonSet (kube-system, one pod per node). */
  manifest: string;
  /** The DaemonSet's name, and its pods' app.kubernetes.io/name label. */
  daemonset: string;
  /** Why this one, for the log. */
  why: string;
}

const ENFORCERS: Record<EnforcerName, Omit<PolicyEnforcer, 'why'>> = {
  'kube-network-policies': {
    name: 'kube-network-policies',
    image: KUBE_NETWORK_POLICIES_IMAGE,
    manifest: path.join(repoRoot, 'scripts/kind/images/files/kube-network-policies/daemonset.yaml'),
    daemonset: 'kube-network-policies',
  },
  'kube-router': {
    name: 'kube-router',
    image: KUBE_ROUTER_IMAGE,
    manifest: path.join(repoRoot, 'scripts/kind/images/files/kube-router/daemonset.yaml'),
    daemonset: 'kube-router',
  },
};

/** Every enforcer's image: the test-only images of which only the chosen one is built. */
export const ENFORCER_IMAGES: readonly string[] = Object.values(ENFORCERS).map((e) => e.image);

/** The enforcer for a kernel configuration (undefined: unreadable) and an optional override. */
export function chooseEnforcer(config: string | undefined, override?: string): PolicyEnforcer {
  if (override) {
    if (!(override in ENFORCERS))
      throw new Error(
        `${ENFORCER_ENV}=${override} names no enforcer; expected one of: ${Object.keys(ENFORCERS).join(', ')} (or unset it to choose from the kernel)`,
      );
    return { ...ENFORCERS[override as EnforcerName], why: `chosen with ${ENFORCER_ENV}=${override}` };
  }
  const queue = kernelHas('CONFIG_NFT_QUEUE', config);
  if (queue === false)
    return {
      ...ENFORCERS['kube-router'],
      why:
        'this kernel has no nftables queue (CONFIG_NFT_QUEUE is not set in /proc/config.gz), so kube-network-policies, the enforcer of a ' +
        "learner's kind, cannot install its rules here; kube-router enforces the same policies with iptables and ipset",
    };
  return {
    ...ENFORCERS['kube-network-policies'],
    why:
      queue === true
        ? "the enforcer a learner's kind runs inside kindnetd; this kernel has the nftables queue it needs (CONFIG_NFT_QUEUE)"
        : "the enforcer a learner's kind runs inside kindnetd; /proc/config.gz cannot be read, so the kernel is taken to have the nftables queue it needs, as standard kernels do",
  };
}

/** The enforcer for this machine: its kernel, or LEGACY_TO_K8S_KIND_ENFORCER. */
export function policyEnforcer(): PolicyEnforcer {
  return chooseEnforcer(kernelConfig(), process.env[ENFORCER_ENV]);
}

/** From a kube-router log (--v=1 or more): 'none' before any finished sync, 'ok', or the abort line of the latest one. */
export function kubeRouterLastSync(log: string): string {
  const finished = log.split(/^.*Starting sync of iptables with version.*$/m).filter((part) => /sync iptables took/.test(part));
  const latest = finished.at(-1);
  if (latest === undefined) return 'none';
  return (
    latest
      .split('\n')
      .find((l) => /Aborting sync/.test(l))
      ?.trim() ?? 'ok'
  );
}
