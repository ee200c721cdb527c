// `npm run web`: the lessons in a browser, for learners who prefer one to a terminal. The
// page reads a lesson (rendered by the same markdown-it instance as the terminal), and its
// Verify, Hint and Diff buttons run the very CLI commands a learner would type — `verify
// --reporter jsonl` streams each check as it finishes — so the browser can never disagree
// with the terminal. Local only: it binds 127.0.0.1 and refuses requests for other hosts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { findLesson, listLessons } from '../core/lessons.ts';
import { REPO_ROOT } from '../core/paths.ts';
import { currentLesson, standings } from '../core/progress.ts';
import { readState } from '../core/state.ts';
import { md } from '../render/markdown.ts';

export interface WebOptions {
  port: number;
  /** The learner's workspace (default legacy-app/). */
  workspace?: string;
  /** Extra verify flags in force (e.g. --no-cluster), passed on to every command. */
  verifyFlags: string[];
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

const CLI = path.join(REPO_ROOT, 'bin', 'workshop.mjs');

function cliArgs(command: string, lesson: string, opts: WebOptions, extra: string[] = []): string[] {
  return [CLI, command, lesson, ...(opts.workspace ? ['--workspace', opts.workspace] : []), ...extra];
}

/** Runs one CLI command to the end and answers with its text output. */
function runToText(args: string[], res: Response): void {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  res.on('close', () => child.exitCode === null && child.kill('SIGTERM'));
  child.on('close', (code) => {
    if (!res.writableEnded) res.json({ exitCode: code, text: out });
  });
}

export function createWebApp(opts: WebOptions, port: () => number): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const page = fs.readFileSync(new URL('./page.html', import.meta.url), 'utf8');

  // DNS rebinding: a page on another site that resolves its own name to 127.0.0.1 would send
  // its Host header. Only our own address is served. Cross-site POSTs need a custom header,
  // which a browser only sends after a CORS preflight we never grant.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const host = req.get('host') ?? '';
    if (host !== `127.0.0.1:${port()}` && host !== `localhost:${port()}`) return void res.status(421).json({ error: 'this server only answers on 127.0.0.1' });
    if (req.method === 'POST' && req.get('x-workshop') !== '1') return void res.status(403).json({ error: 'missing X-Workshop header' });
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    next();
  });

  app.get('/', (_req, res) => {
    res.set('Content-Security-Policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:");
    res.type('html').send(page);
  });

  app.get('/favicon.ico', (_req, res) => void res.status(204).end());

  app.get('/api/lessons', (_req, res) => {
    const lessons = listLessons();
    const state = readState();
    res.json({ current: currentLesson(lessons, state).number, lessons: standings(lessons, state) });
  });

  app.get('/api/lessons/:n', (req, res) => {
    let lesson;
    try {
      lesson = findLesson(listLessons(), req.params.n);
    } catch (err) {
      return void res.status(404).json({ error: (err as Error).message });
    }
    const source = fs.readFileSync(lesson.readmePath, 'utf8');
    // html: false on the shared instance: the README's text is shown, never run as markup.
    res.json({ number: lesson.number, title: lesson.title, html: md.render(source) });
  });

  // Verify streams: one Server-Sent Event per line of `verify --reporter jsonl`.
  app.get('/api/verify/:n', (req, res) => {
    if (!/^\d{1,2}$/.test(req.params.n)) return void res.status(400).json({ error: 'lesson must be a number' });
    res.set({ 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
    res.flushHeaders();
    const child = spawn(process.execPath, cliArgs('verify', req.params.n, opts, ['--reporter', 'jsonl', ...opts.verifyFlags]), {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let buffered = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('{')) res.write(`data: ${line}\n\n`);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      // An exit 2 before any event (no services, a bad workspace) is shown as the CLI said it.
      if (code === 2 && stderr) res.write(`data: ${JSON.stringify({ v: 1, type: 'error', text: stderr.trim() })}\n\n`);
      res.write(`data: ${JSON.stringify({ v: 1, type: 'closed', exitCode: code })}\n\n`);
      res.end();
    });
    // The learner navigated away: stop the checks (and the apps they started) now.
    res.on('close', () => child.exitCode === null && child.kill('SIGINT'));
  });

  app.post('/api/hint/:n', (req, res) =>
    runToText(
      cliArgs(
        'hint',
        req.params.n,
        opts,
        opts.verifyFlags.filter((f) => f === '--no-cluster'),
      ),
      res,
    ),
  );
  app.post('/api/diff/:n', (req, res) => runToText(cliArgs('solution', req.params.n, opts, ['--diff-workspace']), res));

  app.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  return app;
}

export async function startWeb(opts: WebOptions): Promise<WebServer> {
  let port = opts.port;
  const server = http.createServer(createWebApp(opts, () => port));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
