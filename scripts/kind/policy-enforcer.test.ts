// Which NetworkPolicy enforcer the real-kind tier runs, and what its image and manifest must agree
// on; the enforcers themselves run in `npm run test:kind`.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { standInImages } from './images/build.ts';
import { KUBE_NETWORK_POLICIES_IMAGE, KUBE_ROUTER_IMAGE, TEST_ONLY_IMAGES, planFor } from './images/stand-ins.ts';
import { ENFORCER_ENV, ENFORCER_IMAGES, chooseEnforcer, kernelHas, kubeRouterLastSync, type EnforcerName } from './policy-enforcer.ts';
import { repoRoot } from './paths.ts';

const WITH_QUEUE = 'CONFIG_NF_TABLES=y\nCONFIG_NFT_QUEUE=m\nCONFIG_IP_SET=y\n';
const WITHOUT_QUEUE = 'CONFIG_NF_TABLES=y\n# CONFIG_NFT_QUEUE is not set\nCONFIG_NFT_COMPAT=y\nCONFIG_IP_SET=y\n';

describe('kernelHas', () => {
  it('reads =y and =m as built, "is not set" and a missing line as not built, no config as unknown', () => {
    expect(kernelHas('CONFIG_NFT_QUEUE', 'CONFIG_NFT_QUEUE=y\n')).toBe(true);
    expect(kernelHas('CONFIG_NFT_QUEUE', WITH_QUEUE)).toBe(true);
    expect(kernelHas('CONFIG_NFT_QUEUE', WITHOUT_QUEUE)).toBe(false);
    expect(kernelHas('CONFIG_NFT_QUEUE', 'CONFIG_NF_TABLES=y\n')).toBe(false);
    // A longer option with the same prefix is another option.
    expect(kernelHas('CONFIG_NFT_QUEUE', 'CONFIG_NFT_QUEUE_EXTRA=y\n')).toBe(false);
    expect(kernelHas('CONFIG_NFT_QUEUE', undefined)).toBeUndefined();
  });
});

describe('chooseEnforcer', () => {
  it("runs the learner's enforcer, kube-network-policies, where the kernel has the nftables queue", () => {
    const e = chooseEnforcer(WITH_QUEUE);
    expect(e.name).toBe('kube-network-policies');
    expect(e.image).toBe(KUBE_NETWORK_POLICIES_IMAGE);
    expect(e.why).toMatch(/CONFIG_NFT_QUEUE/);
  });

  it('runs kube-network-policies where the kernel does not say (no readable /proc/config.gz)', () => {
    const e = chooseEnforcer(undefined);
    expect(e.name).toBe('kube-network-policies');
    expect(e.why).toMatch(/cannot be read/);
  });

  it('runs kube-router only where the kernel is known to lack the queue, and says why', () => {
    const e = chooseEnforcer(WITHOUT_QUEUE);
    expect(e.name).toBe('kube-router');
    expect(e.image).toBe(KUBE_ROUTER_IMAGE);
    expect(e.daemonset).toBe('kube-router');
    expect(e.why).toMatch(/CONFIG_NFT_QUEUE is not set/);
  });

  it(`lets ${ENFORCER_ENV} override the kernel, and names the choices when it names none of them`, () => {
    expect(chooseEnforcer(WITHOUT_QUEUE, 'kube-network-policies').name).toBe('kube-network-policies');
    expect(chooseEnforcer(WITH_QUEUE, 'kube-router').name).toBe('kube-router');
    expect(() => chooseEnforcer(WITH_QUEUE, 'calico')).toThrow(/calico names no enforcer; expected one of: kube-network-policies, kube-router/);
  });
});

describe('only the chosen enforcer is built', () => {
  const saved = process.env[ENFORCER_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[ENFORCER_ENV];
    else process.env[ENFORCER_ENV] = saved;
  });

  it.each(['kube-network-policies', 'kube-router'] as EnforcerName[])('%s: its image is a stand-in, the other enforcer is not', (name) => {
    process.env[ENFORCER_ENV] = name;
    const images = standInImages();
    const chosen = chooseEnforcer(undefined, name).image;
    expect(images).toContain(chosen);
    expect(images.filter((i) => ENFORCER_IMAGES.includes(i))).toEqual([chosen]);
    // The other test-only images stay.
    expect(images).toContain('postgres:18-alpine');
  });

  it('both enforcers are test-only images with a recipe; kube-router is built from its Go module with ipset from Debian', () => {
    expect(TEST_ONLY_IMAGES).toEqual(expect.arrayContaining([...ENFORCER_IMAGES]));
    const plan = planFor(KUBE_ROUTER_IMAGE)!;
    expect(plan.pins.module).toBe('github.com/cloudnativelabs/kube-router/v2@v2.1.0');
    expect(plan.needsNetwork).toBe(true);
    expect(planFor(KUBE_NETWORK_POLICIES_IMAGE)?.recipe).toBe('kube-network-policies');
  });
});

