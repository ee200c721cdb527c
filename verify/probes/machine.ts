// Facts about the learner's machine: versions, installed packages, reachable ports.
import { createRequire } from 'node:module';
import path from 'node:path';
import { tcpReachable } from './ports.ts';

export class MachineProbe {
  constructor(private readonly workspace: string) {}

  get nodeVersion(): string {
    return process.versions.node;
  }

  /** True when `require(pkg)` from the workspace would find the package. */
  canResolve(pkg: string): boolean {
    try {
      createRequire(path.join(this.workspace, 'package.json')).resolve(`${pkg}/package.json`);
      return true;
    } catch {
      try {
        createRequire(path.join(this.workspace, 'package.json')).resolve(pkg);
        return true;
      } catch {
        return false;
      }
    }
  }

  /** Whether something answers at the host:port of a service URL. */
  async urlReachable(url: string, timeoutMs = 1500): Promise<boolean> {
    const u = new URL(url);
    const defaults: Record<string, number> = { 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379, 'smtp:': 25, 'http:': 80 };
    const port = Number(u.port) || defaults[u.protocol] || 0;
    return tcpReachable(u.hostname.replace(/^\[|\]$/g, ''), port, timeoutMs);
  }
}

/** Compare dotted versions numerically: `20.19.0` ≥ `20.9.1`. */
export function versionAtLeast(actual: string, wanted: string): boolean {
  const a = actual.replace(/^v/, '').split('.').map(Number);
  const w = wanted.split('.').map(Number);
  for (let i = 0; i < w.length; i++) {
    if ((a[i] ?? 0) !== w[i]) return (a[i] ?? 0) > w[i]!;
  }
  return true;
}
