// Reading versions out of what the tools print. Pure, so the odd formats are tested.
export { versionAtLeast } from '../../verify/probes/machine.ts';

/** The first dotted version in a tool's output: `kind v0.32.0 go1.24 linux/amd64` → `0.32.0`. */
export function firstVersion(text: string): string | undefined {
  return /v?(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1];
}

/** `kind version` prints `kind v0.32.0 go1.24.2 linux/amd64` (older releases: `kind v0.11.1 go1.16.4 darwin/arm64`). */
export function parseKindVersion(text: string): string | undefined {
  return /kind v(\d+\.\d+\.\d+)/.exec(text)?.[1] ?? firstVersion(text);
}

/** `kubectl version --client -o json`; distributions add suffixes (`v1.32.4-dispatcher`, `v1.31.0+k3s1`). */
export function parseKubectlVersion(text: string): string | undefined {
  try {
    const git = (JSON.parse(text) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion;
    if (git) return firstVersion(git);
  } catch {
    // Older kubectl without -o json support: fall through to the plain text form.
  }
  return /Client Version:\s*v?(\d+\.\d+\.\d+)/.exec(text)?.[1] ?? firstVersion(text);
}

/** The Kubernetes version inside a kind node image reference: `kindest/node:v1.36.1@sha256:…` → `1.36.1`. */
export function nodeImageKubernetesVersion(image: string): string | undefined {
  return /:v(\d+\.\d+\.\d+)/.exec(image)?.[1];
}

/** Minor-version distance between two versions (`1.32.4` vs `1.36.1` → 4), for kubectl's ±1 skew policy. */
export function minorSkew(a: string, b: string): number {
  const [amaj, amin] = a.split('.').map(Number);
  const [bmaj, bmin] = b.split('.').map(Number);
  if (amaj !== bmaj) return Infinity;
  return Math.abs((amin ?? 0) - (bmin ?? 0));
}

/** Bytes in GiB with one decimal, the unit Docker Desktop's settings use. */
export function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
