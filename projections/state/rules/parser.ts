import { isUtilName, utilArity, type BinaryOp, type Expr } from './ast.ts';
import { RuleSyntaxError, tokenize, type Token } from './lexer.ts';

export interface ParseLimits {
  readonly depthMax: number;
  readonly nodesMax: number;
}

const binaryPower: Record<string, number> = {
  '||': 2,
  '&&': 3,
  '===': 4,
  '!==': 4,
  '==': 4,
  '!=': 4,
  '<': 5,
  '<=': 5,
  '>': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
};
const unaryPower = 8;
const names = new Set(['auth', 'data', 'newData', 'currentTime', 'blockNumber']);
/** Words of JavaScript the language refuses, with the reason given back to the rule's author. */
const refusedWords = new Set([
  'function',
  'new',
  'this',
  'class',
  'delete',
  'void',
  'in',
  'instanceof',
  'yield',
  'await',
  'import',
  'export',
  'var',
  'let',
  'const',
  'return',
  'if',
  'else',
  'for',
  'while',
  'do',
  'with',
  'switch',
  'case',
  'throw',
  'try',
  'catch',
  'super',
  'arguments',
  'eval',
  'globalThis',
  'window',
  'process',
  'require',
  'Function',
  'Object',
  'Array',
  'Math',
  'JSON',
  'String',
  'Number',
]);
/** Property names that lead to JavaScript internals: never accepted, however they are written. */
export const forbiddenProperties = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);
const authFields = new Set(['addr']);

class Parser {
  private i = 0;
  private nodes = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly limits: ParseLimits,
    private readonly variables: ReadonlySet<string>,
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private fail(message: string, at = this.peek().at): never {
    throw new RuleSyntaxError(message, at);
  }
  private expect(value: string): void {
    const token = this.next();
    if (token.kind !== 'punct' || token.value !== value) this.fail(`expected ${value} but found ${describe(token)}`, token.at);
  }
  private isPunct(value: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.value === value;
  }

  /** Counts the node and checks that its depth stays in bounds (depth 1 + the deepest child). */
  private node(expr: Expr, ...children: Expr[]): Expr {
    if (++this.nodes > this.limits.nodesMax) this.fail(`more than ${this.limits.nodesMax} expression nodes`);
    let depth = 1;
    for (const child of children) depth = Math.max(depth, 1 + depthOf.get(child)!);
    if (depth > this.limits.depthMax) this.fail(`expressions nested deeper than ${this.limits.depthMax}`);
    depthOf.set(expr, depth);
    return expr;
  }

  parseRule(): Expr {
    const expr = this.expression(0, 0);
    if (this.peek().kind !== 'end') this.fail(`unexpected ${describe(this.peek())}`);
    return expr;
  }

