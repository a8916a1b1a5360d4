// SPDX-License-Identifier: Apache-2.0
// Custom demand expressions: mathjs, compiled once at load, sandboxed. The mathjs security guide says
// to disable import, createUnit, evaluate, parse, simplify and derivative inside expressions; we go
// further and allow only an explicit list of node types and functions, so function definitions,
// assignments, property access, matrices and units cannot appear at all. Then, as KEDA does for its
// scaling-modifier formulas (kedacore/keda apis/keda/v1alpha1/scaledobject_webhook.go validateScalingModifiersFormula), we dry-run the compiled code on a dummy scope.
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
/** What a rejected mathjs node is, in the policy author's words. */
const forbiddenNodeNames: Readonly<Record<string, string>> = {
  AccessorNode: 'property or index access',
  ArrayNode: 'a matrix or list',
  AssignmentNode: 'an assignment',
  BlockNode: 'several statements',
  FunctionAssignmentNode: 'a function definition',
  IndexNode: 'indexing',
  ObjectNode: 'an object',
  RangeNode: 'a range',
  RelationalNode: 'a chained comparison',
};

/** Bounded size: a demand formula is a line, not a program. */
export const maxExpressionNodes = 100;

export type ExpressionResult =
  | { readonly ok: true; readonly expression: CompiledExpression }
  | { readonly ok: false; readonly message: string };

function checkFunction(node: MathNode): string | undefined {
  const fn = (node as unknown as { fn: MathNode }).fn;
  const name = fn.type === 'SymbolNode' ? (fn as unknown as { name: string }).name : '';
  if (allowedFunctions.has(name)) return undefined;
  return `function ${name || '(computed)'} is not allowed (allowed: ${[...allowedFunctions].join(', ')})`;
}

function checkSymbol(
  node: MathNode,
  parent: MathNode | null,
  known: ReadonlySet<string>,
  signals: Set<string>,
): string | undefined {
  const isCallee = parent?.type === 'FunctionNode' && (parent as unknown as { fn: MathNode }).fn === node;
  if (isCallee) return undefined;
  const name = (node as unknown as { name: string }).name;
  if (!known.has(name)) return `unknown signal "${name}" (known: ${[...known].join(', ')})`;
  signals.add(name);
  return undefined;
}

function checkNode(
  node: MathNode,
  parent: MathNode | null,
  known: ReadonlySet<string>,
  signals: Set<string>,
): string | undefined {
  if (!allowedNodeTypes.has(node.type)) {
    const what = forbiddenNodeNames[node.type] ?? node.type.replace(/Node$/, '').toLowerCase();
    return `contains ${what}, which is not allowed (only numbers, signals, operators, ?: and ${[...allowedFunctions].join(', ')})`;
  }
  switch (node.type) {
    case 'ConstantNode':
      return typeof (node as unknown as { value: unknown }).value === 'number'
        ? undefined
        : 'only numeric constants are allowed';
    case 'OperatorNode':
      return allowedOperators.has((node as unknown as { fn: string }).fn)
        ? undefined
        : `operator ${(node as unknown as { op: string }).op} is not allowed`;
    case 'FunctionNode':
      return checkFunction(node);
    case 'SymbolNode':
      return checkSymbol(node, parent, known, signals);
    default:
      return undefined;
  }
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
  const run = (scope: Readonly<Record<string, number>>): number => {
    const value: unknown = code.evaluate({ ...scope });
    return typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : Number.NaN;
  };
  let dryRun: number;
  try {
    dryRun = run(Object.fromEntries([...signals].map((name) => [name, 1])));
  } catch (error) {
    return { ok: false, message: `fails on a dry run with every signal = 1: ${(error as Error).message}` };
  }
  if (!Number.isFinite(dryRun)) {
    return {
      ok: false,
      message: `must evaluate to a finite number (a dry run with every signal = 1 gave ${String(dryRun)})`,
    };
  }
  // A runtime error (e.g. round(x, n) with a fractional n) is an unknown value, never a crash.
  const evaluate = (scope: Readonly<Record<string, number>>): number => {
    try {
      return run(scope);
    } catch {
      return Number.NaN;
    }
  };
  return { ok: true, expression: Object.freeze({ source, signals: [...signals], evaluate }) };
}
