import type { StateLimits } from '../limits.ts';
import type { BinaryOp, Expr, UtilName } from './ast.ts';
import { includesText } from './includesText.ts';
import { forbiddenProperties } from './parser.ts';
import { isObject, looseEquals, memberOf, strictEquals, toNumber, toText, truthy, TreeView, typeOf, type AuthRecord, type RuleValue } from './values.ts';

/** What a rule can see while it decides one write. */
export interface RuleEnv {
  readonly auth: AuthRecord;
  readonly data: RuleValue;
  readonly newData: RuleValue;
  readonly vars: ReadonlyMap<string, string>;
  readonly currentTime: number;
  readonly blockNumber: number;
  /** The tree as it stands before the write; a path that is not valid reads as null. */
  readonly getValue: (path: string) => RuleValue;
  readonly limits: StateLimits;
}

/**
 * A rule that ran past its step, read or string limit: EVAL_LIMIT, never a crash. `steps` is the
 * work done before the refusal, never more than the budget: work is charged before it is done.
 */
export class EvalLimitError extends Error {
  constructor(
    message: string,
    readonly steps: number,
  ) {
    super(message);
  }
}

/** A rule's result and the steps it took (AST nodes plus string work, see `charge`). */
export interface Evaluation {
  readonly value: RuleValue;
  readonly steps: number;
}

interface Run {
  readonly env: RuleEnv;
  steps: number;
  /** Characters of string work not yet counted as a whole step. */
  chars: number;
  reads: number;
}

/**
 * Runs a parsed rule. Recursion is bounded by the AST depth the parser checked; steps, reads and
 * built strings by the limits, whose breach throws EvalLimitError. Steps are units of work, never
 * of time, so every node refuses the same rules.
 */
export function evaluate(expr: Expr, env: RuleEnv): Evaluation {
  const run: Run = { env, steps: 0, chars: 0, reads: 0 };
  const value = ev(expr, run);
  return { value, steps: run.steps };
}

function spend(run: Run, steps: number): void {
  const max = run.env.limits.evalStepsMax;
  if (run.steps + steps > max)
    throw new EvalLimitError(`more than ${max} steps (a step is an expression or ${run.env.limits.evalCharsPerStep} characters of string work)`, run.steps);
  run.steps += steps;
}

/**
 * Charges `chars` characters of string work, before it is done: anything that reads a string's
 * characters (compares, converts, searches, joins, hashes it as a key) costs its length, so a rule's
 * time is bounded by its step budget whatever the size of the values it is given.
 */
function charge(run: Run, chars: number): void {
  const perStep = run.env.limits.evalCharsPerStep;
  const total = run.chars + chars;
  spend(run, Math.floor(total / perStep));
  run.chars = total % perStep;
}

function charsOf(v: RuleValue): number {
  return typeof v === 'string' ? v.length : 0;
}

function ev(x: Expr, run: Run): RuleValue {
  spend(run, 1);
  switch (x.t) {
    case 'lit':
      return x.v;
    case 'name':
      return x.n === 'auth' ? run.env.auth : run.env[x.n];
    case 'var':
      return run.env.vars.get(x.n) ?? null;
    case 'member':
      return memberOf(ev(x.o, run), x.p);
    case 'index': {
      const o = ev(x.o, run);
      const key = toText(ev(x.e, run));
      charge(run, key.length);
      return forbiddenProperties.has(key) ? undefined : memberOf(o, key);
    }
    case 'unary': {
      const v = ev(x.e, run);
      if (x.op === '-' || x.op === '+') charge(run, charsOf(v));
      return unary(x.op, v);
    }
    case 'and': {
      const l = ev(x.l, run);
      return truthy(l) ? ev(x.r, run) : l;
    }
    case 'or': {
      const l = ev(x.l, run);
      return truthy(l) ? l : ev(x.r, run);
    }
    case 'cond':
      return truthy(ev(x.c, run)) ? ev(x.a, run) : ev(x.b, run);
    case 'binary': {
      const l = ev(x.l, run);
      const r = ev(x.r, run);
      charge(run, charsOf(l) + charsOf(r));
      return binary(x.op, l, r, run);
    }
    case 'getValue': {
      const path = ev(x.e, run);
      if (run.reads + 1 > run.env.limits.evalReadsMax) throw new EvalLimitError(`more than ${run.env.limits.evalReadsMax} getValue reads`, run.steps);
      run.reads++;
      if (typeof path !== 'string') return null;
      // A path longer than the limit reads null by its length alone, before any of it is read.
      charge(run, Math.min(path.length, run.env.limits.pathCharsMax + 1));
      return run.env.getValue(path);
    }
    case 'util': {
      const args = x.args.map((a) => ev(a, run));
      if (x.fn === 'startsWith' || x.fn === 'endsWith' || x.fn === 'includes') charge(run, charsOf(args[0]) + charsOf(args[1]));
      return util(x.fn, args);
    }
  }
}

