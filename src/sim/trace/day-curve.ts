// SPDX-License-Identifier: Apache-2.0
// The 24-hour rate curve behind the day-shape transform: hourly levels joined smoothly, and the area
// under the curve and its inverse, which turn a source trace's clock into a day-shaped one.

/**
 * Relative request rate at each hour 00:00..23:00 of a typical interactive service: lowest at 04:00,
 * rising through the morning, flat from 14:00 to 20:00, falling through the late evening. Only the
 * form matters; `dayCurve` maps it onto [1 / peakToTrough, 1].
 */
export const defaultDiurnalCurve: readonly number[] = [
  0.4, 0.26, 0.14, 0.05, 0, 0.04, 0.12, 0.25, 0.42, 0.58, 0.7, 0.79, 0.86, 0.93, 1, 1, 1, 1, 1, 1, 1, 0.88,
  0.72, 0.56,
];

/** A day's rate shape, peak 1, as levels at each whole hour joined by half-cosine segments. */
export interface DayCurve {
  /** The shape at hours 0..23 (the curve wraps from 23:00 back to 00:00), in [1 / peakToTrough, 1]. */
  readonly levels: readonly number[];
  /** The area under the shape from 00:00 to each hour 0..24, in shape-hours; the last is the day's total. */
  readonly cumulative: readonly number[];
}

/**
 * Builds the shape from 24 hourly values of any positive scale: min-max normalized, then mapped onto
 * [1 / peakToTrough, 1], then rotated so that the lowest hour falls at `troughHour` (when given).
 */
export function dayCurve(hourly: readonly number[], peakToTrough: number, troughHour?: number): DayCurve {
  if (hourly.length !== 24 || !hourly.every((v) => Number.isFinite(v) && v >= 0)) {
    throw new RangeError(`a day curve needs 24 hourly values >= 0, got ${hourly.length} values`);
  }
  const low = Math.min(...hourly);
  const high = Math.max(...hourly);
  if (high === low) throw new RangeError('a day curve needs hourly values that vary');
  const floor = 1 / peakToTrough;
  const shift = troughHour === undefined ? 0 : troughHour - hourly.indexOf(low);
  const levels = hourly.map((_, hour) => {
    const value = hourly[(((hour - shift) % 24) + 24) % 24] ?? low;
    return floor + ((1 - floor) * (value - low)) / (high - low);
  });
  const cumulative = [0];
  for (let hour = 0; hour < 24; hour += 1) {
    cumulative.push((cumulative[hour] ?? 0) + segmentArea(levels, hour, 1));
  }
  return { levels, cumulative };
}

/** The shape's level at `hour` (0 <= hour <= 24): the half-cosine join of the two whole hours around it. */
export function levelAtHour(curve: DayCurve, hour: number): number {
  const whole = Math.min(23, Math.max(0, Math.floor(hour)));
  const fraction = hour - whole;
  const from = curve.levels[whole] ?? 0;
  const to = curve.levels[(whole + 1) % 24] ?? 0;
  return from + ((to - from) * (1 - Math.cos(Math.PI * fraction))) / 2;
}

/** The shape between whole hours: a half cosine from one level to the next (smooth, never overshoots). */
function segmentArea(levels: readonly number[], hour: number, fraction: number): number {
  const from = levels[hour] ?? 0;
  const to = levels[(hour + 1) % 24] ?? 0;
  return from * fraction + ((to - from) * (fraction - Math.sin(Math.PI * fraction) / Math.PI)) / 2;
}

/**
 * The hour of the day (0 <= h < 24) at which the area under the shape since 00:00 reaches `area`, or
 * undefined when the whole day holds less. The shape is positive, so the area grows strictly.
 */
export function hourAtArea(curve: DayCurve, area: number): number | undefined {
  const hour = curve.cumulative.findIndex(
    (_, index) => index < 24 && area < (curve.cumulative[index + 1] ?? 0),
  );
  if (hour < 0) return undefined;
  const within = area - (curve.cumulative[hour] ?? 0);
  let low = 0;
  let high = 1;
  // 50 halvings take the fraction of an hour to below 1e-15, finer than a millisecond at any duration.
  for (let step = 0; step < 50; step += 1) {
    const middle = (low + high) / 2;
    if (segmentArea(curve.levels, hour, middle) < within) low = middle;
    else high = middle;
  }
  return hour + low;
}
