// The policy evaluator against the cases a network plugin decides, each one a trap from the
// lesson: isolation only once selected, both ends must allow, one peer entry vs two, named
// ports on the destination, and ipBlock for pod traffic.
import { describe, expect, test } from 'vitest';
import { connection, policyTypes, type Endpoint, type Policy } from './network-policy.ts';

const ns = (name: string) => ({ 'kubernetes.io/metadata.name': name });
const web: Endpoint = { name: 'web', namespace: 'teamnotes', labels: { app: 'web' }, namespaceLabels: ns('teamnotes'), namedPorts: { http: 3000 } };
const db: Endpoint = { name: 'db', namespace: 'teamnotes', labels: { app: 'db' }, namespaceLabels: ns('teamnotes'), namedPorts: { postgres: 5432 } };
const traefik: Endpoint = { name: 'traefik', namespace: 'traefik', labels: { app: 'traefik' }, namespaceLabels: ns('traefik'), namedPorts: {} };
const debug: Endpoint = { name: 'debug', namespace: 'teamnotes', labels: { run: 'debug' }, namespaceLabels: ns('teamnotes'), namedPorts: {} };

const policy = (name: string, spec: Record<string, unknown>, namespace = 'teamnotes'): Policy => ({ name, namespace, object: { spec } });
const denyAll = policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const webToDb = policy('web-out', {
  podSelector: { matchLabels: { app: 'web' } },
  policyTypes: ['Egress'],
  egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432 }] }],
});
const dbFromWeb = policy('db-in', {
  podSelector: { matchLabels: { app: 'db' } },
  policyTypes: ['Ingress'],
  ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'postgres' }] }],
});

describe('connection', () => {
  test('no policy: everything is allowed', () => {
    expect(connection([], debug, db, 5432).allowed).toBe(true);
  });

  test('a default deny blocks both ways until both ends allow', () => {
    expect(connection([denyAll], web, db, 5432)).toMatchObject({ allowed: false });
    expect(connection([denyAll, webToDb], web, db, 5432).blockedBy).toMatch(/ingress rule of the policies selecting db/);
    expect(connection([denyAll, dbFromWeb], web, db, 5432).blockedBy).toMatch(/egress rule of the policies selecting web/);
    expect(connection([denyAll, webToDb, dbFromWeb], web, db, 5432).allowed).toBe(true);
  });

  test('a named port is resolved on the destination, and another port stays closed', () => {
    expect(connection([denyAll, webToDb, dbFromWeb], web, db, 5433).allowed).toBe(false);
  });

  test('a pod nobody named stays out', () => {
    expect(connection([denyAll, webToDb, dbFromWeb], debug, db, 5432).allowed).toBe(false);
    // An ingress rule without `from` lets it in.
    const open = policy('db-open', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ ports: [{ port: 5432 }] }] });
    expect(connection([policy('egress-free', { podSelector: {}, policyTypes: ['Ingress'] }), open], debug, db, 5432).allowed).toBe(true);
  });

  test("namespaceSelector and podSelector in one entry mean both; a podSelector alone means the policy's namespace", () => {
    const both = policy('web-in', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: ns('traefik') }, podSelector: { matchLabels: { app: 'traefik' } } }] }],
    });
    expect(connection([both], traefik, web, 3000).allowed).toBe(true);
    const podOnly = policy('web-in', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'traefik' } } }] }],
    });
    expect(connection([podOnly], traefik, web, 3000).allowed).toBe(false);
  });

  test('policyTypes left out: Ingress, plus Egress when there are egress rules', () => {
    const implicit = policy('web-out', { podSelector: { matchLabels: { app: 'web' } }, egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }] });
    // Web is now isolated for ingress too (no ingress rules): nothing gets in.
    expect(connection([implicit], debug, web, 3000).allowed).toBe(false);
    expect(connection([implicit], web, db, 5432).allowed).toBe(true);
  });

  test('the API server defaults policyTypes by the egress rules there are: `egress: []` or `policyTypes: []` isolates no egress', () => {
    expect(policyTypes(policy('p', { podSelector: {}, egress: [] }))).toEqual(['Ingress']);
    expect(policyTypes(policy('p', { podSelector: {}, policyTypes: [], egress: [{}] }))).toEqual(['Ingress', 'Egress']);
    expect(policyTypes(policy('p', { podSelector: {}, policyTypes: [] }))).toEqual(['Ingress']);
    // So a "deny all" written as egress: [] without policyTypes still lets every connection out.
    expect(connection([policy('deny', { podSelector: {}, egress: [] })], web, db, 5432).blockedBy).toMatch(/ingress rule of the policies selecting db/);
  });

  test('UDP and TCP are separate: DNS over TCP only does not allow UDP lookups', () => {
    const dns: Endpoint = { name: 'dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, namespaceLabels: ns('kube-system'), namedPorts: {} };
    const tcpOnly = policy('dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'TCP', port: 53 }] }],
    });
    expect(connection([denyAll, tcpOnly], web, dns, 53, 'TCP').allowed).toBe(true);
    expect(connection([denyAll, tcpOnly], web, dns, 53, 'UDP').allowed).toBe(false);
  });

  test('an ipBlock for one address does not match pods; 0.0.0.0/0 does', () => {
    const toService = policy('out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.96.0.10/32' } }] }] });
    expect(connection([toService], web, db, 5432).allowed).toBe(false);
    const anywhere = policy('out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] });
    expect(connection([anywhere], web, db, 5432).allowed).toBe(true);
  });

  test('policies of another namespace do not isolate these pods', () => {
    expect(connection([policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, 'other')], web, db, 5432).allowed).toBe(true);
  });
});
