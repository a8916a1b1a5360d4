// SPDX-License-Identifier: Apache-2.0
// Schedule floors: a 5-field cron in an IANA time zone is active during every minute it matches, on
// the local wall clock of that zone (so across DST changes too); invalid input says which field is
// wrong and why.
import { describe, expect, it } from 'vitest';
import { compileSchedule } from '../../src/policy/schedules.js';

function schedule(cron: string, timeZone: string): (iso: string) => boolean {
  const result = compileSchedule(cron, timeZone);
  if (!result.ok) throw new Error(`expected ${cron} in ${timeZone} to compile, got: ${result.message}`);
  return (iso) => result.isActive(Date.parse(iso));
}

describe('weekday office hours in Europe/Berlin (* 9-17 * * 1-5)', () => {
  const active = schedule('* 9-17 * * 1-5', 'Europe/Berlin');

  it.each([
    { at: '2026-11-25T08:30:17Z', local: 'Wednesday 09:30:17 CET', expected: true },
    { at: '2026-11-25T08:00:00Z', local: 'Wednesday 09:00 CET, the first minute', expected: true },
    { at: '2026-11-25T07:59:59Z', local: 'Wednesday 08:59:59 CET', expected: false },
    { at: '2026-11-25T16:59:59Z', local: 'Wednesday 17:59:59 CET, the last minute', expected: true },
    { at: '2026-11-25T17:00:00Z', local: 'Wednesday 18:00 CET', expected: false },
    { at: '2026-11-25T17:30:00Z', local: 'Wednesday 18:30 CET', expected: false },
    { at: '2026-11-28T10:00:00Z', local: 'Saturday 11:00 CET', expected: false },
    { at: '2026-11-29T10:00:00Z', local: 'Sunday 11:00 CET', expected: false },
    { at: '2026-07-15T07:30:00Z', local: 'Wednesday 09:30 CEST (UTC+2 in summer)', expected: true },
    { at: '2026-07-15T15:30:00Z', local: 'Wednesday 17:30 CEST', expected: true },
    { at: '2026-07-15T16:30:00Z', local: 'Wednesday 18:30 CEST', expected: false },
  ])('at $at ($local) is active: $expected', ({ at, expected }) => {
    expect(active(at)).toBe(expected);
  });
});

describe('daylight saving time in America/New_York', () => {
  it('follows the local 09:00 hour across the March change from UTC-5 to UTC-4', () => {
    const nineOClock = schedule('* 9 * * *', 'America/New_York');
    // Friday 6 March 2026, EST: 09:30 is 14:30Z.
    expect(nineOClock('2026-03-06T14:30:00Z')).toBe(true);
    expect(nineOClock('2026-03-06T13:30:00Z')).toBe(false);
    // Monday 9 March 2026, EDT: 09:30 is 13:30Z.
    expect(nineOClock('2026-03-09T13:30:00Z')).toBe(true);
    expect(nineOClock('2026-03-09T14:30:00Z')).toBe(false);
  });

  it('never matches 02:xx on 8 March 2026, when clocks jump from 02:00 to 03:00', () => {
    const twoOClock = schedule('* 2 * * *', 'America/New_York');
    expect(twoOClock('2026-03-07T07:30:00Z')).toBe(true); // the day before: 02:30 EST
    const from = Date.parse('2026-03-08T05:00:00Z'); // 00:00 EST
    const minutes = Array.from({ length: 5 * 60 }, (_, i) => from + i * 60_000); // to 05:00 EDT
    expect(minutes.filter((ms) => twoOClock(new Date(ms).toISOString()))).toEqual([]);
  });

  it('matches 01:xx twice on 1 November 2026, when clocks fall back from 02:00 to 01:00', () => {
    const oneOClock = schedule('* 1 * * *', 'America/New_York');
    expect(oneOClock('2026-11-01T04:59:00Z')).toBe(false); // 00:59 EDT
    expect(oneOClock('2026-11-01T05:30:00Z')).toBe(true); // 01:30 EDT
    expect(oneOClock('2026-11-01T06:30:00Z')).toBe(true); // 01:30 EST
    expect(oneOClock('2026-11-01T07:00:00Z')).toBe(false); // 02:00 EST
  });
});

describe('matching minutes', () => {
  it('decides per whole minute: a step of */15 holds from hh:00:00.000 to hh:00:59.999', () => {
    const quarterly = schedule('*/15 * * * *', 'UTC');
    expect(quarterly('2026-11-25T20:00:00.000Z')).toBe(true);
    expect(quarterly('2026-11-25T20:00:59.999Z')).toBe(true);
    expect(quarterly('2026-11-25T20:01:00.000Z')).toBe(false);
    expect(quarterly('2026-11-25T20:15:30.000Z')).toBe(true);
  });

  it('accepts day names and reads 7 as Sunday', () => {
    const weekdays = schedule('* * * * MON-FRI', 'UTC');
    expect(weekdays('2026-11-27T12:00:00Z')).toBe(true); // Friday
    expect(weekdays('2026-11-28T12:00:00Z')).toBe(false); // Saturday
    expect(schedule('* * * * 7', 'UTC')('2026-11-29T12:00:00Z')).toBe(true); // Sunday
  });

  it('gives the same answer when asked again for the same or an earlier minute', () => {
    const active = schedule('* 9-17 * * 1-5', 'Europe/Berlin');
    const answers = [
      '2026-11-25T08:30:17Z',
      '2026-11-25T08:30:59Z',
      '2026-11-25T17:30:00Z',
      '2026-11-25T08:30:00Z',
    ].map(active);
    expect(answers).toEqual([true, true, false, true]);
  });
});

describe('invalid schedules', () => {
  const fiveFields = 'must have 5 (minute hour day-of-month month day-of-week)';

  it.each([
    { cron: '* 25 * * *', message: 'is not a valid cron expression: hour field "25" is not valid' },
    { cron: '60 * * * *', message: 'is not a valid cron expression: minute field "60" is not valid' },
    { cron: '* * 32 * *', message: 'is not a valid cron expression: dayOfMonth field "32" is not valid' },
    { cron: '* * * 13 *', message: 'is not a valid cron expression: month field "13" is not valid' },
    { cron: '* * * * 8', message: 'is not a valid cron expression: dayOfWeek field "8" is not valid' },
    { cron: '*/0 * * * *', message: 'is not a valid cron expression: minute field "*/0" is not valid' },
    {
      cron: 'a b * * *',
      message: 'is not a valid cron expression: minute field "a" is not valid; hour field "b" is not valid',
    },
    { cron: '0 * 8-19 * * 1-5', message: `has 6 fields, ${fiveFields}` },
    { cron: '* * * *', message: `has 4 fields, ${fiveFields}` },
    { cron: '@daily', message: `has 1 field, ${fiveFields}` },
  ])('cron $cron: $message', ({ cron, message }) => {
    expect(compileSchedule(cron, 'UTC')).toEqual({ ok: false, field: 'cron', message });
  });

  it.each(['Mars/Olympus', '', 'Europe/Berlin ', 'UTC+1'])('time zone "%s" is not IANA', (timeZone) => {
    expect(compileSchedule('* * * * *', timeZone)).toEqual({
      ok: false,
      field: 'timeZone',
      message: 'is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)',
    });
  });

  it('checks the cron before the time zone', () => {
    expect(compileSchedule('* * * * * *', 'Mars/Olympus')).toEqual({
      ok: false,
      field: 'cron',
      message: `has 6 fields, ${fiveFields}`,
    });
  });
});
