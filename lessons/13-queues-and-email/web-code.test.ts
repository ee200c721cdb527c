// The digest-timer scanner of 13.no-timer-in-web, on small workspaces written to a temporary
// folder and read through the real FilesProbe. The context is a partial one (files only):
// webEntry, reachableFiles and digestTimers read nothing else.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../../verify/core/check.ts';
import { FilesProbe } from '../../verify/probes/files.ts';
import { digestTimers, reachableFiles, stripComments, webEntry } from './web-code.ts';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** A workspace of these files (package.json defaults to `node src/server.js`), as a context. */
function workspace(files: Record<string, string>): CheckContext {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'l2k-web-code-'));
  roots.push(root);
  const all = { 'package.json': JSON.stringify({ scripts: { start: 'node src/server.js' } }), ...files };
  for (const [rel, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return { files: new FilesProbe(root) } as unknown as CheckContext;
}

/** The `file:line` of every digest timer the web loads. */
function timersIn(files: Record<string, string>): string[] {
  const ctx = workspace(files);
  return digestTimers(ctx, reachableFiles(ctx, webEntry(ctx))).map((t) => `${t.file}:${t.line}`);
}

describe('webEntry', () => {
  it('is the file `npm start` runs, skipping node flags', () => {
    expect(webEntry(workspace({ 'package.json': JSON.stringify({ scripts: { start: 'node --enable-source-maps ./src/app.js' } }) }))).toBe('src/app.js');
  });
  it('falls back to main, then index.js', () => {
    expect(webEntry(workspace({ 'package.json': JSON.stringify({ main: 'lib/main.js' }) }))).toBe('lib/main.js');
    expect(webEntry(workspace({ 'package.json': '{ not json' }))).toBe('index.js');
  });
});

describe('reachableFiles', () => {
  it('follows relative require, import and import() from the entry, and nothing else', () => {
    const ctx = workspace({
      'src/server.js': "const app = require('./app');\nimport './routes/index.js';\nconst lazy = () => import('./lazy.mjs');\nrequire('express');",
      'src/app.js': "module.exports = require('../lib/helper');",
      'src/routes/index.js': '',
      'src/lazy.mjs': '',
      'lib/helper.js': '',
      'src/digest-job.js': 'setInterval(runDigest, 1000); // not loaded by the web',
    });
    expect(reachableFiles(ctx, 'src/server.js').sort()).toEqual(['lib/helper.js', 'src/app.js', 'src/lazy.mjs', 'src/routes/index.js', 'src/server.js']);
  });
  it('does not follow a require that is only in a comment', () => {
    const ctx = workspace({ 'src/server.js': "// require('./old-scheduler')\n/* require('./other') */", 'src/old-scheduler.js': '', 'src/other.js': '' });
    expect(reachableFiles(ctx, 'src/server.js')).toEqual(['src/server.js']);
  });
});

describe('digestTimers finds the timers that schedule the digest', () => {
  it('setInterval with the digest as its callback', () => {
    expect(
      timersIn({ 'src/server.js': "const { sendDigest } = require('./digest');\nsetInterval(sendDigest, 24 * 3600 * 1000);", 'src/digest.js': '' }),
    ).toEqual(['src/server.js:2']);
  });

  it('a setTimeout loop that re-arms itself', () => {
    const code = [
      'function scheduleDigest() {',
      '  setTimeout(async () => {',
      '    await runDigest();',
      '    scheduleDigest();',
      '  }, msUntilSeven());',
      '}',
      'scheduleDigest();',
    ].join('\n');
    expect(timersIn({ 'src/server.js': code })).toEqual(['src/server.js:2']);
  });

  it('node-cron, node-schedule and the cron package', () => {
    const code = [
      "cron.schedule('0 7 * * *', () => digest.run());",
      "schedule.scheduleJob('0 7 * * *', sendDailyDigest);",
      "new CronJob('0 7 * * *', runDigest).start();",
    ].join('\n');
    expect(timersIn({ 'src/server.js': code })).toEqual(['src/server.js:1', 'src/server.js:2', 'src/server.js:3']);
  });

  it('a timer whose callback reaches the digest a few calls away, in another file', () => {
    const files = {
      'src/server.js': "const jobs = require('./jobs');\nsetInterval(jobs.tick, 60_000);",
      'src/jobs.js': 'function tick() { nightly(); }\nfunction nightly() { mailEveryone(); }\nmodule.exports = { tick };',
      'src/mail.js': 'const mailEveryone = async () => { await sendDigestMails(); };',
    };
    // src/mail.js is not required from the web: its body still names what `mailEveryone` does.
    expect(timersIn({ ...files, 'src/jobs.js': `require('./mail');\n${files['src/jobs.js']}` })).toEqual(['src/server.js:2']);
  });

  it('an ES module entry', () => {
    expect(
      timersIn({
        'src/server.js': "import { startDigest } from './digest.js';\nstartDigest();",
        'src/digest.js': 'export function startDigest() {\n  setInterval(() => run(), 86_400_000);\n}',
      }),
    ).toEqual(['src/digest.js:2']);
  });
});

describe('digestTimers leaves alone', () => {
  it("timers that have nothing to do with the digest (lesson 05's log-level poll, a time-out)", () => {
    const code =
      'setInterval(refreshLogLevel, 5000);\nsetTimeout(() => res.status(504).end(), 30_000);\nfunction refreshLogLevel() { logger.level = readLevel(); }';
    expect(timersIn({ 'src/server.js': code })).toEqual([]);
  });

  it('comments and strings that merely mention a digest timer', () => {
    const code = [
      '// setInterval(sendDigest, DAY) moved to the CronJob',
      '/* cron.schedule("0 7 * * *", runDigest) */',
      "console.log('no setInterval(sendDigest) here any more');",
      'const help = `the digest runs from new CronJob(...) in k8s/`;',
    ].join('\n');
    expect(timersIn({ 'src/server.js': code })).toEqual([]);
  });

  it('a digest timer in a file the web never loads', () => {
    expect(timersIn({ 'src/server.js': "require('./app');", 'src/app.js': '', 'src/digest-job.js': 'setInterval(runDigest, 1000);' })).toEqual([]);
  });
});

describe('the scanner is not thrown by JavaScript that merely looks like strings or comments', () => {
  it('a regular expression holding a quote does not hide the code after it', () => {
    const code = 'const quote = /\'/g;\nconst esc = (s) => s.replace(quote, "\\\\\'");\nsetInterval(sendDigest, 1000);';
    expect(timersIn({ 'src/server.js': code })).toEqual(['src/server.js:3']);
  });

  it('a regular expression holding /* does not open a comment', () => {
    const code = 'const glob = /\\/*/;\nsetInterval(sendDigest, 1000);';
    expect(timersIn({ 'src/server.js': code })).toEqual(['src/server.js:2']);
  });

  it('a template literal with a nested template in ${} does not end early', () => {
    const code = 'const msg = `a ${items.map((i) => `<li>${i}</li>`).join("")} b`;\nsetInterval(sendDigest, 1000);';
    expect(timersIn({ 'src/server.js': code })).toEqual(['src/server.js:2']);
  });

  it('division is not a regular expression', () => {
    const code = 'const perDay = total / days / 2;\nsetInterval(sendDigest, 1000);';
    expect(timersIn({ 'src/server.js': code })).toEqual(['src/server.js:2']);
  });
});

describe('stripComments', () => {
  it('keeps lengths and newlines, so positions still point at the same line', () => {
    const code = "a(); // one\n/* two\nthree */ b('x', /four/g);\nconst c = x /\n2;";
    const out = stripComments(code, true);
    expect(out).toHaveLength(code.length);
    expect(out.split('\n')).toHaveLength(5);
    expect(out).toContain("b(' ', /    /g)");
    expect(out).not.toMatch(/one|two|three|four/);
  });
  it('leaves // inside a string alone', () => {
    expect(stripComments("const u = 'http://x'; f();")).toBe("const u = 'http://x'; f();");
  });
});
