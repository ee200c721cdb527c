// The CLI as learners and tools use it: real child processes, real exit codes, the
// JSON contract (docs/architecture.md, Contracts), and no lost work. What the engine does
// with any lesson (reports, hints, progress, reset, solution) runs on the three-lesson fake
// course in test/fake-course/, so it does not depend on what a real lesson checks; what the
// real course needs (services, Ctrl-C during a real app run, a real lesson's solution) runs
// on the real lessons.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { cli, CLI_ENTRY, cliEnv, hasStackTrace } from './helpers/cli.ts';
import { tempDir, workspaceFrom } from './helpers/workspaces.ts';
import { copyTree } from '../verify/core/workspace.ts';
import { startBackingServices } from '../verify/services/backing.ts';
import { REPO_ROOT } from '../verify/core/paths.ts';
import { listLessons } from '../verify/core/lessons.ts';
import { readOverlay } from '../verify/core/solution-overlays.ts';

const LEGACY = path.join(REPO_ROOT, 'solutions/00-setup');

/** The fake course (test/fake-course/README.md): WORKSHOP_LESSONS_DIR is the engine's test-only override. */
const FAKE_ENV = { WORKSHOP_LESSONS_DIR: 'test/fake-course/lessons' };
const fakeSolution = (name: string) => path.join(REPO_ROOT, 'test/fake-course/solutions', name);
/** The fake app as it starts: lesson 01's solution (no name, no port, a TODO.txt). */
const FAKE_START = fakeSolution('01-meet-the-app');
const fakeCli = (args: string[], env: Record<string, string> = {}) => cli(args, { env: { ...FAKE_ENV, ...env } });

