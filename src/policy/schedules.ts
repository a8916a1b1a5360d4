// SPDX-License-Identifier: Apache-2.0
// Time-of-day floors: a 5-field cron expression (node-cron syntax) in a time zone. The floor applies
// during every minute the expression matches, e.g. `* 8-19 * * 1-5` is weekdays 08:00-19:59.
// node-cron validates and expands the fields; matching is ours because node-cron's TimeMatcher builds
// new Intl formatters on every call (measured: ~7 us, 70% of a decide() in `npm run bench`). Here the
// formatter is built once per schedule and the answer is kept for the minute it belongs to.
import cron from 'node-cron';

export type ScheduleResult =
  | { readonly ok: true; readonly isActive: (nowMs: number) => boolean }
  | { readonly ok: false; readonly field: 'cron' | 'timeZone'; readonly message: string };

function formatterFor(timeZone: string): Intl.DateTimeFormat | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
  } catch {
    return undefined;
  }
}

const weekdays: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

interface Fields {
  readonly minute: ReadonlySet<number>;
  readonly hour: ReadonlySet<number>;
  readonly dayOfMonth: ReadonlySet<number>;
  readonly month: ReadonlySet<number>;
  readonly dayOfWeek: ReadonlySet<number>;
}

interface LocalMinute {
  readonly minuteStartMs: number;
  readonly parts: Readonly<Record<string, string>>;
}

/**
 * The local calendar fields of the last minute asked for, per time zone, shared by every schedule in
 * that zone: a thousand policies in Europe/Berlin format each minute once, not a thousand times.
 */
const lastMinuteByZone = new Map<string, LocalMinute>();

function localParts(
  timeZone: string,
  formatter: Intl.DateTimeFormat,
  minuteStartMs: number,
): Readonly<Record<string, string>> {
  const cached = lastMinuteByZone.get(timeZone);
  if (cached?.minuteStartMs === minuteStartMs) return cached.parts;
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(minuteStartMs)) parts[part.type] = part.value;
  lastMinuteByZone.set(timeZone, { minuteStartMs, parts });
  return parts;
}

/** node-cron semantics: every field must match (day-of-month AND day-of-week). */
function matcher(
  fields: Fields,
  timeZone: string,
  formatter: Intl.DateTimeFormat,
): (minuteStartMs: number) => boolean {
  return (minuteStartMs) => {
    const parts = localParts(timeZone, formatter, minuteStartMs);
    return (
      fields.minute.has(Number(parts.minute)) &&
      fields.hour.has(Number(parts.hour)) &&
      fields.dayOfMonth.has(Number(parts.day)) &&
      fields.month.has(Number(parts.month)) &&
      fields.dayOfWeek.has(weekdays[parts.weekday ?? ''] ?? -1)
    );
  };
}

function numericFields(expression: string): Fields | string {
  const parsed = cron.parse(expression);
  const special = [...parsed.dayOfMonth, ...parsed.dayOfWeek].find((v) => typeof v === 'string');
  if (special !== undefined)
    return `uses "${special}", which schedules do not support (use numbers, ranges, lists, steps and names)`;
  const set = (values: readonly (number | string)[]): ReadonlySet<number> => new Set(values.map(Number));
  return {
    minute: set(parsed.minute),
    hour: set(parsed.hour),
    dayOfMonth: set(parsed.dayOfMonth),
    month: set(parsed.month),
    dayOfWeek: set(parsed.dayOfWeek),
  };
}

export function compileSchedule(expression: string, timeZone: string): ScheduleResult {
  const fieldCount = expression.trim().split(/\s+/).length;
  if (fieldCount !== 5) {
    return {
      ok: false,
      field: 'cron',
      message: `has ${fieldCount} ${fieldCount === 1 ? 'field' : 'fields'}, must have 5 (minute hour day-of-month month day-of-week)`,
    };
  }
  const checked = cron.validateDetailed(expression);
  if (!checked.valid) {
    const detail = checked.errors
      .map((e) => (e.value === undefined ? e.message : `${e.field} field "${e.value}" is not valid`))
      .join('; ');
    return { ok: false, field: 'cron', message: `is not a valid cron expression: ${detail}` };
  }
  const fields = numericFields(expression);
  if (typeof fields === 'string') return { ok: false, field: 'cron', message: fields };
  const formatter = formatterFor(timeZone);
  if (formatter === undefined)
    return {
      ok: false,
      field: 'timeZone',
      message: 'is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)',
    };
  const matches = matcher(fields, timeZone, formatter);
  let cachedMinute = Number.NaN;
  let cachedActive = false;
  return {
    ok: true,
    isActive: (nowMs) => {
      const minute = Math.floor(nowMs / 60_000) * 60_000;
      if (minute !== cachedMinute) {
        cachedActive = matches(minute);
        cachedMinute = minute;
      }
      return cachedActive;
    },
  };
}
