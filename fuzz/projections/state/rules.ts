// Target `rules`: the rule language's parser (compileRule) and interpreter, driven the way the
// ledger drives them: a rule set with `set_rule`, then a write it decides with `set_value`, on two
// trees that must agree. A write's rule runs inside a block's fold, so a slow rule is a hang of
// the node: the per-input budget is short.
import fc from 'fast-check';
import { compileRule, createStateTree, defaultLimits, isCompiledRule, type StateTree } from '../../../projections/index.ts';
import { ruleSource } from '../../arbitraries/rule.ts';
import { awkwardJson, awkwardNumber, ownObject } from '../../arbitraries/json.ts';
import { testKeys } from '../../arbitraries/tx.ts';
import { checkRefusal, diverge, type Target } from '../../harness.ts';

export interface RuleInput {
  readonly source: string;
  readonly variables: readonly string[];
  readonly data: unknown;
  readonly newData: unknown;
  readonly who: number;
}

const owner = testKeys[0]!.address;
const rulePath = '/apps/fz/$x/$y';
const valuePath = '/apps/fz/x1/y1';

/** Values a rule reads: long runs of a few characters (what string helpers work hardest on), numbers, subtrees. */
const ruleValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'ab', 'aab', 'b', '0x'), fc.integer({ min: 1, max: 4000 }))
      .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n)),
    weight: 3,
  },
  { arbitrary: fc.oneof(awkwardNumber, fc.boolean(), fc.constant(null), fc.constantFrom(owner, testKeys[1]!.address)), weight: 2 },
  {
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom('a', 'b', 'x1', 'length'), fc.oneof(fc.string({ maxLength: 8 }), fc.integer())), { minLength: 1, maxLength: 3 })
      .map(ownObject),
    weight: 1,
  },
  { arbitrary: awkwardJson, weight: 1 },
);

function decide(input: RuleInput): { codes: string[]; root: string; tree: StateTree } {
  const tree = createStateTree({ owner, rules: { '/apps': true } });
  const ctx = (addr: string | null) => ({ auth: { addr: addr as `0x${string}` | null }, time: 1_764_000_000_000, height: 5 });
  const codes = [
    tree.apply({ type: 'set_value', path: valuePath, value: input.data as never }, ctx(owner)),
    tree.apply({ type: 'set_rule', path: rulePath, value: { write: input.source } }, ctx(owner)),
    tree.apply({ type: 'set_value', path: valuePath, value: input.newData as never }, ctx(input.who < testKeys.length ? testKeys[input.who]!.address : null)),
  ].map((outcome) => {
    if (outcome.code !== 'ok') checkRefusal(outcome, 'a state op');
    return outcome.code;
  });
  return { codes, root: tree.root(), tree };
}

export const rulesTarget: Target<RuleInput> = {
  name: 'rules',
  about: 'rule sources (grammar-built, spliced with refused JavaScript, token soup) through compileRule and, as set_rule then set_value, the interpreter',
  inputMs: 100,
  pure: true,
  // What reaches the tree came through a tx or a genesis file, whose canonical JSON has no lone surrogates.
  arbitrary: fc
    .record({
      source: ruleSource,
      variables: fc.subarray(['$x', '$y', '$user']),
      data: ruleValue,
      newData: ruleValue,
      who: fc.nat({ max: testKeys.length }),
    })
    .map((input) => JSON.parse(JSON.stringify(input, (_k, v: unknown) => (typeof v === 'string' ? v.toWellFormed() : v))) as RuleInput),
  check(input) {
    const compiled = compileRule(input.source, new Set(input.variables), defaultLimits, rulePath);
    if (!isCompiledRule(compiled)) checkRefusal(compiled, 'compileRule');
    const one = decide(input);
    const two = decide(input);
    if (one.codes.join() !== two.codes.join() || one.root !== two.root)
      diverge(`the same rule and writes decide [${one.codes}] on one tree and [${two.codes}] on another`);
  },
  // Long values as what they repeat, e.g. "aaaa…(2711 characters of "a")"; the rule in full.
  describe: (input) =>
    JSON.stringify(input, (key, v: unknown) =>
      key !== 'source' && typeof v === 'string' && v.length > 200
        ? `${v.slice(0, 8)}…(${v.length} characters of ${JSON.stringify([...new Set(v)].join(''))})`
        : v,
    ),
};
