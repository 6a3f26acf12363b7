import type { StateLimits } from '../limits.ts';
import { refuse, type Refusal } from '../outcome.ts';
import type { Expr } from './ast.ts';
import { evaluate, EvalLimitError, type RuleEnv } from './interpreter.ts';
import { truthy } from './values.ts';
import { RuleSyntaxError } from './lexer.ts';
import { parseRule } from './parser.ts';

/** A write rule as stored (`write`) and as run (its AST). */
export interface CompiledRule {
  readonly write: string | boolean;
  readonly expr: Expr;
}

/**
 * Parses a rule once, when it is set: anything outside the language is INVALID_RULE here, never
 * at evaluation. `variables` are the `$names` the rule's path binds.
 * @example compileRule('auth.addr === $user', new Set(['$user']), defaultLimits, '/apps/chat/$user')
 */
export function compileRule(write: string | boolean, variables: ReadonlySet<string>, limits: StateLimits, path: string): CompiledRule | Refusal {
  if (typeof write === 'boolean') return { write, expr: { t: 'lit', v: write } };
  if (typeof write !== 'string') return refuse('INVALID_RULE', `The rule for ${path} must be a string or a boolean.`);
  if (write.length > limits.ruleCharsMax) return refuse('INVALID_RULE', `The rule for ${path} is longer than ${limits.ruleCharsMax} characters.`);
  try {
    const expr = parseRule(write, { depthMax: limits.ruleDepthMax, nodesMax: limits.ruleNodesMax }, variables);
    return { write, expr };
  } catch (error) {
    if (error instanceof RuleSyntaxError) {
      return refuse('INVALID_RULE', `The rule for ${path} is refused at character ${error.at}: it has ${error.message}.`);
    }
    // Only a stack overflow could get here, and the depth limit is set far below it.
    if (error instanceof RangeError) return refuse('INVALID_RULE', `The rule for ${path} nests too deeply.`);
    throw error;
  }
}

export function isCompiledRule(x: CompiledRule | Refusal): x is CompiledRule {
  return 'expr' in x;
}

/**
 * Runs a rule: it passes when its result is truthy, as in the AI Network's implementation (which
 * takes `!!result`); EVAL_LIMIT when it runs too long.
 */
export function runRule(rule: CompiledRule, env: RuleEnv, path: string): boolean | Refusal {
  try {
    return truthy(evaluate(rule.expr, env).value);
  } catch (error) {
    if (error instanceof EvalLimitError) return refuse('EVAL_LIMIT', `The rule deciding the write at ${path} ran past its limit: ${error.message}.`);
    throw error;
  }
}
