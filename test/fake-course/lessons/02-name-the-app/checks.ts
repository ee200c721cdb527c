// Fake course, lesson 02: a required check with a three-rung hint ladder and a recommended one that depends on it.
import fs from 'node:fs';
import path from 'node:path';
import { defineCheck, fail, parseLearnerJson, pass } from '../../../../verify/lesson-api.ts';

const readApp = (workspace: string): { name?: unknown } => parseLearnerJson(fs.readFileSync(path.join(workspace, 'app.json'), 'utf8'), 'app.json');

export default [
  defineCheck({
    id: 'has-name',
    title: 'app.json names the app',
    severity: 'required',
    layer: 'code',
    hints: ['What is the app called?', 'app.json has a "name" key with a non-empty string.', 'Add: "name": "greeter"'],
    learn: '#1-give-the-app-a-name',
    async run(ctx) {
      const { name } = readApp(ctx.workspace);
      if (typeof name === 'string' && name.trim()) return pass(`app.json names the app "${name}".`);
      return fail(name === undefined ? 'app.json has no "name".' : `app.json has "name": ${JSON.stringify(name)}, not a non-empty string.`, {
        where: 'app.json:1',
        expected: 'a non-empty string in "name"',
        why: 'Every log line and report of the fake app carries its name.',
        fix: 'Add "name": "greeter" to app.json.',
      });
    },
  }),
  defineCheck({
    id: 'name-is-kebab',
    title: 'The name is kebab-case',
    severity: 'recommended',
    layer: 'code',
    dependsOn: ['has-name'],
    hints: ['Lower case, words joined by dashes.'],
    learn: '#2-use-kebab-case',
    async run(ctx) {
      const { name } = readApp(ctx.workspace);
      return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(String(name)) ? pass(`"${name}" is kebab-case.`) : fail(`"${name}" is not kebab-case.`, { where: 'app.json:1', fix: 'Rename it, e.g. "greeter-app".' });
    },
  }),
];
