import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import test from 'ava';

import { parseJobSchema } from '../../../runtime/exec/index.ts';
import { AinError, isAinError } from '../../../schemas/index.ts';
import { calculateRootProto } from './jobs.ts';

const schemaError = (text: string): AinError => {
  try {
    parseJobSchema(text);
  } catch (error) {
    if (isAinError(error, 'BAD_JOB_SCHEMA')) return error;
    throw error;
  }
  throw new Error('the schema parsed');
};

test('jobSchema: the sample schema checks the worker request and reply', (t) => {
  const rpc = parseJobSchema(calculateRootProto).rpc('Worker', 'CalculateRoot');
  t.is(rpc.requestType.name, 'Request');
  t.is(rpc.replyType.name, 'WorkerReply');
  t.is(rpc.checkRequest({ y: 4 }), undefined);
  t.is(rpc.checkReply({ x: 2 }), undefined);
  t.is(rpc.checkReply({}), undefined, 'proto3: every field may be left out');
  t.is(rpc.checkReply({ x: 'two' }), 'field "x": must be a number (float)');
  t.is(rpc.checkReply({ x: 2, y: 1 }), 'field "y": no such field in message WorkerReply');
  t.is(rpc.checkReply([2]), 'the message: must be a JSON object (message WorkerReply)');
});

test('jobSchema: the evaluator rpc checks nested and repeated messages, refusing unknown fields at any depth', (t) => {
  const rpc = parseJobSchema(calculateRootProto).rpc('Evaluator', 'EvaluateRoot');
  const evaluation = { request: { y: 4 }, workers: { workers: [{ node: '0xabc', response: { x: 2 } }] } };
  t.is(rpc.checkRequest(evaluation), undefined);
  t.is(
    rpc.checkRequest({ ...evaluation, workers: { workers: [{ node: '0xabc', response: { x: 2, z: 1 } }] } }),
    'field "workers.workers[0].response.z": no such field in message WorkerReply',
  );
  t.is(rpc.checkReply({ nodes: ['0xabc', '0xdef'] }), undefined);
  t.is(rpc.checkReply({ nodes: '0xabc' }), 'field "nodes": must be a JSON array (repeated string)');
});

test('jobSchema: scalars, enums, maps and oneofs follow the proto3 JSON mapping', (t) => {
  const proto = `syntax = "proto3";
    enum Kind { KIND_UNSET = 0; ROOT = 1; }
    message M {
      int32 small = 1; uint64 big = 2; bool flag = 3; bytes data = 4; Kind kind = 5;
      map<string, int32> counts = 6; oneof choice { string a = 7; int32 b = 8; } string snake_case = 9;
    }
    service S { rpc R (M) returns (M) {} }`;
  const { checkRequest: check } = parseJobSchema(proto).rpc('S', 'R');
  t.is(check({ small: -5, big: '18446744073709551615', flag: true, data: 'aGk=', kind: 'ROOT', counts: { a: 1 }, a: 'x', snakeCase: 's' }), undefined);
  t.is(check({ snake_case: 's', kind: 1, big: 7 }), undefined);
  t.regex(check({ small: 2 ** 31 }) ?? '', /field "small": must be a whole number/);
  t.regex(check({ big: '18446744073709551616' }) ?? '', /field "big"/);
  t.regex(check({ big: -1 }) ?? '', /field "big"/);
  t.regex(check({ flag: 'yes' }) ?? '', /field "flag": must be true or false/);
  t.regex(check({ kind: 'LEAF' }) ?? '', /LEAF is not a value of enum Kind/);
  t.regex(check({ counts: { a: 'one' } }) ?? '', /field "counts\["a"\]"/);
  t.regex(check({ a: 'x', b: 1 }) ?? '', /oneof choice already has a/);
});

test('jobSchema: text that does not parse is BAD_JOB_SCHEMA with line and column', (t) => {
  const error = schemaError('syntax = "proto3";\nmessage A {\n  float y = ;\n}\n');
  t.regex(error.message, /line 3, column \d+/);
  t.deepEqual(error.details.line, 3);
});

test('jobSchema: the paper sample as printed does not parse; the error points at `(Request, Workers)`', async (t) => {
  const paper = await readFile(join(process.cwd(), '../shared/reference/000_8917d145eff74411.txt'), 'utf8').catch(() => undefined);
  const start = paper?.indexOf('// The greeting service definition.') ?? -1;
  if (paper === undefined || start < 0) {
    t.pass('the reference text is not beside this checkout');
    return;
  }
  const sample = paper.slice(start, paper.indexOf('Sample worker.py', start));
  const error = schemaError(sample);
  t.regex(error.message, /at line 8, column 26: illegal token ','/);
});

test('jobSchema: a missing service, rpc or type is BAD_JOB_SCHEMA naming what is there', (t) => {
  const schema = parseJobSchema(calculateRootProto);
  t.throws(() => schema.rpc('Trainer', 'Train'), { message: /no service Trainer; it has Worker, Evaluator/ });
  t.throws(() => schema.rpc('Worker', 'Train'), { message: /no rpc Train; it has CalculateRoot/ });
  t.regex(schemaError('syntax = "proto3"; message A { B b = 1; }').message, /no such type|B/);
});

test('jobSchema: rpcsOf lists the rpcs of a service, and none for a service the schema lacks or a message', (t) => {
  const schema = parseJobSchema(calculateRootProto);
  t.deepEqual(schema.rpcsOf('Worker'), ['CalculateRoot']);
  t.deepEqual(schema.rpcsOf('Trainer'), []);
  t.deepEqual(schema.rpcsOf('Request'), []);
});

test('jobSchema: an rpc named like an Object property (toString, __proto__, constructor) is missing, not a crash', (t) => {
  const schema = parseJobSchema(calculateRootProto);
  for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
    const error = t.throws(() => schema.rpc('Worker', name));
    t.true(isAinError(error, 'BAD_JOB_SCHEMA'), `${name}: ${String(error)}`);
  }
});

test('jobSchema: two fields of a message with one JSON name (a_b and aB) are BAD_JOB_SCHEMA, as protoc has them', (t) => {
  const message = schemaError(
    'syntax = "proto3";\nmessage Reply { repeated double aB = 1; map<string, string> a_b = 2; }\nservice Worker { rpc Run (Reply) returns (Reply) {} }',
  ).message;
  t.regex(message, /Reply/);
  t.regex(message, /aB/);
  t.regex(message, /a_b/);
});

test('a bytes field takes base64 that decodes: one character past a group of four is refused, as protobufjs cannot build it', (t) => {
  const schema = parseJobSchema('syntax = "proto3";\nmessage Req {}\nmessage Rep { bytes kind = 1; }\nservice Worker { rpc Run (Req) returns (Rep) {} }');
  const rpc = schema.rpc('Worker', 'Run');
  for (const ok of ['', 'AA', 'AAA', 'AAAA', 'AA==', 'YQ=', '-_']) t.is(rpc.checkReply({ kind: ok }), undefined, ok);
  for (const bad of ['A', 'AAAAA', 'A===', 'a b']) t.is(rpc.checkReply({ kind: bad }), 'field "kind": must be a base64 string (bytes)', bad);
});
