// SPDX-License-Identifier: Apache-2.0
// Fewer points than pixels: an hour of 5 s ticks is 720 points on a 560 px wide plot, and drawing
// them all made a three-policy fragment cost tens of milliseconds. Each bucket keeps its peak, so a
// demand spike or an SLO breach never disappears from the chart when the history is thinned.

export interface Downsampled {
  readonly xs: readonly number[];
  readonly ys: readonly number[];
}

/** The largest finite value in `ys[from, to)`; NaN (a gap: unknown) when there is none. */
function peak(ys: readonly number[], from: number, to: number): number {
  let best = Number.NaN;
  for (let i = from; i < to; i++) {
    const y = ys[i];
    if (y !== undefined && Number.isFinite(y) && (Number.isNaN(best) || y > best)) best = y;
  }
  return best;
}

/**
 * At most `maxPoints` + 1 step points: each bucket starts at its first x and holds its peak; a closing
 * point at the last x keeps the line reaching the newest sample.
 * pre: `xs` ascending, `xs.length === ys.length`, `maxPoints >= 1`.
 */
export function downsamplePeaks(
  xs: readonly number[],
  ys: readonly number[],
  maxPoints: number,
): Downsampled {
  const n = xs.length;
  if (n <= maxPoints) return { xs, ys };
  const outX: number[] = [];
  const outY: number[] = [];
  for (let b = 0; b < maxPoints; b++) {
    const from = Math.floor((b * n) / maxPoints);
    const to = Math.floor(((b + 1) * n) / maxPoints);
    outX.push(xs[from] as number);
    outY.push(peak(ys, from, to));
  }
  outX.push(xs[n - 1] as number);
  outY.push(outY[outY.length - 1] as number);
  return { xs: outX, ys: outY };
}
