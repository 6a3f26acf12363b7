import type { StateLimits } from '../limits.ts';
import type { BinaryOp, Expr, UtilName } from './ast.ts';
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

/** A rule that ran past its step, read or string limit: EVAL_LIMIT, never a crash. */
export class EvalLimitError extends Error {}

interface Run {
  readonly env: RuleEnv;
  steps: number;
  reads: number;
}

/**
 * Runs a parsed rule. Recursion is bounded by the AST depth the parser checked; steps, reads and
 * built strings by the limits, whose breach throws EvalLimitError.
 */
export function evaluate(expr: Expr, env: RuleEnv): RuleValue {
  return ev(expr, { env, steps: 0, reads: 0 });
}

function ev(x: Expr, run: Run): RuleValue {
  if (++run.steps > run.env.limits.evalStepsMax) throw new EvalLimitError(`more than ${run.env.limits.evalStepsMax} steps`);
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
      return forbiddenProperties.has(key) ? undefined : memberOf(o, key);
    }
    case 'unary':
      return unary(x.op, ev(x.e, run));
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
    case 'binary':
      return binary(x.op, ev(x.l, run), ev(x.r, run), run);
    case 'getValue': {
      const path = ev(x.e, run);
      if (++run.reads > run.env.limits.evalReadsMax) throw new EvalLimitError(`more than ${run.env.limits.evalReadsMax} getValue reads`);
      return typeof path === 'string' ? run.env.getValue(path) : null;
    }
    case 'util':
      return util(x.fn, x.args.map((a) => ev(a, run)));
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
      if (text.length > run.env.limits.evalStringCharsMax) throw new EvalLimitError(`a string longer than ${run.env.limits.evalStringCharsMax} characters`);
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
      return typeof a === 'string' ? a.length : a instanceof TreeView ? a.node.children?.size ?? 0 : 0;
    case 'startsWith':
      return typeof a === 'string' && typeof b === 'string' && a.startsWith(b);
    case 'endsWith':
      return typeof a === 'string' && typeof b === 'string' && a.endsWith(b);
    case 'includes':
      return typeof a === 'string' && typeof b === 'string' && a.includes(b);
  }
}
