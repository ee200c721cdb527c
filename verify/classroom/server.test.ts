// The classroom server, for real: an HTTP server on a free loopback port, real requests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildReport } from './client.ts';
import type { LearnerSummary, RoomReport } from './protocol.ts';
import { Room, toCsv } from './room.ts';
import { DEFAULT_LIMITS, MAX_BODY_BYTES, startClassroom, type ClassroomServer } from './server.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'classroom-test-'));
const roomFile = path.join(dir, 'room.json');
let room: Room;
let server: ClassroomServer;

beforeAll(async () => {
  room = Room.open(roomFile, { minutes: 10, hints: 2 });
  // A learner's bucket that refills slowly, so the flood test does not depend on how fast a
  // busy machine answers; everything else keeps the real defaults.
  server = await startClassroom(room, { host: '127.0.0.1', port: 0, limits: { ...DEFAULT_LIMITS, perLearner: { burst: 10, perSecond: 0.05 } } });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${room.token}`, 'content-type': 'application/json' });
const post = (body: unknown, headers: Record<string, string> = auth()) =>
  fetch(`${server.url}/api/reports`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

function report(name: string, failing: string[], opts: { at?: Date; hints?: Record<string, number>; lesson?: string } = {}): RoomReport {
  const lesson = opts.lesson ?? '02';
  const ids = [`${lesson}.sessions-shared`, `${lesson}.cache-shared`, `${lesson}.uploads-shared`];
  return buildReport(
    name,
    [
      { lesson: '01', ok: true, checks: [{ id: '01.honours-port', status: 'pass', severity: 'required', durationMs: 12 }] },
      {
        lesson,
        ok: failing.length === 0,
        checks: ids.map((id) => ({ id, status: failing.includes(id) ? 'fail' : 'pass', severity: 'required', durationMs: 40 })),
      },
    ],
    opts.hints ?? {},
    opts.at,
  );
}

async function learners(): Promise<LearnerSummary[]> {
  const res = await fetch(`${server.url}/api/learners`, { headers: auth() });
  expect(res.status).toBe(200);
  return (await res.json()) as LearnerSummary[];
}

describe('classroom API', () => {
  test('a report shows up in /api/learners with lesson, failing ids, since and hints', async () => {
    const at = new Date(Date.now() - 1000);
    expect((await post(report('Ada', ['02.cache-shared'], { at, hints: { '02.cache-shared': 1, '05.other': 4 } }))).status).toBe(202);
    const ada = (await learners()).find((l) => l.name === 'Ada')!;
    expect(ada).toMatchObject({
      lesson: '02',
      ok: false,
      failing: ['02.cache-shared'],
      since: at.toISOString(),
      hints: 1,
      stuck: false,
      lessons: { '01': true, '02': false },
    });
  });

  test('"since" stays while the same check fails, and moves when another one becomes first', async () => {
    const first = new Date(Date.now() - 5000);
    await post(report('Bo', ['02.cache-shared'], { at: first }));
    await post(report('Bo', ['02.cache-shared'], { at: new Date(Date.now() - 3000) }));
    expect((await learners()).find((l) => l.name === 'Bo')!.since).toBe(first.toISOString());
    const later = new Date(Date.now() - 1000);
    await post(report('Bo', ['02.sessions-shared'], { at: later }));
    expect((await learners()).find((l) => l.name === 'Bo')).toMatchObject({ failing: ['02.sessions-shared'], since: later.toISOString() });
  });

  test('a report that arrives late (a flushed queue) does not overwrite a newer one', async () => {
    await post(report('Cy', [], { at: new Date() }));
    await post(report('Cy', ['02.cache-shared'], { at: new Date(Date.now() - 60_000) }));
    expect((await learners()).find((l) => l.name === 'Cy')).toMatchObject({ ok: true, failing: [] });
  });

  test('stuck: more hints than the rule allows for the first failing check', async () => {
    await post(report('Di', ['02.uploads-shared'], { hints: { '02.uploads-shared': 3 } }));
    expect((await learners()).find((l) => l.name === 'Di')!.stuck).toBe(true);
  });

  test('stuck: the same check failing for longer than the rule allows', async () => {
    await post(report('Ed', ['02.uploads-shared'], { at: new Date(Date.now() - 11 * 60_000) }));
    expect((await learners()).find((l) => l.name === 'Ed')!.stuck).toBe(true);
  });

  test('the live stream sends the room on connect and after each report', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/api/events?token=${room.token}`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += decoder.decode(value);
      }
    };
    await readUntil('event: room');
    await post(report('Flo', ['02.sessions-shared']));
    await readUntil('"name":"Flo"');
    ctrl.abort();
  });

  test('CSV export has one row per learner and defuses formula-looking cells', async () => {
    const res = await fetch(`${server.url}/api/export.csv?token=${room.token}`);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    expect((await res.text()).split('\n')[0]).toBe('name,lesson,ok,failing,since,hints,stuck,lastSeen');
    const csv = toCsv([{ name: '=cmd', lesson: '01', ok: true, failing: [], hints: 0, lastSeen: 'x', lessons: {}, stuck: false }]);
    expect(csv).toContain(`"'=cmd"`);
  });

  test('the dashboard page is served without a token and holds no room data', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<title>');
    expect(html).not.toContain(room.token);
    expect(html).not.toContain('Ada');
  });
});