  /** Pratt parsing: a prefix, then operators binding tighter than `minPower`. */
  private expression(minPower: number, nesting: number): Expr {
    if (nesting > this.limits.depthMax) this.fail(`expressions nested deeper than ${this.limits.depthMax}`);
    let left = this.prefix(nesting);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') break;
      if (t.value === '?' && minPower <= 1) {
        this.next();
        const a = this.expression(1, nesting + 1);
        this.expect(':');
        const b = this.expression(1, nesting + 1);
        left = this.node({ t: 'cond', c: left, a, b }, left, a, b);
        continue;
      }
      const power = binaryPower[t.value];
      if (power === undefined || power <= minPower) break;
      this.next();
      const right = this.expression(power, nesting + 1);
      const expr: Expr =
        t.value === '&&'
          ? { t: 'and', l: left, r: right }
          : t.value === '||'
            ? { t: 'or', l: left, r: right }
            : { t: 'binary', op: t.value as BinaryOp, l: left, r: right };
      left = this.node(expr, left, right);
    }
    return left;
  }

  private prefix(nesting: number): Expr {
    const t = this.next();
    if (t.kind === 'punct' && (t.value === '!' || t.value === '-' || t.value === '+')) {
      const e = this.expression(unaryPower - 1, nesting + 1);
      return this.node({ t: 'unary', op: t.value, e }, e);
    }
    if (t.kind === 'name' && t.value === 'typeof') {
      const e = this.expression(unaryPower - 1, nesting + 1);
      return this.node({ t: 'unary', op: 'typeof', e }, e);
    }
    return this.postfix(this.primary(t, nesting), nesting);
  }

  private primary(t: Token, nesting: number): Expr {
    if (t.kind === 'num' || t.kind === 'str') return this.node({ t: 'lit', v: t.value });
    if (t.kind === 'punct' && t.value === '(') {
      const e = this.expression(0, nesting + 1);
      this.expect(')');
      return e;
    }
    if (t.kind !== 'name') this.fail(`unexpected ${describe(t)}`, t.at);
    return this.nameExpr(t, nesting);
  }

  private nameExpr(t: Token, nesting: number): Expr {
    const name = t.value as string;
    if (name === 'true' || name === 'false') return this.node({ t: 'lit', v: name === 'true' });
    if (name === 'null') return this.node({ t: 'lit', v: null });
    if (name === 'undefined') return this.node({ t: 'lit', v: undefined });
    if (name.startsWith('$')) {
      if (!this.variables.has(name)) this.fail(`the path variable ${name}, which the rule's path does not bind`, t.at);
      return this.node({ t: 'var', n: name });
    }
    if (names.has(name)) return this.node({ t: 'name', n: name as 'auth' });
    if (name === 'getValue') {
      const args = this.callArgs(nesting);
      if (args.length !== 1) this.fail('getValue with other than one argument', t.at);
      return this.node({ t: 'getValue', e: args[0]! }, args[0]!);
    }
    if (name === 'util') return this.utilCall(t, nesting);
    if (refusedWords.has(name)) this.fail(`${name}, which the rule language leaves out`, t.at);
    return this.fail(`the unknown name ${name} (names: auth, data, newData, currentTime, blockNumber, getValue, util and path variables)`, t.at);
  }

  private utilCall(t: Token, nesting: number): Expr {
    this.expect('.');
    const fn = this.next();
    if (fn.kind !== 'name' || !isUtilName(fn.value))
      this.fail(`util.${fn.value}, which is not a helper (helpers: ${Object.keys(utilArity).join(', ')})`, fn.at);
    const args = this.callArgs(nesting);
    if (args.length !== utilArity[fn.value]) this.fail(`util.${fn.value} with ${args.length} arguments; it takes ${utilArity[fn.value]}`, t.at);
    return this.node({ t: 'util', fn: fn.value, args }, ...args);
  }

  private callArgs(nesting: number): Expr[] {
    if (!this.isPunct('(')) this.fail('a helper named but not called');
    this.next();
    const args: Expr[] = [];
    while (!this.isPunct(')')) {
      if (args.length > 0) this.expect(',');
      if (args.length >= 4) this.fail('a call with too many arguments');
      args.push(this.expression(0, nesting + 1));
    }
    this.next();
    return args;
  }

  private postfix(expr: Expr, nesting: number): Expr {
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        const p = this.next();
        if (p.kind !== 'name') this.fail(`a property name after "." but found ${describe(p)}`, p.at);
        if (forbiddenProperties.has(p.value)) this.fail(`access to ${p.value}`, p.at);
        if (expr.t === 'name' && expr.n === 'auth' && !authFields.has(p.value)) this.fail(`auth.${p.value} (auth has: ${[...authFields].join(', ')})`, p.at);
        expr = this.node({ t: 'member', o: expr, p: p.value }, expr);
      } else if (this.isPunct('[')) {
        this.next();
        const e = this.expression(0, nesting + 1);
        this.expect(']');
        if (e.t === 'lit' && typeof e.v === 'string' && forbiddenProperties.has(e.v)) this.fail(`access to ${e.v}`);
        expr = this.node({ t: 'index', o: expr, e }, expr, e);
      } else if (this.isPunct('(')) {
        this.fail('a call of something that is not getValue or a util helper');
      } else {
        return expr;
      }
    }
  }
}

const depthOf = new WeakMap<Expr, number>();

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end of the rule' : JSON.stringify(String(t.value));
}

/**
 * Parses a rule into its AST, or throws RuleSyntaxError saying what is refused and where.
 * @example parseRule("auth.addr === $user", limits, new Set(['$user']))
 */
export function parseRule(source: string, limits: ParseLimits, variables: ReadonlySet<string>): Expr {
  const tokens = tokenize(source, limits.nodesMax * 4);
  return new Parser(tokens, limits, variables).parseRule();
}
