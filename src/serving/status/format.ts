// SPDX-License-Identifier: Apache-2.0
// How the status page writes numbers and times: short, fixed formats by hand, because the fragment is
// rendered every poll and toLocaleString costs microseconds per call.

/** 2.345 -> "2.35", 1234.5 -> "1235", undefined -> "unknown" (unknown is not zero). */
export function formatValue(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return 'unknown';
  if (Math.abs(x) < 100) return Number(x.toFixed(2)).toString();
  return Math.round(x).toString();
}

/** "12:34:56" in UTC: the server and the browser may sit in different time zones. */
export function formatClockUtc(atMs: number): string {
  return new Date(atMs).toISOString().slice(11, 19);
}

/** "42 s", "3 min 5 s", "2 h 1 min": how long ago, to the second. */
export function formatAge(ageMs: number): string {
  const s = Math.max(0, Math.round(ageMs / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
