// HTTP against the learner's app: bounded time, no redirects followed (a redirect is
// evidence), and an optional cookie jar so a check can act as one logged-in browser.
import http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The raw body (attachments), and the same as text. */
  bytes: Buffer;
  text: string;
  /** Parsed body when it is JSON, else undefined. */
  json: unknown;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; FormData as multipart; a string as-is. */
  body?: unknown;
  timeoutMs?: number;
}

export class HttpClient {
  constructor(
    readonly baseUrl = '',
    private readonly signal?: AbortSignal,
    private readonly cookies = new Map<string, string>(),
  ) {}

  /** The same browser (same cookies) talking to another address: two replicas behind one Service. */
  withBase(baseUrl: string): HttpClient {
    return new HttpClient(baseUrl, this.signal, this.cookies);
  }

  /** The Cookie header this client sends. */
  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(pathOrUrl: string, opts: RequestOptions = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: RequestInit['body'];
    if (opts.body instanceof FormData || typeof opts.body === 'string') body = opts.body;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    if (this.cookies.size) headers.cookie = this.cookieHeader;
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? 5000);
    const res = await fetch(new URL(pathOrUrl, this.baseUrl || undefined), {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      redirect: 'manual',
      signal: this.signal ? AbortSignal.any([timeout, this.signal]) : timeout,
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, bytes, text, json };
  }

  get(path: string, opts: Omit<RequestOptions, 'method' | 'body'> = {}) {
    return this.request(path, { ...opts, method: 'GET' });
  }

  post(path: string, body?: unknown, opts: Omit<RequestOptions, 'method' | 'body'> = {}) {
    return this.request(path, { ...opts, method: 'POST', body });
  }
}

/** "connection refused" instead of "fetch failed": the cause is what a learner can act on. */
export function describeFetchError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer before the timeout';
  if (e.cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (e.cause?.code === 'ECONNRESET') return 'connection reset by the app';
  return e.cause?.message ?? e.message ?? String(err);
}

export interface SlowRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** The body, sent in `chunks` pieces spread over `durationMs`. */
  body: Buffer;
  chunks: number;
  durationMs: number;
  timeoutMs?: number;
  /** Called once the first piece is on the wire (the request is then "in flight"). */
  onStarted?: () => void;
  /** The check's or scenario's signal: the request is destroyed when it fires. */
  signal?: AbortSignal;
}

/**
 * A request whose body trickles in, like an upload over a slow network: the one that is
 * still in flight when a pod is told to stop. Resolves with the status, or rejects with
 * the network error (a connection cut mid-request shows up as ECONNRESET).
 */
export function slowRequest(url: string, opts: SlowRequestOptions): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: opts.method ?? 'POST',
      // A connection of its own, closed after the answer: a kept-alive socket would hold
      // a draining server open for its keep-alive timeout and blur what is measured.
      agent: false,
      headers: { ...opts.headers, 'content-length': String(opts.body.length), connection: 'close' },
      timeout: opts.timeoutMs ?? 20_000,
      signal: opts.signal,
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer before the timeout'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    const size = Math.ceil(opts.body.length / opts.chunks);
    let i = 0;
    const next = () => {
      if (req.destroyed) return;
      req.write(opts.body.subarray(i * size, (i + 1) * size));
      if (i === 0) opts.onStarted?.();
      i++;
      if (i < opts.chunks) setTimeout(next, opts.durationMs / opts.chunks);
      else req.end();
    };
    next();
  });
}
