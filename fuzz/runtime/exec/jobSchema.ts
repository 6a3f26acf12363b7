// Target `jobSchema`: proto3 job schemas (built from the grammar, then edited) through
// parseJobSchema and rpc(), and job messages through checkRequest/checkReply (checkMessage). A
// schema refuses only with BAD_JOB_SCHEMA; checkMessage answers with a sentence, never a throw;
// and a message it accepts must be one protobufjs can build and encode.
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { parseJobSchema } from '../../../runtime/exec/index.ts';
import { applyEdits, awkwardJson, ownObject, type TextEdit } from '../../arbitraries/json.ts';
import { attempt, diverge, Finding, whereThrown, type Target } from '../../harness.ts';

const scalars = [
  'double',
  'float',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
  'bool',
  'string',
  'bytes',
];
const typeNames = ['Req', 'Rep', 'Item'];
const fieldNames = ['y', 'x', 'node', 'a_b', 'aB', 'items', 'kind', 'value', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'length', 'inner'];
/** Mostly right, sometimes wrong: a schema that never parses tests nothing past the parser. */
const mostly = <T>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<T>) => fc.oneof({ arbitrary: right, weight: 12 }, { arbitrary: wrong, weight: 1 });
const type = mostly(
  fc.oneof(
    { arbitrary: fc.constantFrom(...scalars), weight: 4 },
    { arbitrary: fc.constantFrom(...typeNames, 'Kind'), weight: 2 },
    { arbitrary: fc.constantFrom('map<string, Item>', 'map<int64, string>', 'map<bool, Kind>', 'map<uint32, Req>'), weight: 1 },
  ),
  fc.constantFrom('Missing', 'map<float, int32>', 'google.protobuf.Any', 'Inner'),
);
const fields = fc
  .uniqueArray(fc.constantFrom(...fieldNames), { maxLength: 5 })
  .chain((ns) =>
    fc.tuple(
      ...ns.map((n, i) =>
        fc
          .tuple(
            mostly(fc.constantFrom('', '', 'repeated '), fc.constantFrom('optional ', 'required ', 'repeated repeated ')),
            type,
            mostly(fc.constant(i + 1), fc.constantFrom(0, -1, 19000, 536_870_912, 1, 1.5)),
          )
          .map(([label, t, no]) => ({ n, text: `${t.startsWith('map<') ? '' : label}${t} ${n} = ${no};` })),
      ),
    ),
  );
const message = (name: string) =>
  fc
    .tuple(
      fields,
      fc.option(fc.constantFrom(['oneof_a', 'oneof_b'], ['oneof_a']), { freq: 3 }),
      fc.boolean(),
      fc.option(mostly(fc.constant('A = 0; B = 1;'), fc.constantFrom('A = 1;', 'A = 0; A = 1;', 'toString = 0; __proto__ = 1;')), { freq: 2 }),
    )
    .map(([fs, oneof, nested, en]) => {
      const oneofText = oneof === null ? '' : `oneof choice { ${oneof.map((n, i) => `string ${n} = ${fs.length + i + 1};`).join(' ')} }`;
      return `message ${name} { ${fs.map((f) => f.text).join(' ')} ${oneofText} ${nested ? 'message Inner { string s = 1; Req r = 2; }' : ''} ${en === null ? '' : `enum Kind { ${en} }`} }`;
    });
const rpc = (name: string) =>
  fc
    .tuple(
      mostly(fc.constant(''), fc.constant('stream ')),
      fc.constantFrom(...typeNames),
      mostly(fc.constant(''), fc.constant('stream ')),
      mostly(fc.constantFrom(...typeNames), fc.constant('Kind')),
    )
    .map(([s1, a, s2, b]) => `rpc ${name} (${s1}${a}) returns (${s2}${b}) {}`);
const schema = fc
  .tuple(
    mostly(fc.constant('syntax = "proto3";'), fc.constantFrom('syntax = "proto2";', '', 'syntax = "proto4";')),
    fc.constantFrom('', '', 'package job.v1;', 'import "other.proto";', 'option java_package = "x";'),
    fc.tuple(message('Req'), message('Rep'), fc.option(message('Item'), { freq: 2 })),
    fc.tuple(rpc('Run'), rpc('Rank')).map(([a, b]) => `service Worker { ${a} ${b} }`),
    fc.option(
      rpc('Rank').map((r) => `service Evaluator { ${r} }`),
      { freq: 2 },
    ),
    mostly(fc.constant('enum Kind { A = 0; B = 1; }'), fc.constantFrom('', 'enum Kind { }', 'message Kind {}')),
  )
  .map(([syntax, header, [req, rep, item], worker, evaluator, en]) =>
    [syntax, header, req, rep, item ?? 'message Item { string s = 1; }', worker, evaluator ?? '', en].join('\n'),
  );
