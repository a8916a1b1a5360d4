// SPDX-License-Identifier: Apache-2.0
// Custom demand expressions: plain arithmetic over named signals compiles and evaluates; anything that
// could reach outside the sandbox (imports, definitions, assignments, property access, units, matrices,
// strings), that fails on a dry run or that cannot give a finite number is refused with a message saying
// why; a compiled expression that fails at run time evaluates to NaN rather than throwing.
import { describe, expect, it } from 'vitest';
import { SignalNames } from '../../src/decision/signals.js';
import { compileExpression, maxExpressionNodes } from '../../src/policy/expressions.js';

const functionList = 'min, max, ceil, floor, round, abs, sqrt, exp, log, log2, log10, pow';
const onlyAllowed = `(only numbers, signals, operators, ?: and ${functionList})`;
const dryRun = 'fails on a dry run with every signal = 1:';

function compiled(source: string) {
  const result = compileExpression(source, SignalNames);
  if (!result.ok) throw new Error(`expected ${source} to compile, got: ${result.message}`);
  return result.expression;
}

function rejection(source: string): string | undefined {
  const result = compileExpression(source, SignalNames);
  return result.ok ? undefined : result.message;
}

/** `a + b + ... ` of `count` ones: 2 x count - 1 nodes. */
const sumOfOnes = (count: number): string => Array.from({ length: count }, () => '1').join(' + ');

describe('allowed expressions', () => {
  it.each([
    {
      source: 'prefill_tokens_per_s / 40000',
      scope: { prefill_tokens_per_s: 120_000 },
      value: 3,
    },
    { source: 'max(decode_active / 64, 1)', scope: { decode_active: 32 }, value: 1 },
    { source: 'max(decode_active / 64, 1)', scope: { decode_active: 320 }, value: 5 },
    { source: 'prefill_waiting > 10 ? 4 : 1', scope: { prefill_waiting: 11 }, value: 4 },
    { source: 'prefill_waiting > 10 ? 4 : 1', scope: { prefill_waiting: 10 }, value: 1 },
    {
      source: 'ceil(prefill_request_rate * prefill_input_tokens / 40000)',
      scope: { prefill_request_rate: 12, prefill_input_tokens: 5000 },
      value: 2,
    },
    { source: 'min(decode_kv_usage * 40, 32)', scope: { decode_kv_usage: 0.5 }, value: 20 },
    { source: 'min(decode_kv_usage * 40, 32)', scope: { decode_kv_usage: 0.95 }, value: 32 },
    {
      source: 'decode_tpot_ms > 30 and decode_active > 100 ? decode_ready + 2 : decode_ready',
      scope: { decode_tpot_ms: 35, decode_active: 150, decode_ready: 6 },
      value: 8,
    },
    { source: 'floor(prefill_waiting / 8) + 1', scope: { prefill_waiting: 17 }, value: 3 },
    { source: 'round(prefill_kv_usage * 10)', scope: { prefill_kv_usage: 0.25 }, value: 3 },
    {
      source: 'abs(prefill_waiting - decode_waiting)',
      scope: { prefill_waiting: 2, decode_waiting: 5 },
      value: 3,
    },
    { source: 'sqrt(decode_active) / 4', scope: { decode_active: 64 }, value: 2 },
    { source: 'log(prefill_waiting + 1, 2)', scope: { prefill_waiting: 7 }, value: 3 },
    { source: 'log10(prefill_tokens_per_s)', scope: { prefill_tokens_per_s: 1000 }, value: 3 },
    { source: 'log2(decode_ready)', scope: { decode_ready: 8 }, value: 3 },
    { source: 'exp(0) + pow(2, 3)', scope: {}, value: 9 },
    { source: 'prefill_waiting ^ 2', scope: { prefill_waiting: 3 }, value: 9 },
    { source: 'prefill_waiting % 4', scope: { prefill_waiting: 7 }, value: 3 },
    { source: '-prefill_waiting + 10', scope: { prefill_waiting: 3 }, value: 7 },
    { source: '2 prefill_ready', scope: { prefill_ready: 3 }, value: 6 },
    { source: '(1 + 2) * 3', scope: {}, value: 9 },
    { source: '4', scope: {}, value: 4 },
    {
      source: 'prefill_ttft_ms > 500 or decode_tpot_ms > 25',
      scope: { prefill_ttft_ms: 600, decode_tpot_ms: 10 },
      value: 1,
    },
    { source: 'not (prefill_waiting > 0)', scope: { prefill_waiting: 3 }, value: 0 },
    { source: 'prefill_waiting == 3', scope: { prefill_waiting: 3 }, value: 1 },
  ])('$source with $scope evaluates to $value', ({ source, scope, value }) => {
    expect(compiled(source).evaluate(scope)).toBeCloseTo(value, 12);
  });

  it('keeps the source and lists each signal it reads once, in order of first use', () => {
    const expression = compiled('max(prefill_waiting, decode_waiting) + prefill_waiting / prefill_ready');
    expect(expression.source).toBe('max(prefill_waiting, decode_waiting) + prefill_waiting / prefill_ready');
    expect(expression.signals).toEqual(['prefill_waiting', 'decode_waiting', 'prefill_ready']);
  });

  it('lists no signals for a constant expression', () => {
    expect(compiled('ceil(7 / 2)').signals).toEqual([]);
  });

  it('is frozen and leaves the scope it evaluates untouched', () => {
    const expression = compiled('prefill_waiting + 1');
    const scope = Object.freeze({ prefill_waiting: 2 });
    expect(expression.evaluate(scope)).toBe(3);
    expect(scope).toEqual({ prefill_waiting: 2 });
    expect(Object.isFrozen(expression)).toBe(true);
  });

  it('evaluates to NaN, never throws, when a signal makes a function call invalid', () => {
    // The dry run passes (every signal = 1); a fractional number of decimals makes mathjs throw later.
    const expression = compiled('round(prefill_tokens_per_s / 40000, prefill_waiting)');
    expect(expression.evaluate({ prefill_tokens_per_s: 50_000, prefill_waiting: 2 })).toBe(1.25);
    expect(expression.evaluate({ prefill_tokens_per_s: 50_000, prefill_waiting: 0.5 })).toBeNaN();
  });

  it('compiles against the signal names it is given, not a fixed list', () => {
    const result = compileExpression('queue_depth / 5', ['queue_depth']);
    expect(result.ok && result.expression.evaluate({ queue_depth: 20 })).toBe(4);
    expect(compileExpression('prefill_waiting', ['queue_depth'])).toEqual({
      ok: false,
      message: 'unknown signal "prefill_waiting" (known: queue_depth)',
    });
  });

  it(`allows exactly ${maxExpressionNodes} nodes`, () => {
    // 50 ones, 49 additions and one parenthesis.
    expect(compileExpression(`(${sumOfOnes(50)})`, SignalNames).ok).toBe(true);
  });
});

