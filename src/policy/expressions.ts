// SPDX-License-Identifier: Apache-2.0
// Custom demand expressions: mathjs, compiled once at load, sandboxed. The mathjs security guide says
// to disable import, createUnit, evaluate, parse, simplify and derivative inside expressions; we go
// further and allow only an explicit list of node types and functions, so function definitions,
// assignments, property access, matrices and units cannot appear at all. Then, as KEDA does for its
// scaling-modifier formulas (style-anchors.md §2.5), we dry-run the compiled code on a dummy scope.
import { all, create, type MathNode } from 'mathjs';
import type { CompiledExpression } from '../decision/types.js';

type MathParse = (source: string) => MathNode;

/**
 * The sandboxed instance, built on first use: create(all) costs ~200 ms of typed-function setup,
 * which a policy without expressions (and every CLI start) should not pay.
 */
let sandboxParse: MathParse | undefined;

function sandbox(): MathParse {
  if (sandboxParse !== undefined) return sandboxParse;
  if (all === undefined) throw new Error('mathjs did not export its function set');
  const math = create(all, {});
  // Keep our own handle on parse before the expression-visible one is disabled (mathjs security guide).
  const parse = math.parse.bind(math) as MathParse;
  const disabled = (name: string) => () => {
    throw new Error(`function ${name} is disabled`);
  };
  const risky = ['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'compile', 'resolve'];
  math.import(Object.fromEntries(risky.map((n) => [n, disabled(n)])), { override: true });
  sandboxParse = parse;
  return parse;
}

const allowedFunctions = new Set([
  'min',
  'max',
  'ceil',
  'floor',
  'round',
  'abs',
  'sqrt',
  'exp',
  'log',
  'log2',
  'log10',
  'pow',
]);
const allowedOperators = new Set([
  'add',
  'subtract',
  'multiply',
  'divide',
  'pow',
  'mod',
  'unaryMinus',
  'unaryPlus',
  'larger',
  'smaller',
  'largerEq',
  'smallerEq',
  'equal',
  'unequal',
  'and',
  'or',
  'not',
]);
const allowedNodeTypes = new Set([
  'ConstantNode',
  'SymbolNode',
  'OperatorNode',
  'ParenthesisNode',
  'FunctionNode',
  'ConditionalNode',
]);
/** Bounded size: a demand formula is a line, not a program. */
export const maxExpressionNodes = 100;

export type ExpressionResult =
  | { readonly ok: true; readonly expression: CompiledExpression }
  | { readonly ok: false; readonly message: string };

function checkNode(
  node: MathNode,
  parent: MathNode | null,
  known: ReadonlySet<string>,
  signals: Set<string>,
): string | undefined {
  if (!allowedNodeTypes.has(node.type))
    return `${node.type.replace(/Node$/, '').toLowerCase()} is not allowed (only numbers, signals, operators and ${[...allowedFunctions].join(', ')})`;
  if (node.type === 'ConstantNode' && typeof (node as unknown as { value: unknown }).value !== 'number')
    return 'only numeric constants are allowed';
  if (node.type === 'OperatorNode' && !allowedOperators.has((node as unknown as { fn: string }).fn))
    return `operator ${(node as unknown as { op: string }).op} is not allowed`;
  if (node.type === 'FunctionNode') {
    const fn = (node as unknown as { fn: MathNode }).fn;
    const name = fn.type === 'SymbolNode' ? (fn as unknown as { name: string }).name : '';
    if (!allowedFunctions.has(name))
      return `function ${name || '(computed)'} is not allowed (allowed: ${[...allowedFunctions].join(', ')})`;
    return undefined;
  }
  if (node.type === 'SymbolNode') {
    const isCallee = parent?.type === 'FunctionNode' && (parent as unknown as { fn: MathNode }).fn === node;
    const name = (node as unknown as { name: string }).name;
    if (isCallee) return undefined;
    if (!known.has(name)) return `unknown signal "${name}" (known: ${[...known].join(', ')})`;
    signals.add(name);
  }
  return undefined;
}

/** Parses, checks and compiles one expression; `known` are the signal names it may use. */
export function compileExpression(source: string, known: readonly string[]): ExpressionResult {
  let root: MathNode;
  try {
    root = sandbox()(source);
  } catch (error) {
    return { ok: false, message: `does not parse: ${(error as Error).message}` };
  }
  const knownSet = new Set(known);
  const signals = new Set<string>();
  let count = 0;
  let problem: string | undefined;
  root.traverse((node, _path, parent) => {
    count++;
    problem ??= checkNode(node, parent, knownSet, signals);
  });
  if (count > maxExpressionNodes)
    return { ok: false, message: `has ${count} nodes, more than the limit of ${maxExpressionNodes}` };
  if (problem !== undefined) return { ok: false, message: problem };
  const code = root.compile();
  const evaluate = (scope: Readonly<Record<string, number>>): number => {
    const value: unknown = code.evaluate({ ...scope });
    return typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : Number.NaN;
  };
  const dryRun = evaluate(Object.fromEntries([...signals].map((name) => [name, 1])));
  if (!Number.isFinite(dryRun))
    return {
      ok: false,
      message: 'must evaluate to a finite number (dry run with every signal = 1 gave ' + String(dryRun) + ')',
    };
  return { ok: true, expression: Object.freeze({ source, signals: [...signals], evaluate }) };
}
