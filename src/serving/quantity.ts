// SPDX-License-Identifier: Apache-2.0
// Kubernetes `resource.Quantity` strings in canonical decimal-SI form, the `value` of every external
// metric item (docs/reference.md §B.3.4, §B.3.5). Exact decimal arithmetic on BigInt, so a
// float like 0.3 prints `300m`, never `299999999n`.

/** Decimal-SI suffixes by power of ten (§3.5); canonical form uses the largest that divides exactly. */
const suffixes: readonly (readonly [exponent: number, suffix: string])[] = [
  [18, 'E'],
  [15, 'P'],
  [12, 'T'],
  [9, 'G'],
  [6, 'M'],
  [3, 'k'],
  [0, ''],
  [-3, 'm'],
  [-6, 'u'],
  [-9, 'n'],
];

/** apimachinery keeps nano precision; anything finer is rounded up (§3.5: "0.1m will rounded up to 1m"). */
const finestExponent = -9;

/**
 * Largest magnitude written: the HPA reads `MilliValue()`, an int64, so a larger value would overflow
 * there (§3.5: "No quantity may exceed 2^63−1 in magnitude ... capped"; milli overflow above ~9.2e15).
 */
const maxMagnitude = (2n ** 63n - 1n) / 1000n;

/** A double's digits are reliable to 15 significant figures (IEEE 754 binary64, DBL_DIG). */
const reliableDigits = 15;

/** `|value|` as an exact integer count of 10^finestExponent units, rounded up past nano precision. */
function toNanos(magnitude: number): bigint {
  // Drop binary noise first: 0.1 + 0.2 is 0.30000000000000004, whose last digits would otherwise round up
  // to 300000001n, which the HPA's MilliValue() reads as 301m instead of 300m.
  const decimal = Number.isInteger(magnitude) ? magnitude : Number(magnitude.toPrecision(reliableDigits));
  // The shortest round-trip decimal of the double, e.g. `0.3`, `1.5e-7`, `3e+21`.
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(decimal.toString());
  if (match === null) throw new RangeError(`cannot format ${magnitude} as a quantity`);
  const [, whole = '', fraction = '', exponentText = '0'] = match;
  const digits = BigInt(whole + fraction);
  const shift = Number(exponentText) - fraction.length - finestExponent;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  const quotient = digits / divisor;
  return digits % divisor === 0n ? quotient : quotient + 1n;
}

/**
 * The canonical Quantity string for `value`: no fractional digits, the largest decimal-SI suffix that
 * keeps the number whole, sign only if negative (§3.5). Examples: 1.5 → `1500m`, 2000 → `2k`,
 * 1500 → `1500`, 0.0001 → `100u`. Sub-nano precision is rounded up (away from zero) to 1n, as
 * apimachinery does, so a tiny non-zero reading never prints `0`; the HPA's `MilliValue()` then rounds
 * `100u` up to 1m. Magnitudes whose milli value would overflow int64 are capped. Throws on NaN/±Infinity:
 * there is no Quantity for them and the caller must answer an error instead of a made-up number.
 */
export function formatQuantity(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot format ${value} as a quantity`);
  const sign = value < 0 ? '-' : '';
  let amount = toNanos(Math.abs(value));
  if (amount === 0n) return '0';
  const capNanos = maxMagnitude * 10n ** BigInt(-finestExponent);
  if (amount > capNanos) amount = capNanos;
  let exponent = finestExponent;
  while (exponent < 18 && amount % 1000n === 0n) {
    amount /= 1000n;
    exponent += 3;
  }
  const suffix = suffixes.find(([e]) => e === exponent)?.[1] ?? '';
  return `${sign}${amount}${suffix}`;
}