describe('refused expressions', () => {
  it.each([
    { source: 'import({}, {})', message: `function import is not allowed (allowed: ${functionList})` },
    { source: 'evaluate("1")', message: `function evaluate is not allowed (allowed: ${functionList})` },
    { source: 'createUnit("x")', message: `function createUnit is not allowed (allowed: ${functionList})` },
    { source: 'parse("1")', message: `function parse is not allowed (allowed: ${functionList})` },
    { source: 'simplify("x")', message: `function simplify is not allowed (allowed: ${functionList})` },
    { source: 'cos(0)', message: `function cos is not allowed (allowed: ${functionList})` },
    { source: 'a = 1', message: `contains an assignment, which is not allowed ${onlyAllowed}` },
    { source: '[1, 2]', message: `contains a matrix or list, which is not allowed ${onlyAllowed}` },
    { source: '{a: 1}', message: `contains an object, which is not allowed ${onlyAllowed}` },
    { source: '1:3', message: `contains a range, which is not allowed ${onlyAllowed}` },
    { source: 'x = 1; x', message: `contains several statements, which is not allowed ${onlyAllowed}` },
    { source: '"40000"', message: 'only numeric constants are allowed' },
    { source: 'true', message: 'only numeric constants are allowed' },
    { source: '5!', message: 'operator ! is not allowed' },
    { source: 'prefill_waiting & 1', message: 'operator & is not allowed' },
    { source: '2 to cm', message: 'operator to is not allowed' },
    {
      source: 'prefil_request_rate * 2',
      message: `unknown signal "prefil_request_rate" (known: ${SignalNames.join(', ')})`,
    },
    { source: 'pi * 2', message: `unknown signal "pi" (known: ${SignalNames.join(', ')})` },
    { source: sumOfOnes(51), message: 'has 101 nodes, more than the limit of 100' },
    {
      source: '1/0',
      message: 'must evaluate to a finite number (a dry run with every signal = 1 gave Infinity)',
    },
    {
      source: 'sqrt(-1)',
      message: 'must evaluate to a finite number (a dry run with every signal = 1 gave NaN)',
    },
    {
      source: '1 / (prefill_waiting - 1)',
      message: 'must evaluate to a finite number (a dry run with every signal = 1 gave Infinity)',
    },
    {
      source: '1 < prefill_waiting < 3',
      message: `contains a chained comparison, which is not allowed ${onlyAllowed}`,
    },
    { source: 'f(x) = x', message: `contains a function definition, which is not allowed ${onlyAllowed}` },
    {
      source: 'prefill_request_rate.constructor',
      message: `contains property or index access, which is not allowed ${onlyAllowed}`,
    },
    {
      source: 'prefill_waiting[1]',
      message: `contains property or index access, which is not allowed ${onlyAllowed}`,
    },
    {
      source: 'prefill_waiting["constructor"]',
      message: `contains property or index access, which is not allowed ${onlyAllowed}`,
    },
    // Calls with the wrong number of arguments parse and pass the checks; the dry run catches them and
    // quotes mathjs, instead of throwing out of compileExpression.
    {
      source: 'max()',
      message: `${dryRun} Too few arguments in function max (expected: any, index: 0)`,
    },
    {
      source: 'min()',
      message: `${dryRun} Too few arguments in function min (expected: any, index: 0)`,
    },
    {
      source: 'pow(1)',
      message: `${dryRun} Too few arguments in function pow (expected: number or Complex or BigNumber or bigint or Fraction or string or boolean, index: 1)`,
    },
    {
      source: 'ceil()',
      message: `${dryRun} Too few arguments in function ceil (expected: number or Complex or BigNumber or bigint or Fraction or Array or Matrix or Unit or DenseMatrix or SparseMatrix or string or boolean, index: 0)`,
    },
    {
      source: 'round(1, 2, 3)',
      message: `${dryRun} Too many arguments in function round (expected: 2, actual: 3)`,
    },
  ])('$source: $message', ({ source, message }) => {
    expect(compileExpression(source, SignalNames)).toEqual({ ok: false, message });
  });

  it('quotes the parser when an expression does not parse', () => {
    expect(rejection('prefill_waiting +')).toMatch(/^does not parse: /);
  });
});
