// SPDX-License-Identifier: Apache-2.0
// Time-of-day floors: a 5-field cron expression (node-cron syntax) in a time zone. The floor applies
// during every minute the expression matches, e.g. `* 8-19 * * 1-5` is weekdays 08:00-19:59.
import cron from 'node-cron';

export type ScheduleResult =
  | { readonly ok: true; readonly isActive: (nowMs: number) => boolean }
  | { readonly ok: false; readonly field: 'cron' | 'timeZone'; readonly message: string };

function timeZoneValid(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function compileSchedule(expression: string, timeZone: string): ScheduleResult {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return {
      ok: false,
      field: 'cron',
      message: `has ${fields.length} fields, must have 5 (minute hour day-of-month month day-of-week)`,
    };
  }
  const checked = cron.validateDetailed(expression);
  if (!checked.valid) {
    const detail = checked.errors
      .map((e) => (e.value === undefined ? e.message : `${e.field} field "${e.value}" is not valid`))
      .join('; ');
    return { ok: false, field: 'cron', message: `is not a valid cron expression: ${detail}` };
  }
  if (!timeZoneValid(timeZone))
    return {
      ok: false,
      field: 'timeZone',
      message: 'is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)',
    };
  // createTask makes a stopped task (no timer); destroying it drops it from node-cron's registry and
  // keeps its matcher, which is all we use.
  const task = cron.createTask(expression, () => undefined, { timezone: timeZone });
  void task.destroy();
  return { ok: true, isActive: (nowMs) => task.match(new Date(Math.floor(nowMs / 60_000) * 60_000)) };
}