describe('bad requests get a 4xx answer and never crash the server', () => {
  const valid = () => report('Gus', []);
  const cases: Array<[string, () => Promise<Response>, number]> = [
    ['no token', () => post(valid(), { 'content-type': 'application/json' }), 401],
    ['wrong token', () => post(valid(), { authorization: 'Bearer nope', 'content-type': 'application/json' }), 401],
    [
      'token in the query string of a POST',
      () => fetch(`${server.url}/api/reports?token=${room.token}`, { method: 'POST', body: JSON.stringify(valid()) }),
      401,
    ],
    ['learners without a token', () => fetch(`${server.url}/api/learners`), 401],
    ['events without a token', () => fetch(`${server.url}/api/events`), 401],
    ['CSV without a token', () => fetch(`${server.url}/api/export.csv`), 401],
    ['body that is not JSON', () => post('{"v":1,'), 400],
    ['empty body', () => post(''), 400],
    ['a JSON array', () => post([]), 400],
    [
      'a message smuggled into a check',
      () =>
        post({
          ...valid(),
          lessons: [{ lesson: '02', ok: false, checks: [{ id: '02.x', status: 'fail', severity: 'required', durationMs: 1, message: 'password=hunter2' }] }],
        }),
      400,
    ],
    ['an unknown top-level field', () => post({ ...valid(), env: { DATABASE_URL: 'postgres://u:p@h/d' } }), 400],
    ['an HTML name', () => post({ ...valid(), name: '<img src=x onerror=alert(1)>' }), 400],
    ['an empty name', () => post({ ...valid(), name: '' }), 400],
    [
      'a bad check id',
      () => post({ ...valid(), lessons: [{ lesson: '02', ok: true, checks: [{ id: '../../etc', status: 'pass', severity: 'required', durationMs: 1 }] }] }),
      400,
    ],
    [
      'a bad status',
      () => post({ ...valid(), lessons: [{ lesson: '02', ok: true, checks: [{ id: '02.x', status: 'maybe', severity: 'required', durationMs: 1 }] }] }),
      400,
    ],
    ['another protocol version', () => post({ ...valid(), v: 2 }), 400],
    ['a date that is not a date', () => post({ ...valid(), at: 'yesterday' }), 400],
    ['too large', () => post({ ...valid(), pad: 'x'.repeat(MAX_BODY_BYTES + 10) }), 413],
    ['an unknown path', () => fetch(`${server.url}/api/nothing`, { headers: auth() }), 404],
    ['GET on the report endpoint', () => fetch(`${server.url}/api/reports`, { headers: auth() }), 404],
  ];
  test.each(cases)('%s', async (_what, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error?: string }).error).toBeTruthy();
  });

  test('a flood of reports from one learner is limited (429), others still get through, and the server lives on', async () => {
    const statuses = await Promise.all(Array.from({ length: 25 }, () => post(report('Hal', [])).then((r) => r.status)));
    expect(statuses).toContain(429);
    expect(statuses).toContain(202);
    expect((await post(report('Ivy', []))).status).toBe(202);
    expect((await fetch(`${server.url}/api/ping`, { headers: auth() })).status).toBe(200);
  });
});

describe('the room survives a restart', () => {
  test('token and learners come back from the room file', async () => {
    room.saveNow();
    const again = Room.open(roomFile, { minutes: 10, hints: 2 });
    expect(again.token).toBe(room.token);
    expect(again.learners().map((l) => l.name)).toEqual(room.learners().map((l) => l.name));
    expect(again.learners().length).toBeGreaterThan(3);
  });

  test('a damaged room file starts a new room instead of crashing', () => {
    const file = path.join(dir, 'damaged.json');
    fs.writeFileSync(file, '{ not json');
    const fresh = Room.open(file, { minutes: 1, hints: 1 });
    expect(fresh.learners()).toEqual([]);
    expect(fresh.token.length).toBeGreaterThan(10);
  });
});