describe('the enforcer manifests', () => {
  it.each(['kube-network-policies', 'kube-router'] as EnforcerName[])('%s: the DaemonSet, its label and its image are the ones the setup waits for', (name) => {
    const e = chooseEnforcer(undefined, name);
    const docs = parseAllDocuments(readFileSync(e.manifest, 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } });
    const ds = docs.find((d) => d.kind === 'DaemonSet') as unknown as {
      metadata: { name: string; namespace: string };
      spec: { template: { metadata: { labels: Record<string, string> }; spec: { hostNetwork: boolean; containers: { image: string; args: string[] }[] } } };
    };
    expect(ds.metadata).toMatchObject({ name: e.daemonset, namespace: 'kube-system' });
    expect(ds.spec.template.metadata.labels['app.kubernetes.io/name']).toBe(e.daemonset);
    expect(ds.spec.template.spec.hostNetwork).toBe(true);
    expect(ds.spec.template.spec.containers[0]!.image).toBe(e.image);
  });

  it('kube-router runs its NetworkPolicy controller only, IPv4 only, and may read everything it starts informers for', () => {
    const docs = parseAllDocuments(readFileSync(chooseEnforcer(undefined, 'kube-router').manifest, 'utf8')).map((d) => d.toJS());
    const ds = docs.find((d) => d.kind === 'DaemonSet');
    const args: string[] = ds.spec.template.spec.containers[0].args;
    expect(args).toEqual(expect.arrayContaining(['--run-firewall=true', '--run-router=false', '--run-service-proxy=false', '--enable-ipv6=false']));
    const rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] = docs.find((d) => d.kind === 'ClusterRole').rules;
    const may = (group: string, resource: string, verb: string) =>
      rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    for (const [group, resource] of [
      ['', 'pods'],
      ['', 'namespaces'],
      ['', 'nodes'],
      ['', 'services'],
      ['', 'endpoints'],
      ['discovery.k8s.io', 'endpointslices'],
      ['networking.k8s.io', 'networkpolicies'],
    ] as const) {
      expect(may(group, resource, 'list') && may(group, resource, 'watch'), `${group || 'core'}/${resource}`).toBe(true);
    }
    expect(may('', 'nodes', 'get')).toBe(true);
  });
});

describe('kube-router image entrypoint: the iptables backend of the node', () => {
  const entrypoint = path.join(repoRoot, 'scripts/kind/images/files/kube-router/entrypoint.sh');
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the entrypoint with stand-in iptables-*-save and update-alternatives; returns what it chose. */
  function backendFor(nftRules: string, legacyRules: string): { said: string; set: string } {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kr-entry-'));
    const stub = (name: string, body: string) => {
      writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(path.join(dir, name), 0o755);
    };
    stub('iptables-nft-save', `printf '%s' '${nftRules}'`);
    stub('iptables-legacy-save', `printf '%s' '${legacyRules}'`);
    stub('update-alternatives', `echo "$*" >> ${dir}/set`);
    let said = '';
    try {
      execFileSync('/bin/sh', [entrypoint, '--help'], { env: { PATH: `${dir}:/usr/bin:/bin` }, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      // It ends by exec'ing /usr/local/bin/kube-router, which is not on this machine.
      said = String((err as { stderr?: Buffer }).stderr ?? '');
    }
    return { said, set: readFileSync(path.join(dir, 'set'), 'utf8') };
  }

  const proxyRules =
    '*nat\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n-A KUBE-SERVICES -d 10.96.0.1/32 -j KUBE-SVC-X\n-A KUBE-SVC-X -j KUBE-SEP-Y\nCOMMIT\n';
  const dockerDns = '*nat\n-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT\nCOMMIT\n';

  it("follows kube-proxy's rules into the legacy backend", () => {
    const r = backendFor(dockerDns, proxyRules);
    expect(r.set).toBe('--quiet --set iptables /usr/sbin/iptables-legacy\n--quiet --set ip6tables /usr/sbin/ip6tables-legacy\n');
    expect(r.said).toMatch(/iptables backend legacy \(kube-proxy rules found: 0 in nf_tables, 2 in legacy\)/);
  });

  it("follows kube-proxy's rules into nf_tables, and keeps nf_tables when neither has any", () => {
    expect(backendFor(proxyRules, dockerDns).set).toMatch(/--set iptables \/usr\/sbin\/iptables-nft\n/);
    expect(backendFor('', '').set).toMatch(/--set iptables \/usr\/sbin\/iptables-nft\n--quiet --set ip6tables \/usr\/sbin\/ip6tables-nft\n/);
  });
});

describe('kube-router sync log', () => {
  const line = (s: string) => `I1203 22:30:00.000000       1 network_policy_controller.go:236] ${s}`;
  it('is none before a sync finished, ok when the latest finished one did not abort, the abort line when it did', () => {
    expect(kubeRouterLastSync([line('Starting network policy controller'), line('Starting sync of iptables with version: 1')].join('\n'))).toBe('none');
    const aborted = [
      line('Starting sync of iptables with version: 1'),
      'E1203 22:30:01 x.go:1] Aborting sync. Failed to run iptables-restore: …',
      line('sync iptables took 1s'),
    ];
    expect(kubeRouterLastSync(aborted.join('\n'))).toMatch(/^E1203 .*Aborting sync\. Failed to run iptables-restore/);
    const recovered = [...aborted, line('Starting sync of iptables with version: 2'), line('sync iptables took 300ms')];
    expect(kubeRouterLastSync(recovered.join('\n'))).toBe('ok');
    // A sync still running after a good one: judged by the good one.
    expect(kubeRouterLastSync([...recovered, line('Starting sync of iptables with version: 3')].join('\n'))).toBe('ok');
  });
});
