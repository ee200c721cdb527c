// Certificates for one throwaway cluster, made with the openssl CLI (Debian ships it; node:crypto cannot
// issue X.509 certificates). ECDSA P-256 keys: generating them takes milliseconds, RSA-2048 takes seconds.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface Pki {
  caCert: string;
  caKey: string;
  /** kube-apiserver's serving certificate. */
  apiserverCert: string;
  apiserverKey: string;
  /** Service-account token signing pair (apiserver signs, controller-manager's token controller too). */
  saKey: string;
  saPub: string;
  clients: Record<ClientName, { cert: string; key: string }>;
  /**
   * Aggregation layer ("front proxy"), as kubeadm sets it up: its own CA, and the client cert the apiserver
   * presents to aggregated APIs. Without it KCM and the scheduler log an error every few seconds.
   */
  frontProxyCaCert: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
}

/**
 * Client identities. Each component gets the user name its bootstrap RBAC role is bound to, like kubeadm,
 * so RBAC is exercised as on kind instead of everything running as cluster-admin.
 */
export const CLIENTS = {
  // kind's admin kubeconfig user is CN=kubernetes-admin; O=kubeadm:cluster-admins on kind, system:masters is simpler here.
  admin: { cn: 'kubernetes-admin', o: 'system:masters' },
  'kube-controller-manager': { cn: 'system:kube-controller-manager', o: undefined },
  'kube-scheduler': { cn: 'system:kube-scheduler', o: undefined },
  // kwok writes Node/Pod status, Leases and PVs for fake nodes: broad rights, like the kwok controller in kwokctl.
  kwok: { cn: 'kwok-controller', o: 'system:masters' },
} as const;
export type ClientName = keyof typeof CLIENTS;

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await exec('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
  }
}

async function selfSignedCa(dir: string, name: string, cn: string): Promise<{ cert: string; key: string }> {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  await ecKey(key, dir);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      `/CN=${cn}`,
      '-days',
      '30',
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      '-out',
      cert,
    ],
    dir,
  );
  return { cert, key };
}

async function ecKey(file: string, dir: string): Promise<void> {
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file], dir);
}

/** Issue a cert signed by a CA (default ca.crt), with the given subject and extensions (written to an extfile). */
async function issue(dir: string, name: string, subject: string, ext: string, ca = 'ca'): Promise<{ cert: string; key: string }> {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.crt`);
  const extFile = path.join(dir, `${name}.ext`);
  await ecKey(key, dir);
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr], dir);
  await writeFile(extFile, ext);
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '30', '-sha256', '-extfile', extFile, '-out', cert],
    dir,
  );
  return { cert, key };
}

export async function generatePki(dir: string): Promise<Pki> {
  const { cert: caCert, key: caKey } = await selfSignedCa(dir, 'ca', 'workshop-harness-ca');

  const sans = [
    'IP:127.0.0.1',
    'IP:10.96.0.1', // first IP of the service range: the in-cluster `kubernetes` Service
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ].join(',');
  const server = await issue(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
  );

  const clients = {} as Pki['clients'];
  for (const [name, id] of Object.entries(CLIENTS) as [ClientName, { cn: string; o: string | undefined }][]) {
    const subject = id.o ? `/O=${id.o}/CN=${id.cn}` : `/CN=${id.cn}`;
    clients[name] = await issue(dir, `client-${name}`, subject, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  }

  const frontProxyCa = await selfSignedCa(dir, 'front-proxy-ca', 'front-proxy-ca');
  const frontProxyClient = await issue(
    dir,
    'front-proxy-client',
    '/CN=front-proxy-client',
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
    'front-proxy-ca',
  );

  const saKey = path.join(dir, 'sa.key');
  const saPub = path.join(dir, 'sa.pub');
  await ecKey(saKey, dir);
  await openssl(['ec', '-in', saKey, '-pubout', '-out', saPub], dir);

  return {
    caCert,
    caKey,
    apiserverCert: server.cert,
    apiserverKey: server.key,
    saKey,
    saPub,
    clients,
    frontProxyCaCert: frontProxyCa.cert,
    frontProxyClientCert: frontProxyClient.cert,
    frontProxyClientKey: frontProxyClient.key,
  };
}
