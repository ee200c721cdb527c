// scheduleProblem must agree with the API server, which parses a CronJob's schedule with
// robfig/cron's standard parser and then refuses any time zone inside it. Each expectation
// below was checked against that parser (github.com/robfig/cron/v3 v3.0.1, ParseStandard),
// so a schedule the validator refuses is one `kubectl apply` refuses too, and the reverse.
import { describe, expect, it } from 'vitest';
import { scheduleProblem } from './rules.ts';

const ACCEPTED = [
  '0 7 * * *', // the digest's own schedule
  '*/15 * * * *', // step over the whole range
  '5/15 * * * *', // a start with a step: 5, 20, 35, 50
  '0 9-17 * * MON-FRI', // ranges, names
  '0 0 1,15 * *', // lists
  '30 6 * JAN,JUL sun', // names in either case
  '0 0 * JAN-MAR/2 *', // a named range with a step
  '0 0 * * SUN-SAT',
  '0 0 ? * *', // ? is * in any field
  '0 07 * * *', // leading zeros
  '0\t7 * * *', // any whitespace between fields
  '*/60 * * * *', // a step larger than the range fires once
  '5, * * * *', // an empty list item is skipped
  '@daily',
  '@midnight',
  '@hourly',
  '@weekly',
  '@monthly',
  '@yearly',
  '@annually',
  '@every 1h',
  '@every 1h30m',
  '@every 1.5h',
];

describe('scheduleProblem accepts what the API server accepts', () => {
  it.each(ACCEPTED)('%j', (schedule) => {
    expect(scheduleProblem(schedule)).toBeUndefined();
  });
});

describe('scheduleProblem refuses what the API server refuses, and says why', () => {
  it.each([
    [undefined, /no schedule/],
    ['', /no schedule/],
    ['   ', /no schedule/],
    [7, /no schedule/],
  ])('%j: no schedule at all', (schedule, why) => {
    expect(scheduleProblem(schedule)).toMatch(why);
  });

  it('a seconds field (node-cron, Quartz) is named as such', () => {
    expect(scheduleProblem('0 0 7 * * *')).toMatch(/6 fields.*seconds field.*refused/);
  });

  it.each([
    ['0 7 * *', /4 field\(s\)/],
    ['0 0 0 7 * * *', /7 field\(s\)/],
  ])('%j: not 5 fields', (schedule, why) => {
    expect(scheduleProblem(schedule)).toMatch(why);
  });

  it.each([
    ['60 * * * *', 'minute'],
    ['0 24 * * *', 'hour'],
    ['0 0 0 * *', 'day of month'],
    ['0 0 32 * *', 'day of month'],
    ['0 0 * 13 *', 'month'],
    ['0 0 * 0 *', 'month'],
    ['0 0 * * 7', 'day of week'], // robfig's day of week is 0–6: 7 is not Sunday here
    ['0 0 * * FRI-MON', 'day of week'], // a range must go upwards
    ['10-5 * * * *', 'minute'],
    ['*/0 * * * *', 'minute'], // a step must be positive
    ['0 0 * * MONDAY', 'day of week'], // three-letter names only
    ['-1 * * * *', 'minute'],
    ['5-10-15 * * * *', 'minute'],
    ['1/2/3 * * * *', 'minute'],
    ['L * * * *', 'minute'], // Quartz extensions are not part of the format
    ['0 0 1W * *', 'day of month'],
    ['0 0 * * 1#2', 'day of week'],
  ])('%j: %s out of range or malformed', (schedule, field) => {
    const problem = scheduleProblem(schedule);
    expect(problem).toContain(`${field} "`);
    expect(problem).toContain('is not valid');
  });

  it.each(['@DAILY', '@Daily', '@reboot', '@every', '@every 1x'])('%j: not a macro the API server knows', (schedule) => {
    expect(scheduleProblem(schedule)).toMatch(/is not a schedule macro/);
  });

  // robfig/cron itself reads TZ=/CRON_TZ= prefixes, but the API server refuses them when a
  // CronJob is created (spec.timeZone is the supported way): the message must say so.
  it.each(['TZ=Europe/Paris 0 7 * * *', 'CRON_TZ=UTC 0 7 * * *'])('%j: a time zone in the schedule', (schedule) => {
    expect(scheduleProblem(schedule)).toMatch(/time zone inside the schedule.*refused.*spec\.timeZone/);
  });
});
