// `npm run setup -- --doctor` for real, in a child process, on a machine with a docker
// client but no engine, and no kind. Creating the cluster, loading images and deploying
// the services need an engine: the kind tier (test/kind/, `npm run test:kind`) runs them.
//
// To get exactly that machine wherever the test runs, the child gets a PATH with only
// node, bash, git, docker and kubectl in it (so no kind, even on a laptop that has one)
// and a DOCKER_HOST with no engine behind it (so no engine, even where Docker runs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { which } from 'zx';
import { REPO_ROOT } from '../../verify/core/paths.ts';
import { cliEnv, hasStackTrace } from '../../test/helpers/cli.ts';
import { INSTALL } from './constants.ts';
import { REPORT_END, REPORT_START } from './report.ts';

const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'l2k-setup-bin-'));
beforeAll(async () => {
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  for (const tool of ['bash', 'git', 'docker', 'kubectl']) {
    const found = await which(tool, { nothrow: true });
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
});
afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

function setup(args: string[], PATH: string, script = 'scripts/setup.ts') {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'l2k-setup-home-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    env: cliEnv(home, { PATH, DOCKER_HOST: `unix://${path.join(home, 'no-engine.sock')}` }),
    encoding: 'utf8',
    timeout: 90_000,
  });
  const wrote = fs.readdirSync(home);
  fs.rmSync(home, { recursive: true, force: true });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, wrote };
}

describe('npm run setup -- --doctor on a machine with a docker client, no engine and no kind', () => {
  test('exit 2, the report, and each problem with its fix and install link; no stack trace', () => {
    // The situation this test is about: if this fails, the machine has no docker client at all.
    expect(fs.existsSync(path.join(bin, 'docker')), 'a docker client on PATH, as on the project machines').toBe(true);

    const r = setup(['--doctor'], bin);
    expect(r.code, r.stderr).toBe(2);

    // The paste-able report: between its marker lines, with versions, OS and arch, one mark per item.
    const report = r.stdout.split(`${REPORT_START}\n`)[1]?.split(`\n${REPORT_END}`)[0] ?? '';
    expect(report).toMatch(/^workshop doctor · legacy-to-k8s /);
    expect(report).toContain(`os  ${process.platform} ${os.release()} (${process.arch})`);
    // ✔, or ▲ on a Node past its end of life (Node 20 after April 2026): it runs, with a warning.
    expect(report).toMatch(new RegExp(`^[✔▲] Node\\.js +${process.versions.node.replace(/\./g, '\\.')} `, 'm'));
    expect(report).toMatch(/^✔ docker CLI +\d+\.\d+/m);
    expect(report).toMatch(/^✖ Docker engine +not running$/m);
    expect(report).toMatch(/^✖ kind +not installed$/m);
    expect(report).toMatch(/^[✔▲✖] port 5432 /m);

    // The problems, in the house style, with the official pages.
    expect(r.stdout).toContain('✖ Docker is installed but its engine is not running.');
    expect(r.stdout).toContain(INSTALL.dockerStart);
    expect(r.stdout).toContain('✖ kind is not installed.');
    expect(r.stdout).toContain(INSTALL.kind);
    expect(r.stdout).toMatch(/^ {4}next +\S/m);

    // One closing line on stderr naming both, and the exact next command.
    expect(r.stderr).toMatch(/^✖ Not ready: Docker is installed but its engine is not running; kind is not installed\./);
    expect(r.stderr).toMatch(/^ {2}Next: \S/m);
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
    expect(r.stderr).not.toMatch(/Internal error/);
    // The doctor only looks: nothing written to the workshop folder.
    expect(r.wrote).toEqual([]);
  });

  test('without --doctor it stops before changing anything, with the same exit code', () => {
    const r = setup([], bin);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^✖ Setup stopped before changing anything: Docker is installed but its engine is not running; kind is not installed\./);
    expect(r.stdout).not.toContain('Pulling');
    expect(r.wrote).toEqual([]);
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
  });

  test('an unknown flag: exit 2 with the usage, no stack trace', () => {
    const r = setup(['--colour'], bin);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^✖ Unknown option '--colour'/);
    expect(r.stderr).toContain('--doctor');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  test('--images-from a file that does not exist: one line saying what the file is, exit 2, before the doctor runs', () => {
    const r = setup(['--images-from', 'no-such-archive.tar.gz'], bin);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^✖ --images-from no-such-archive\.tar\.gz: there is no such file\. It is the archive your instructor made with npm run images -- --save FILE\./,
    );
    expect(r.stdout).not.toContain('Checking this machine');
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
  });
});

describe('npm run images', () => {
  test('without --save: exit 2 with the usage, no stack trace', () => {
    const r = setup([], bin, 'scripts/images.ts');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^✖ --save FILE is required/);
    expect(r.stderr).toContain('npm run setup -- --images-from FILE');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  test('with no engine: exit 2 saying so, and no archive written', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'l2k-images-')), 'room.tar.gz');
    const r = setup(['--save', out], bin, 'scripts/images.ts');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^✖ npm run images needs a running Docker engine to pull and save images; docker says: /);
    expect(r.stderr).toMatch(/^ {2}Next: docker info/m);
    expect(fs.existsSync(out)).toBe(false);
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