describe('verify', () => {
  test('solution --out writes a runnable workspace that passes verify --json (exit 0)', () => {
    const out = path.join(tempDir(), 'ws');
    const written = cli(['solution', '1', '--out', out]);
    expect(written.code, written.stderr).toBe(0);
    expect(fs.existsSync(path.join(out, 'src/config.js'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'node_modules/express'))).toBe(true);

    const r = cli(['verify', '1', '--workspace', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ lesson: '01', ok: true });
    for (const check of json.checks) {
      expect(Object.keys(check)).toEqual(expect.arrayContaining(['id', 'title', 'status', 'severity', 'layer', 'message', 'hint']));
      expect(check.status).toBe('pass');
    }
  });

  test('fake course, the starting app: ok false, the failing ids listed, exit 1', () => {
    const r = fakeCli(['verify', '2', '--workspace', workspaceFrom(FAKE_START), '--json']);
    expect(r.code, r.stderr).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ lesson: '02', ok: false });
    const status = Object.fromEntries(json.checks.map((c: { id: string; status: string }) => [c.id, c.status]));
    expect(status).toEqual({ '02.has-name': 'fail', '02.name-is-kebab': 'skip' });
  });

  test('fake course, human output: greppable lines with found/where/why/fix/learn, and the next command', () => {
    const ws = workspaceFrom(FAKE_START);
    const r = fakeCli(['verify', '2', '--workspace', ws]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}✖ FAIL {2}02\.has-name {2}app\.json names the app$/m);
    expect(r.stdout).toMatch(/^ {2}○ SKIP {2}02\.name-is-kebab \[recommended\]/m);
    expect(r.stdout).toMatch(/needs 02\.has-name to pass first/);
    expect(r.stdout).toMatch(/^ +found +app\.json has no "name"\.$/m);
    expect(r.stdout).toMatch(/^ +where +app\.json:1$/m);
    expect(r.stdout).toMatch(/why +Every log line and report of the fake app carries its name\./);
    expect(r.stdout).toMatch(/fix +Add "name": "greeter" to app\.json\./);
    // The course lives in test/fake-course/lessons: the link is relative to the repo, from wherever the course is.
    expect(r.stdout).toMatch(/learn +test\/fake-course\/lessons\/02-name-the-app\/README\.md#1-give-the-app-a-name/);
    // Wrapped at 80 columns, continuation lines indented: read as one line.
    expect(r.stdout.replace(/\n {6}/g, ' ')).toMatch(
      /Next: fix 02\.has-name, then run npm run verify -- 2 --workspace .+ again\. Stuck\? npm run hint -- 2 --workspace/,
    );
    for (const line of r.stdout.split('\n').filter((l) => !/^ +(learn|evidence)? +\S+$/.test(l))) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    fs.writeFileSync(path.join(ws, 'app.json'), '{ "name": "greeter" }\n');
    expect(fakeCli(['verify', '2', '--workspace', ws]).stdout).toMatch(/^ {2}✔ PASS {2}02\.has-name/m);
  });

  test('a workspace that does not exist: one clear line, exit 2, no stack trace', () => {
    const r = cli(['verify', '1', '--workspace', '/nonexistent/l2k-workspace', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/Workspace \/nonexistent\/l2k-workspace does not exist/);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(hasStackTrace(r.stderr + r.stdout)).toBe(false);
  });

  test('no backing services: exit 2 naming the command that starts them (JSON keeps its shape)', () => {
    const r = cli(['verify', '1', '--workspace', workspaceFrom(LEGACY), '--json'], { withoutServices: true });
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout);
    expect(json.ok).toBe(false);
    expect(json.error.message).toMatch(/DATABASE_URL is not set/);
    expect(json.error.next).toMatch(/npm run setup/);
    expect(hasStackTrace(r.stderr + r.stdout)).toBe(false);
  });

  test.each([
    [['verify', '42'], /There is no lesson "42"/],
    [['verify', '1', '--bogus'], /Unknown option '--bogus'.*Usage: npm run verify/],
    [['nonsense'], /Unknown command "nonsense"/],
    [['solution'], /Which lesson\?/],
    [['solution', '1', '--diff', '--apply'], /Choose one of --diff, --diff-workspace, --apply and --out/],
    [['solution', '1', '--diff', '--diff-workspace'], /Choose one of --diff, --diff-workspace, --apply and --out/],
  ])('bad input %j: one line, exit 2', (args, message) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

describe('one contract on every exit path', () => {
  test.each([
    [['verify', '42', '--json'], /There is no lesson "42"/],
    [['verify', '1', '--bogus', '--json'], /Unknown option '--bogus'/],
    [['verify', '1', '--workspace', '/nonexistent/l2k-workspace', '--json'], /does not exist/],
    [['verify', '1', '--workspace', path.join(REPO_ROOT, 'package.json'), '--json'], /is a file, not a folder/],
    [['nonsense', '--json'], /Unknown command "nonsense"/],
  ])('--json %j: exit 2 and the error object on stdout', (args, message) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout);
    expect(json.ok).toBe(false);
    expect(json.error.message).toMatch(message);
    expect(json.error.next).toMatch(/^npm run /);
  });

  test("an invalid package.json is the learner's to fix: exit 1, file:line and a code frame, once, no temp path", () => {
    const ws = workspaceFrom(path.join(REPO_ROOT, 'solutions/01-extract-config'));
    const pkg = path.join(ws, 'package.json');
    fs.writeFileSync(pkg, fs.readFileSync(pkg, 'utf8').replace('"private": true,', '"private": true,,'));
    const r = cli(['verify', '1', '--workspace', ws]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/✖ FAIL {2}01\.\S+/);
    expect(r.stdout.match(/package\.json:4 is not valid JSON/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/> 4 \| {3}"private": true,,/);
    expect(r.stdout).not.toMatch(/reset 0|verify-ws-|bug in the workshop/);
  });

  test('lesson 06 with an invalid package.json: exit 1 naming the file, not "a bug in the workshop"', () => {
    const ws = workspaceFrom(path.join(REPO_ROOT, 'solutions/06-containerize'));
    const pkg = path.join(ws, 'package.json');
    fs.writeFileSync(pkg, fs.readFileSync(pkg, 'utf8').replace('"private": true,', '"private": true,,'));
    const r = cli(['verify', '6', '--no-cluster', '--workspace', ws, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.error).toBeUndefined();
    const failed = json.checks.filter((c: { status: string }) => c.status === 'fail');
    expect(failed.map((c: { where: string }) => c.where)).toEqual(['package.json:4']);
    expect(r.stdout).not.toMatch(/bug in the workshop/);
  });

  test('invalid YAML in k8s/: exit 1, the cause told once with its line', () => {
    const ws = workspaceFrom(path.join(REPO_ROOT, 'solutions/07-deployments'));
    fs.appendFileSync(path.join(ws, 'k8s/deployment.yaml'), 'metadata: [oops\n');
    const r = cli(['verify', '7', '--no-cluster', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout.match(/is not valid YAML/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/✖ FAIL {2}07\.manifests-valid/);
    expect(r.stdout).toMatch(/where +k8s\/deployment\.yaml:\d+/);
  });

  test('--workspace DIR outside the repo without packages: said once (exit 2), not "Cannot find module" in some checks', () => {
    const ws = tempDir();
    copyTree(path.join(REPO_ROOT, 'solutions/01-extract-config'), ws);
    const r = cli(['verify', '1', '--workspace', ws, '--json']);
    expect(r.code, r.stdout).toBe(2);
    const json = JSON.parse(r.stdout);
    expect(json.error.message).toMatch(/has no node_modules\/.*cannot load its packages/);
    expect(json.error.next).toContain(`${ws}/node_modules`);
    expect(r.stdout).not.toMatch(/Cannot find module/);
  });

  test('--help for the workshop: every line within 80 columns', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/npm run verify \[N\]/);
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  test('--help for a command: its usage, wrapped at 80 columns, exit 0', () => {
    const r = cli(['verify', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run verify -- \[N\]/);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  test('npm run verify 1 --no-cluster without "--": the flag npm kept (npm_config_cluster) is honoured', () => {
    const ws = workspaceFrom(path.join(REPO_ROOT, 'solutions/00-setup'));
    const r = cli(['verify', '0', '--workspace', ws, '--json'], { env: { npm_lifecycle_event: 'verify', npm_config_cluster: '' } });
    const json = JSON.parse(r.stdout);
    expect(json.checks.find((c: { id: string }) => c.id === '00.cluster-reachable')).toMatchObject({
      status: 'skip',
      message: 'cluster checks are not run (--no-cluster)',
    });
  });

  test('npm run verify 1 --context x without "--": npm ate the value, so stop with the command to type', () => {
    const r = cli(['verify', '1', 'x'], { env: { npm_lifecycle_event: 'verify', npm_config_context: 'true' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/npm kept --context for itself/);
    expect(r.stderr).toMatch(/Next: npm run verify -- .*--context <value>/);
  });
});

describe('verify --all and --watch', () => {
  test('fake course, --all re-checks every lesson up to N (here without the cluster layer)', () => {
    const r = fakeCli(['verify', '3', '--all', '--no-cluster', '--workspace', workspaceFrom(fakeSolution('03-choose-a-port')), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.ok).toBe(true);
    expect(json.lessons.map((l: { lesson: string }) => l.lesson)).toEqual(['01', '02', '03']);
    const cluster = json.lessons[0].checks.find((c: { id: string }) => c.id === '01.cluster-stand-in');
    expect(cluster).toMatchObject({ status: 'skip', message: 'cluster checks are not run (--no-cluster)' });
  });

  test('fake course, --watch runs once, then again after a file is saved, and stops on Ctrl-C', async () => {
    const ws = workspaceFrom(FAKE_START);
    const child = spawn(process.execPath, [CLI_ENTRY, 'verify', '2', '--watch', '--workspace', ws], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...inject('services'), ...FAKE_ENV, NO_COLOR: '1', WORKSHOP_HOME: tempDir('l2k-home-') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const runs = () => out.split('Lesson 02 · Name the app').length - 1;
    const waitFor = async (cond: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      return cond();
    };
    try {
      expect(await waitFor(() => out.includes('Watching'), 30_000)).toBe(true);
      expect(runs()).toBe(1);
      expect(out).toMatch(/✖ FAIL {2}02\.has-name/);
      fs.writeFileSync(path.join(ws, 'app.json'), '{ "name": "greeter" }\n');
      expect(await waitFor(() => runs() === 2 && out.split('Watching').length === 3, 30_000)).toBe(true);
      // The second run saw the change: the name check now passes.
      expect(out.split('Lesson 02')[2]).toMatch(/✔ PASS {2}02\.has-name/);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  });
});

describe('interrupts', () => {
  test('Ctrl-C during verify leaves no verify_* database and no temp folder, and says one "Interrupted" line', async () => {
    // Its own Postgres and Redis, so no other test's databases come and go in between.
    const services = await startBackingServices();
    const tmp = tempDir('l2k-tmp-');
    try {
      const child = spawn(process.execPath, [CLI_ENTRY, 'verify', '1', '--workspace', workspaceFrom(path.join(REPO_ROOT, 'solutions/01-extract-config'))], {
        cwd: REPO_ROOT,
        env: cliEnv(tempDir('l2k-home-'), { TMPDIR: tmp, WORKSHOP_STATE_FILE: path.join(tmp, 'state.json'), ...services.urls }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      const { default: pg } = await import('pg');
      const db = new pg.Client({ connectionString: services.urls.DATABASE_URL });
      await db.connect();
      const scratch = async () => (await db.query("SELECT datname FROM pg_database WHERE datname LIKE 'verify\\_%'")).rows.length;
      try {
        // Interrupt once the run has made a database of its own.
        for (let i = 0; i < 600 && (await scratch()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
        expect(await scratch()).toBeGreaterThan(0);
        child.kill('SIGINT');
        expect(await exited).toBe(130);
        expect(await scratch()).toBe(0);
      } finally {
        await db.end();
      }
      expect(fs.readdirSync(tmp).filter((f) => f.startsWith('verify-'))).toEqual([]);
      expect(out.match(/Interrupted/g)).toHaveLength(1);
      expect(out).not.toMatch(/FAIL|passed/);
    } finally {
      await services.stop();
    }
  });

  test('Ctrl-C in --watch during a run: one line, no report of checks the Ctrl-C broke', async () => {
    const ws = workspaceFrom(path.join(REPO_ROOT, 'solutions/01-extract-config'));
    const child = spawn(process.execPath, [CLI_ENTRY, 'verify', '1', '--watch', '--workspace', ws], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...inject('services'), NO_COLOR: '1', WORKSHOP_HOME: tempDir('l2k-home-') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const waitFor = async (cond: () => boolean) => {
      for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
      return cond();
    };
    expect(await waitFor(() => out.includes('Watching'))).toBe(true);
    fs.writeFileSync(path.join(ws, 'README.md'), 'changed\n');
    expect(await waitFor(() => out.split('Lesson 01 ·').length === 3)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const second = out.split('Lesson 01 ·')[2]!;
    expect(second).not.toMatch(/FAIL/);
    expect(out.match(/Stopped watching/g)).toHaveLength(1);
  });
});

describe('kubeconfig messages, before any cluster is contacted', () => {
  const kubeconfig = (dir: string) => {
    const file = path.join(dir, 'config');
    fs.writeFileSync(
      file,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: mine, context: {cluster: c, user: u}}]\ncurrent-context: mine\n',
    );
    return file;
  };
  const ws = () => workspaceFrom(path.join(REPO_ROOT, 'solutions/00-setup'));

  // Lesson 00 turns what the kube probe says into its cluster check's failure (exit 1).
  const clusterCheck = (args: string[], env: Record<string, string>) => {
    const r = cli(['verify', '0', '--workspace', ws(), '--json', ...args], { env });
    const check = JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === '00.cluster-reachable');
    return { ...check, text: r.stdout } as { message: string; fix: string; text: string };
  };

  test('no kubeconfig at all: says so, never "(you have: loaded-context)"', () => {
    const check = clusterCheck([], { HOME: tempDir('l2k-nohome-') });
    expect(check.message).toMatch(/There is no kubeconfig/);
    expect(check.text).not.toMatch(/loaded-context/);
    expect(check.fix).toMatch(/npm run setup/);
  });

  test('KUBECONFIG pointing at a missing file: the message names the variable', () => {
    expect(clusterCheck([], { KUBECONFIG: '/nonexistent/l2k-kubeconfig' }).message).toMatch(/KUBECONFIG is set to \/nonexistent\/l2k-kubeconfig/);
  });

  test('--context NAME that does not exist: lists the real contexts and how to see them, not npm run setup', () => {
    const check = clusterCheck(['--context', 'other'], { KUBECONFIG: kubeconfig(tempDir()) });
    expect(check.message).toMatch(/There is no kube context "other" \(you have: mine\)/);
    expect(check.fix).toMatch(/kubectl config get-contexts/);
    expect(check.fix).not.toMatch(/npm run setup/);
  });
});

describe('never losing work', () => {
  test('solution --out refuses a folder that is not empty, and leaves it as it was', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'mine.txt'), 'my work');
    const r = cli(['solution', '1', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not an empty folder/);
    expect(fs.readdirSync(dir)).toEqual(['mine.txt']);
  });

  test('fake course, reset backs up the workspace (with .env), restores the start, keeps .env', () => {
    const ws = workspaceFrom(fakeSolution('03-choose-a-port'));
    fs.writeFileSync(path.join(ws, 'my-change.js'), '// my work\n');
    fs.writeFileSync(path.join(ws, '.env'), 'SESSION_SECRET=mine\n');
    const home = tempDir('l2k-home-');
    const r = fakeCli(['reset', '3', '--workspace', ws], { WORKSHOP_HOME: home });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(ws, 'my-change.js'))).toBe(false);
    // Lesson 03 starts from lesson 02's solution: no port yet, the TODO back.
    expect(fs.readFileSync(path.join(ws, 'app.json'), 'utf8')).toBe(fs.readFileSync(fakeSolution('02-name-the-app/app.json'), 'utf8'));
    expect(fs.existsSync(path.join(ws, 'TODO.txt'))).toBe(true);
    expect(fs.readFileSync(path.join(ws, '.env'), 'utf8')).toBe('SESSION_SECRET=mine\n');
    const [backup] = fs.readdirSync(path.join(home, 'backups'));
    expect(backup).toMatch(/before-reset-03$/);
    expect(fs.readFileSync(path.join(home, 'backups', backup!, 'my-change.js'), 'utf8')).toBe('// my work\n');
    expect(fs.readFileSync(path.join(home, 'backups', backup!, '.env'), 'utf8')).toBe('SESSION_SECRET=mine\n');
    expect(r.stdout).toMatch(/Backed up your work to/);
  });

  test('fake course, solution --apply backs up first, then the workspace holds the solution', () => {
    const ws = workspaceFrom(FAKE_START);
    fs.writeFileSync(path.join(ws, 'notes.txt'), 'half-done\n');
    const home = tempDir('l2k-home-');
    const r = fakeCli(['solution', '2', '--apply', '--workspace', ws], { WORKSHOP_HOME: home });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(ws, 'app.json'), 'utf8')).toContain('"name": "greeter"');
    expect(fs.existsSync(path.join(ws, 'notes.txt'))).toBe(false);
    const [backup] = fs.readdirSync(path.join(home, 'backups'));
    expect(fs.readFileSync(path.join(home, 'backups', backup!, 'notes.txt'), 'utf8')).toBe('half-done\n');
  });

  test('fake course, solution without flags lists the files of your workspace that differ, and names the two diffs', () => {
    const r = fakeCli(['solution', '3', '--workspace', workspaceFrom(FAKE_START)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Your workspace vs the solution of lesson 03:/);
    expect(r.stdout).toMatch(/app\.json/);
    expect(r.stdout).toMatch(/TODO\.txt/);
    expect(r.stdout).toMatch(/What lesson 03 itself changes: npm run solution 3 -- --diff/);
    expect(r.stdout).toMatch(/Every line between yours and the solution: npm run solution 3 -- --diff-workspace/);
  });
});

describe("solution --diff: the lesson's own change", () => {
  test("fake course: lesson 03's change only (02 → 03, a deletion included), whatever the workspace holds", () => {
    const ws = workspaceFrom(FAKE_START);
    fs.writeFileSync(path.join(ws, 'mine.txt'), 'my own file\n');
    const r = fakeCli(['solution', '3', '--diff', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^diff --git .*$/gm)).toEqual([
      'diff --git a/lesson-02/TODO.txt b/lesson-02/TODO.txt',
      'diff --git a/lesson-02/app.json b/lesson-03/app.json',
    ]);
    expect(r.stdout).toMatch(/^deleted file mode/m);
    expect(r.stdout).toMatch(/^\+ {2}"port": 8080$/m);
    expect(r.stdout).not.toContain('mine.txt');
  });

  test('fake course: the first lesson changes nothing (its solution is its start)', () => {
    const r = fakeCli(['solution', '1', '--diff']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Lesson 01 changes no file of the app: its solution is its starting state.\n');
  });

  test('fake course, --diff-workspace: every line between your workspace and the solution', () => {
    const ws = workspaceFrom(FAKE_START);
    fs.writeFileSync(path.join(ws, 'mine.txt'), 'my own file\n');
    const r = fakeCli(['solution', '3', '--diff-workspace', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^diff --git a\/yours\/mine\.txt/m);
    expect(r.stdout).toMatch(/^\+ {2}"name": "greeter",$/m);
    expect(r.stdout).toMatch(/^\+ {2}"port": 8080$/m);
  });

  test("real course: solution 3 --diff shows exactly the files of lesson 03's overlay", () => {
    const lesson = listLessons().find((l) => l.index === 3)!;
    const overlay = readOverlay(lesson);
    const r = cli(['solution', '3', '--diff']);
    expect(r.code, r.stderr).toBe(0);
    const shown = [...r.stdout.matchAll(/^diff --git a\/lesson-\d\d\/(\S+) /gm)].map((m) => m[1]).sort();
    expect(shown).toEqual([...overlay.files, ...overlay.delete].sort());
    expect(shown).toContain('src/health.js');
  });
});

describe('progress that tells the truth', () => {
  test('fake course: every verdict is recorded with its layers; --no-cluster is not done; reset forgets; --apply is marked', () => {
    const home = tempDir('l2k-home-');
    const ws = workspaceFrom(fakeSolution('02-name-the-app'));
    const env = { ...FAKE_ENV, WORKSHOP_HOME: home, WORKSHOP_STATE_FILE: path.join(home, 'state.json'), WORKSHOP_WORKSPACE: ws };
    const run = (args: string[]) => cli(args, { env });
    const status = () =>
      JSON.parse(run(['status', '--json']).stdout) as {
        lessons: Array<{
          lesson: string;
          mark: string;
          done: boolean;
          last?: { verdict: string; layers: string[]; notRun: string[] };
          appliedFromSolution?: string;
        }>;
      };
    const lesson = (n: string) => status().lessons.find((l) => l.lesson === n)!;

    // Lesson 01 has a cluster-layer check: a pass without it is recorded, but not as done.
    expect(run(['verify', '1', '--no-cluster']).code).toBe(0);
    expect(lesson('01')).toMatchObject({ mark: 'partial', done: false, last: { verdict: 'pass', notRun: ['cluster'] } });
    expect(run(['status']).stdout).toMatch(/◐ 01 .*\n.*passed .*without the cluster checks/);

    expect(run(['verify', '2', '--no-cluster']).code).toBe(0);
    expect(lesson('02')).toMatchObject({ mark: 'done', done: true, last: { verdict: 'pass', notRun: [] } });

    // A later failure replaces the pass: progress shows the last thing verify found.
    fs.writeFileSync(path.join(ws, 'app.json'), '{ "name": "" }\n');
    expect(run(['verify', '2', '--no-cluster']).code).toBe(1);
    expect(lesson('02')).toMatchObject({ mark: 'failed', done: false, last: { verdict: 'fail' } });

    // Reset 2 forgets lesson 02 on (01 stays); --apply marks where the code came from.
    expect(run(['reset', '2']).code).toBe(0);
    expect(lesson('02').last).toBeUndefined();
    expect(lesson('01').last).toBeDefined();
    expect(run(['solution', '2', '--apply']).code).toBe(0);
    expect(lesson('02').appliedFromSolution).toMatch(/^\d{4}-/);
    expect(run(['status']).stdout).toMatch(/02 .*\n.*code from solution --apply/);
  });
});

describe('lessons, progress and hints', () => {
  test('fake course, lesson 1 piped: plain text, marks the lesson current', () => {
    const home = tempDir('l2k-home-');
    const state = path.join(home, 'state.json');
    const r = fakeCli(['lesson', '1'], { WORKSHOP_STATE_FILE: state });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^01 · Meet the app$/m);
    expect(r.stdout).toContain('Common mistakes');
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(JSON.parse(fs.readFileSync(state, 'utf8')).current).toBe('meet-the-app');

    const status = fakeCli(['status'], { WORKSHOP_STATE_FILE: state });
    expect(status.stdout).toMatch(/▶ 01 {2}Meet the app {2}← current/);
  });

  test('real course: lesson 1 piped shows the real lesson', () => {
    const r = cli(['lesson', '1'], { env: { WORKSHOP_STATE_FILE: path.join(tempDir('l2k-home-'), 'state.json') } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^01 · Extract configuration$/m);
  });

  test('fake course, reading another lesson does not switch the current one; --start does', () => {
    const home = tempDir('l2k-home-');
    const state = path.join(home, 'state.json');
    const env = { WORKSHOP_STATE_FILE: state };
    expect(fakeCli(['lesson', '1'], env).code).toBe(0);
    const read = fakeCli(['lesson', '3'], env);
    expect(read.stdout).toMatch(/You read lesson 03; you are still on lesson 01/);
    expect(read.stdout).toMatch(/npm run lesson 3 -- --start/);
    expect(JSON.parse(fs.readFileSync(state, 'utf8')).current).toBe('meet-the-app');
    expect(fakeCli(['lesson', '3', '--start'], env).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(state, 'utf8')).current).toBe('choose-a-port');
  });

  test('fake course, lesson without a number, piped: the list instead of a menu', () => {
    const r = fakeCli(['lesson']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/01 {2}Meet the app.*\n.*02 {2}Name the app\n.*03 {2}Choose a port/);
    expect(r.stdout).toMatch(/npm run lesson <N>/);
  });

  test('fake course, hint answers from the last verify while the workspace is unchanged, and re-checks after a change', () => {
    const home = tempDir('l2k-home-');
    const env = { WORKSHOP_HOME: home, WORKSHOP_STATE_FILE: path.join(home, 'state.json') };
    const ws = workspaceFrom(FAKE_START);
    expect(fakeCli(['verify', '2', '--no-cluster', '--workspace', ws], env).code).toBe(1);
    const saved = fakeCli(['hint', '2', '--no-cluster', '--workspace', ws], env);
    expect(saved.stdout).toMatch(/from your last verify of lesson 02/);
    expect(saved.stdout).not.toMatch(/Checking lesson/);
    expect(saved.stdout).toMatch(/02\.has-name/);
    // The next command keeps the flags in force: no cluster here, so none is asked for.
    expect(saved.stdout).toMatch(/Run npm run hint -- 2 --workspace \S+ --no-cluster again/);
    fs.writeFileSync(path.join(ws, 'notes.md'), 'changed\n');
    const fresh = fakeCli(['hint', '2', '--no-cluster', '--workspace', ws], env);
    expect(fresh.stdout).toMatch(/Checking lesson 02/);
    // Other flags are another run: the saved --no-cluster report does not answer for all layers.
    expect(fakeCli(['hint', '2', '--workspace', ws], env).stdout).toMatch(/Checking lesson 02/);
  });

  test('fake course, hint climbs the ladder of the first failing check, one rung per call', () => {
    const home = tempDir('l2k-home-');
    const env = { WORKSHOP_STATE_FILE: path.join(home, 'state.json') };
    const ws = workspaceFrom(FAKE_START);
    const first = fakeCli(['hint', '2', '--workspace', ws], env);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/02\.has-name/);
    // Three written rungs, then one computed from the current failure.
    expect(first.stdout).toMatch(/Hint 1\/4: What is the app called\?/);
    expect(first.stdout).not.toMatch(/Hint 2\/4:/);
    const second = fakeCli(['hint', '2', '--workspace', ws], env);
    expect(second.stdout).toMatch(/Hint 2\/4: app\.json has a "name" key/);
    fakeCli(['hint', '2', '--workspace', ws], env);
    const last = fakeCli(['hint', '2', '--workspace', ws], env);
    expect(last.stdout).toContain('Hint 4/4: Right now, at app.json:1: app.json has no "name".');
    // Out of rungs: the lesson's own step in the reference solution.
    expect(last.stdout).toMatch(/see what this lesson changes in the reference solution: npm run solution 2 -- --diff$/m);
  });
});

describe('cluster commands, before any cluster is contacted', () => {
  test('rehearse and addon refuse bad input with one line and exit 2', () => {
    for (const [args, message] of [
      [['rehearse', '3'], /rehearse takes no lesson argument; use --from\/--to/],
      [['rehearse', '--from', '5', '--to', '2'], /--to 02 comes before --from 05/],
      [['rehearse', '--cluster-env', '/nonexistent/cluster.env'], /--cluster-env \/nonexistent\/cluster.env does not exist/],
      [['addon', 'nginx'], /There is no add-on "nginx". Known add-ons: ingress/],
      [['solution', '7', '--apply', '--diff'], /Choose one of --diff, --diff-workspace, --apply and --out/],
    ] as const) {
      const r = cli([...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
  });

  test('solution --apply --no-cluster catches up the code and says how to apply k8s/ yourself', () => {
    const ws = workspaceFrom(path.join(REPO_ROOT, 'solutions/06-containerize'));
    const r = cli(['solution', '7', '--apply', '--no-cluster', '--workspace', ws], { env: { WORKSHOP_HOME: tempDir('l2k-home-') } });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(ws, 'k8s/deployment.yaml'))).toBe(true);
    expect(r.stdout).toMatch(/The cluster was left as it is \(--no-cluster\)\. Apply it yourself: kubectl apply -R -f k8s\//);
  });
});
