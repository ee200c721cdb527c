// Fake course, lesson 01: nothing to change; the checks pass on the starting state.
import fs from 'node:fs';
import path from 'node:path';
import { defineCheck, fail, parseLearnerJson, pass } from '../../../../verify/lesson-api.ts';

export default [
  defineCheck({
    id: 'app-json-readable',
    title: 'app.json exists and is valid JSON',
    severity: 'required',
    layer: 'code',
    hints: ['Look at app.json.', 'It must be one JSON object.', 'For example: {"greeting": "hello"}'],
    learn: '#1-read-appjson',
    async run(ctx) {
      const file = path.join(ctx.workspace, 'app.json');
      if (!fs.existsSync(file)) return fail('app.json does not exist.', { where: 'app.json', why: 'The fake app is this one file.', fix: 'npm run reset -- 1' });
      parseLearnerJson(fs.readFileSync(file, 'utf8'), 'app.json');
      return pass('app.json is valid JSON.');
    },
  }),
  defineCheck({
    id: 'cluster-stand-in',
    title: 'A cluster-layer check (the fake course asks no cluster)',
    severity: 'info',
    layer: 'cluster',
    hints: ['Nothing to do: this check stands for one that would ask a cluster.'],
    learn: '#2-a-cluster-layer-check',
    async run() {
      return pass('Nothing asked: the fake course has no cluster.');
    },
  }),
];
