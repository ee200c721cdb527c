// Fake course, lesson 03: two required checks, the second depending on the first.
import fs from 'node:fs';
import path from 'node:path';
import { defineCheck, fail, parseLearnerJson, pass } from '../../../../verify/lesson-api.ts';

const portOf = (workspace: string): unknown => parseLearnerJson<{ port?: unknown }>(fs.readFileSync(path.join(workspace, 'app.json'), 'utf8'), 'app.json').port;

export default [
  defineCheck({
    id: 'has-port',
    title: 'app.json has a whole-number port',
    severity: 'required',
    layer: 'code',
    hints: ['Where does the app listen?', '"port" in app.json, a number.', 'Add: "port": 8080'],
    learn: '#1-add-a-port',
    async run(ctx) {
      const port = portOf(ctx.workspace);
      return Number.isInteger(port) ? pass(`app.json sets port ${port}.`) : fail(`app.json has ${port === undefined ? 'no "port"' : `"port": ${JSON.stringify(port)}`}.`, { where: 'app.json:1', expected: 'a whole number', fix: 'Add "port": 8080 to app.json.' });
    },
  }),
  defineCheck({
    id: 'port-unprivileged',
    title: 'The port is above 1023',
    severity: 'required',
    layer: 'code',
    dependsOn: ['has-port'],
    hints: ['Ports below 1024 need root.'],
    learn: '#2-above-1023',
    async run(ctx) {
      const port = Number(portOf(ctx.workspace));
      return port > 1023 ? pass(`Port ${port} needs no root.`) : fail(`Port ${port} needs root.`, { where: 'app.json:1', fix: 'Use 8080.' });
    },
  }),
];
