// The whole mail path on a real cluster: a signup through the Ingress, then the welcome
// mail read back from Mailpit's API through the API server's service proxy (the way
// `kubectl get --raw` reaches a Service: no port-forward, nothing exposed).
import { describeFetchError, resolvePort, type CheckContext, type Manifest, type ObjectOf } from '../../verify/lesson-api.ts';
import { describe, postForm } from '../shared/api.ts';
import { namespaceOf, workloadsRolledOut } from '../shared/k8s.ts';
import { testUser } from '../shared/teamnotes.ts';
import type { Found } from './rules.ts';

export const INGRESS_URL = 'http://127.0.0.1';
export const MAILPIT_WAIT_MS = 30_000;
/** How long the path may still be rolling (web, worker, Redis, Mailpit restarted by the apply) before the signup. */
export const SETTLE_WAIT_MS = 60_000;
const MAILPIT_API = 8025;

/** Mails to `address` in Mailpit, or why the API could not say. */
async function mailpitCount(ctx: CheckContext, svc: Manifest, port: number, address: string): Promise<number | string> {
  const res = await ctx.kube.serviceGet(namespaceOf(svc), svc.name, port, `/api/v1/search?query=${encodeURIComponent(`to:${address}`)}&limit=50`);
  if (res.status !== 200) return `Mailpit's API (Service ${svc.name}:${port}) answered ${res.status || res.body}`;
  try {
    const messages = (JSON.parse(res.body) as { messages?: Array<{ To?: Array<{ Address?: string }> }> }).messages ?? [];
    return messages.filter((m) => (m.To ?? []).some((t) => t.Address?.toLowerCase() === address.toLowerCase())).length;
  } catch {
    return `Mailpit's API (Service ${svc.name}:${port}) did not answer JSON`;
  }
}

export interface ClusterMail {
  noApiPort?: boolean;
  signedUp: boolean;
  address: string;
  /** The signup's answer: `201 {…}` or why there was none. */
  answer: string;
  /** Mails for the address once they stopped coming, or why Mailpit could not be read. */
  count: number | string;
  /** Workloads of k8s/ still rolling out when the signup was sent (the wait for them ran out). */
  unsettled?: string[];
}

export async function signupThroughIngress(ctx: CheckContext, mailpit: Found, svc: Manifest<ObjectOf<'Service'>>): Promise<ClusterMail> {
  const user = testUser();
  const ports = svc.object.spec?.ports ?? [];
  const api = ports.find((p) => resolvePort(mailpit.main.container, p.targetPort ?? p.port).port === MAILPIT_API)?.port;
  if (!api) return { noApiPort: true, signedUp: false, address: user.email, answer: '', count: 0 };
  // Right after the apply, Redis, the web and the worker may still be restarting: judge the path once they are back.
  const unsettled = await workloadsRolledOut(ctx, SETTLE_WAIT_MS);
  // Right after `kubectl apply` the web pods roll, and an ingress controller drops a route while its
  // Service has no ready endpoint (Traefik answers 404 then, others 502/503): what a learner who
  // verifies at once would hit. Retried for a bounded while; a route that stays missing still fails.
  // The browser's sign-up form: routed by every Ingress lesson 10 accepts (the JSON /api need not be).
  const signup = () => postForm(ctx.http(INGRESS_URL), '/signup', user).then(describe, describeFetchError);
  const answer = (
    await ctx.poll('the signup through the Ingress to be routed', signup, { until: (a) => !/^(404|502|503)\b/.test(a), timeout: 30_000, interval: 2000 })
  ).value;
  if (!/^[23]\d\d/.test(answer)) return { signedUp: false, address: user.email, answer, count: 0, unsettled };
  const arrived = (c: number | string) => typeof c === 'number' && c > 0;
  // The first look after a second: the mail goes through the queue and the worker first.
  await ctx.sleep(1000);
  let count = (
    await ctx.poll(`the welcome mail to ${user.email} in Mailpit`, () => mailpitCount(ctx, svc, api, user.email), {
      until: arrived,
      timeout: MAILPIT_WAIT_MS - 1000,
      interval: 1000,
    })
  ).value;
  // A second copy would arrive within moments of the first.
  if (arrived(count)) {
    await ctx.sleep(2000);
    count = await mailpitCount(ctx, svc, api, user.email);
  }
  return { signedUp: true, address: user.email, answer, count, unsettled };
}