const edit = fc.record({
  kind: fc.constantFrom('insert' as const, 'delete' as const, 'repeat' as const, 'truncate' as const, 'replace' as const),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 10 }),
  token: fc.constantFrom('{', '}', ';', '=', '"', '<', '>', '(', 'message', 'stream', '//', '/*', '\u0000', 'é'),
});

/** Message values keyed by the schema's field names (and their JSON names), with values of every shape. */
const scalarValue = fc.oneof(
  awkwardJson,
  fc.constantFrom(
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775809',
    '18446744073709551616',
    'NaN',
    'Infinity',
    '-0',
    'AAAA',
    'A',
    'A=',
    '====',
    'A',
    'B',
    'UNKNOWN',
    '__proto__',
    'toString',
  ),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, -1, 1.5, 1e300),
);
const messageValue: fc.Arbitrary<unknown> = fc.letrec<{ m: unknown }>((tie) => ({
  m: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    { arbitrary: scalarValue, weight: 2 },
    { arbitrary: fc.array(tie('m'), { maxLength: 3 }), weight: 1 },
    {
      arbitrary: fc
        .array(
          fc.tuple(fc.oneof(fc.constantFrom(...fieldNames, 'oneofA', 'oneof_a', 'oneof_b', 's', 'r', 'A', '1', 'true'), fc.string({ maxLength: 3 })), tie('m')),
          { maxLength: 4 },
        )
        .map(ownObject),
      weight: 3,
    },
  ),
})).m;

export interface JobSchemaInput {
  readonly proto: string;
  readonly service: string;
  readonly rpc: string;
  readonly reply: boolean;
  /** Choices that build a message from the schema's own fields (most of the time), else `value` as it is. */
  readonly choices: readonly number[];
  readonly value: unknown;
}

const scalarPool: Record<string, readonly unknown[]> = {
  double: [0, -1.5, 1e308, 'NaN', 'Infinity', '-Infinity', '1'],
  int32: [0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, '12', '-0', 1.5],
  uint32: [0, 1, 2 ** 32 - 1, 2 ** 32, -1, '7'],
  int64: [0, -1, 2 ** 53, '9223372036854775807', '9223372036854775808', '-9223372036854775808', '01', 1.5],
  uint64: [0, '18446744073709551615', '18446744073709551616', -1, '1'],
  bool: [true, false, 'true', 0],
  string: ['', 'x', '\u0000', 'é', 1],
  bytes: ['', 'AAAA', 'YQ==', 'a-_b', '====', 'é'],
};
const poolOf = (type: string) =>
  scalarPool[
    type
      .replace(/^(s|u)?fixed/, (m) => (m === 'fixed' ? 'uint' : m === 'sfixed' ? 'int' : m))
      .replace(/^sint/, 'int')
      .replace('float', 'double')
  ] ?? scalarPool.string!;
const jsonName = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A message of `type` built from its own fields: each present or not, under its proto or JSON name, sometimes wrong. */
function messageFor(type: protobuf.Type, next: () => number, depth: number): unknown {
  const entries: [string, unknown][] = [];
  for (const field of type.fieldsArray) {
    const c = next();
    if (c % 3 === 0) continue;
    const key = c % 5 === 1 ? jsonName(field.name) : field.name;
    const single = (): unknown => {
      const pick = next();
      if (pick % 23 === 0) return ['x', 1, null, [], {}, true][pick % 6];
      const resolved = field.resolvedType;
      if (resolved instanceof protobuf.Type) return depth >= 4 ? null : messageFor(resolved, next, depth + 1);
      if (resolved instanceof protobuf.Enum) {
        const names = Object.keys(resolved.values);
        return pick % 4 === 0 ? names[pick % names.length] : pick % 4 === 1 ? pick % 3 : ['toString', 'hasOwnProperty', 'C'][pick % 3];
      }
      const pool = poolOf(field.type);
      return pool[pick % pool.length];
    };
    if (field.map) entries.push([key, ownObject([[['k', '1', 'true', '-5', '18446744073709551616'][next() % 5]!, single()]])]);
    else if (field.repeated) entries.push([key, next() % 7 === 0 ? single() : [single(), single()]]);
    else entries.push([key, single()]);
  }
  const extra = next();
  if (extra % 11 === 0) entries.push([['unknown', '__proto__', 'toString'][extra % 3]!, 1]);
  return ownObject(entries);
}

function withoutPrototypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPrototypes);
  if (value === null || typeof value !== 'object') return value;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) copy[key] = withoutPrototypes(item);
  return copy;
}

/** An enum value written as a name that is not one of the enum's own names, as `field "a": X`; else undefined. */
function unknownEnumName(type: protobuf.Type, value: unknown, depth: number): string | undefined {
  if (depth > 8 || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const field = type.fields[key] ?? type.fieldsArray.find((f) => jsonName(f.name) === key);
    if (field === undefined || !Object.hasOwn(type.fields, field.name)) continue;
    const items = field.map && item !== null && typeof item === 'object' ? Object.values(item) : Array.isArray(item) ? item : [item];
    for (const one of items) {
      if (field.resolvedType instanceof protobuf.Enum && typeof one === 'string' && !Object.hasOwn(field.resolvedType.values, one))
        return `"${key}" holds ${JSON.stringify(one)}, not a name of enum ${field.resolvedType.name}`;
      if (field.resolvedType instanceof protobuf.Type) {
        const inner = unknownEnumName(field.resolvedType, one, depth + 1);
        if (inner !== undefined) return inner;
      }
    }
  }
  return undefined;
}

export const jobSchemaTarget: Target<JobSchemaInput> = {
  name: 'jobSchema',
  about: 'proto3 job schemas (grammar-built, edited) through parseJobSchema and rpc(), job messages through checkRequest/checkReply',
  inputMs: 250,
  pure: true,
  arbitrary: fc.record({
    proto: fc
      .tuple(
        schema,
        fc.oneof({ arbitrary: fc.constant([] as TextEdit[]), weight: 3 }, { arbitrary: fc.array(edit, { minLength: 1, maxLength: 3 }), weight: 1 }),
      )
      .map(([text, edits]) => applyEdits(text, edits)),
    service: mostly(fc.constantFrom('Worker', 'Evaluator'), fc.constantFrom('Req', 'Nope', '__proto__', 'constructor', 'job.v1.Worker')),
    rpc: mostly(fc.constantFrom('Run', 'Rank'), fc.constantFrom('CalculateRoot', '__proto__', 'toString', 'constructor')),
    reply: fc.boolean(),
    choices: fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 24 }),
    value: messageValue,
  }),
  check(input) {
    const parsed = attempt(() => parseJobSchema(input.proto));
    if (!parsed.ok) {
      if (parsed.code !== 'BAD_JOB_SCHEMA') diverge(`parseJobSchema refuses with ${parsed.code}, not BAD_JOB_SCHEMA`);
      return;
    }
    const found = attempt(() => parsed.value.rpc(input.service, input.rpc));
    if (!found.ok) {
      if (found.code !== 'BAD_JOB_SCHEMA') diverge(`rpc() refuses with ${found.code}, not BAD_JOB_SCHEMA`);
      return;
    }
    const rpc = found.value;
    const type: protobuf.Type = input.reply ? rpc.replyType : rpc.requestType;
    let at = 0;
    const next = () => input.choices[at++ % input.choices.length]! + at;
    const value = input.choices[0]! % 5 === 0 ? input.value : messageFor(type, next, 0);
    let problem: string | undefined;
    try {
      problem = input.reply ? rpc.checkReply(value) : rpc.checkRequest(value);
    } catch (error) {
      throw new Finding('crash', `checkMessage threw instead of answering with a sentence: ${String(error)} (at ${whereThrown(error)})`);
    }
    if (problem !== undefined) return;
    const unknown = unknownEnumName(type, value, 0);
    if (unknown !== undefined) diverge(`checkMessage accepts a ${type.name} whose enum field ${unknown}`);
    try {
      // protobufjs reads fields through the prototype chain (a field named toString): give it none.
      type.encode(type.fromObject(withoutPrototypes(value) as Record<string, unknown>)).finish();
    } catch (error) {
      diverge(`checkMessage accepts a ${type.name} that protobufjs cannot build: ${(error as Error).message}`);
    }
  },
};