function unary(op: '!' | '-' | '+' | 'typeof', v: RuleValue): RuleValue {
  switch (op) {
    case '!':
      return !truthy(v);
    case '-':
      return -toNumber(v);
    case '+':
      return toNumber(v);
    case 'typeof':
      return typeOf(v);
  }
}

/** ToPrimitive for `+` and comparisons: objects turn into their text, as in JavaScript. */
function primitive(v: RuleValue): Exclude<RuleValue, object> {
  return isObject(v) ? toText(v) : v;
}

function binary(op: BinaryOp, l: RuleValue, r: RuleValue, run: Run): RuleValue {
  switch (op) {
    case '===':
      return strictEquals(l, r);
    case '!==':
      return !strictEquals(l, r);
    case '==':
      return looseEquals(l, r);
    case '!=':
      return !looseEquals(l, r);
    case '+': {
      const a = primitive(l);
      const b = primitive(r);
      if (typeof a !== 'string' && typeof b !== 'string') return toNumber(a) + toNumber(b);
      const text = toText(a) + toText(b);
      if (text.length > run.env.limits.evalStringCharsMax)
        throw new EvalLimitError(`a string longer than ${run.env.limits.evalStringCharsMax} characters`, run.steps);
      return text;
    }
    case '-':
      return toNumber(l) - toNumber(r);
    case '*':
      return toNumber(l) * toNumber(r);
    case '/':
      return toNumber(l) / toNumber(r);
    case '%':
      return toNumber(l) % toNumber(r);
    default:
      return compare(op, primitive(l), primitive(r));
  }
}

function compare(op: '<' | '<=' | '>' | '>=', a: Exclude<RuleValue, object>, b: Exclude<RuleValue, object>): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

const addressPattern = /^0x[0-9a-f]{40}$/;

function util(fn: UtilName, args: RuleValue[]): RuleValue {
  const [a, b] = args;
  switch (fn) {
    case 'isString':
      return typeof a === 'string';
    case 'isNumber':
      return typeof a === 'number' && Number.isFinite(a);
    case 'isInteger':
      return Number.isInteger(a);
    case 'isBool':
    case 'isBoolean':
      return typeof a === 'boolean';
    case 'isDict':
      return a instanceof TreeView;
    case 'isEmpty':
      return a === null || a === undefined || (a instanceof TreeView && (a.node.children?.size ?? 0) === 0);
    case 'isValAddr':
      return typeof a === 'string' && addressPattern.test(a);
    case 'length':
      return typeof a === 'string' ? a.length : a instanceof TreeView ? (a.node.children?.size ?? 0) : 0;
    case 'startsWith':
      return typeof a === 'string' && typeof b === 'string' && a.startsWith(b);
    case 'endsWith':
      return typeof a === 'string' && typeof b === 'string' && a.endsWith(b);
    case 'includes':
      return typeof a === 'string' && typeof b === 'string' && includesText(a, b);
  }
}
