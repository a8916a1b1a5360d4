// SPDX-License-Identifier: Apache-2.0
// How the suite writes its figures, the same in the targets, the terminal, the docs tables and the
// HTML report, so a number quoted from one can be found in the others.

/** 0.98594 -> "98.59%". */
export const percent = (fraction: number): string => `${(fraction * 100).toFixed(2)}%`;

/** GPU-hours over the oracle's: 1.1234 -> "1.12x"; "-" when there is no oracle figure. */
export const times = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '-');

/** Goodput per GPU-hour, whole requests: 2403.4 -> "2,403". */
export const perGpuHour = (value: number): string => Math.round(value).toLocaleString('en-US');

/** 432.1 s -> "7 min 12 s (432 s)". */
export function spanOfTime(seconds: number): string {
  const s = Math.round(seconds);
  const minutes = Math.floor(s / 60);
  return minutes === 0 ? `${s} s` : `${minutes} min ${s % 60} s (${s} s)`;
}

/** A difference of shares in percentage points: 0.0123 -> "1.23 pp"; "-" when there is no figure. */
export const pp = (fraction: number): string =>
  Number.isFinite(fraction) ? `${(fraction * 100).toFixed(2)} pp` : '-';
