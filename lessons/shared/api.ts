// Teamnotes' JSON API as the checks drive it: sign up, write notes, fetch attachments.
import { randomBytes } from 'node:crypto';
import type { HttpClient, HttpResponse } from '../../verify/lesson-api.ts';
import { testUser } from './teamnotes.ts';

export interface SignedUp {
  user: ReturnType<typeof testUser>;
  res: HttpResponse;
}

/** POST /api/signup; retries briefly while the app is still creating its schema. */
export async function signup(http: HttpClient, signal?: AbortSignal): Promise<SignedUp> {
  const user = testUser();
  let res = await http.post('/api/signup', user, { timeoutMs: 8000 });
  for (let i = 0; i < 10 && res.status >= 500 && !signal?.aborted; i++) {
    await new Promise((r) => setTimeout(r, 300));
    res = await http.post('/api/signup', user, { timeoutMs: 8000 });
  }
  return { user, res };
}

/**
 * A form post as a browser sends it (urlencoded), for requests through the Ingress: the pages'
 * routes (/signup, /login, /notes) are the ones every Ingress lesson 10 accepts must reach; the
 * JSON /api may legitimately stay unrouted.
 */
export function postForm(http: HttpClient, path: string, fields: Record<string, string>, timeoutMs = 10_000): Promise<HttpResponse> {
  return http.post(path, new URLSearchParams(fields).toString(), { headers: { 'content-type': 'application/x-www-form-urlencoded' }, timeoutMs });
}

/** A form post that worked: the page itself, or the redirect a browser follows (to /notes after a signup). */
export const formAccepted = (status: number) => status >= 200 && status < 400;

/** A note with an attachment of random bytes, as multipart (the form a browser sends). */
export function noteForm(title: string, bytes = randomBytes(2048)): { form: FormData; bytes: Buffer } {
  const form = new FormData();
  form.set('title', title);
  form.set('body', `Written by the verifier at ${new Date().toISOString()}`);
  form.set('attachment', new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }), 'verify.bin');
  return { form, bytes };
}

/** A multipart body as raw bytes, for a request the check sends slowly. */
export function multipartBytes(title: string, size: number): { body: Buffer; contentType: string } {
  const boundary = `----verify${randomBytes(8).toString('hex')}`;
  const head = (name: string, extra = '') => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n`;
  const body = Buffer.concat([
    Buffer.from(`${head('title')}\r\n${title}\r\n`),
    Buffer.from(`${head('body')}\r\nslow upload\r\n`),
    Buffer.from(`${head('attachment', '; filename="slow.bin"')}Content-Type: application/octet-stream\r\n\r\n`),
    randomBytes(size),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The id of the note a POST /api/notes created, whatever the JSON's shape (`{id}` or `{note: {id}}`). */
export function noteId(res: HttpResponse): number | string | undefined {
  const j = res.json as { id?: number | string; note?: { id?: number | string } } | undefined;
  return j?.id ?? j?.note?.id;
}

/** A short, quoted description of an answer for messages: `401 {"error":"Login required"}`. */
export function describe(res: HttpResponse): string {
  if (/^\s*<(!doctype|html)/i.test(res.text)) return `${res.status} (an HTML page)`;
  const text = res.text.replace(/\s+/g, ' ').trim();
  return `${res.status}${text ? ` ${text.length > 80 ? `${text.slice(0, 79)}…` : text}` : ''}`;
}
