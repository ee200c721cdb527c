// Health endpoints of the components. Resolve to the body on HTTP 200, throw otherwise (waitFor retries).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface TlsClient {
  ca?: string;
  cert?: string;
  key?: string;
  /** KCM and scheduler serve a self-signed cert made at startup; it is our own loopback process. */
  insecure?: boolean;
}

export function httpGet(url: string, tls?: TlsClient, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const opts: https.RequestOptions = { method: 'GET', timeout: timeoutMs };
    if (u.protocol === 'https:') {
      if (tls?.ca) opts.ca = readFileSync(tls.ca);
      if (tls?.cert) opts.cert = readFileSync(tls.cert);
      if (tls?.key) opts.key = readFileSync(tls.key);
      opts.rejectUnauthorized = !tls?.insecure;
    }
    const req = (u.protocol === 'https:' ? https : http).request(u, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`${url} → HTTP ${res.statusCode}: ${body.trim().split('\n').slice(-3).join(' | ')}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', (e) => reject(new Error(`${url}: ${e.message}`)));
    req.end();
  });
}
