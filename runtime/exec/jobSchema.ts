import protobuf from 'protobufjs';

import { AinError, type JobSchemaRef } from '../../schemas/index.ts';
import { checkMessage, jsonName, type MessageProblem } from './checkMessage.ts';

/** One rpc of a job schema: the message types that go in and come out, and their checks. */
export interface JobRpc {
  readonly service: string;
  readonly rpc: string;
  readonly requestType: protobuf.Type;
  readonly replyType: protobuf.Type;
  /** undefined when `value` is JSON of the request message, else the problem in a sentence. */
  checkRequest(value: unknown): MessageProblem;
  checkReply(value: unknown): MessageProblem;
}

/** A parsed proto3 job schema (`service Worker { rpc … }`, `service Evaluator { … }`, messages). */
export interface JobSchema {
  readonly root: protobuf.Root;
  /** Throws `BAD_JOB_SCHEMA` when the service or rpc is not in the schema. */
  rpc(service: string, rpc: string): JobRpc;
  /** The rpcs of `service`, by name; none when the schema has no such service. */
  rpcsOf(service: string): readonly string[];
}

/**
 * Parses proto3 text with protobufjs and resolves every type it names. Text that does not
 * parse throws `BAD_JOB_SCHEMA` whose sentence gives the line and column.
 * @example parseJobSchema(proto).rpc('Worker', 'CalculateRoot').checkReply({ x: 2 }) // undefined
 */
export function parseJobSchema(text: string): JobSchema {
  let root: protobuf.Root;
  try {
    root = protobuf.parse(text, { keepCase: true }).root;
    root.resolveAll();
  } catch (error) {
    throw schemaError(text, error);
  }
  checkJsonNames(root);
  return {
    root,
    rpcsOf(service) {
      const found = root.lookup(service);
      return found instanceof protobuf.Service ? Object.keys(found.methods) : [];
    },
    rpc(service, rpc) {
      const found = root.lookup(service);
      if (!(found instanceof protobuf.Service)) {
        throw new AinError('BAD_JOB_SCHEMA', `The job schema has no service ${service}; it has ${servicesOf(root).join(', ') || 'none'}.`);
      }
      // Own rpcs only: `methods` is a plain object, whose prototype has toString and constructor.
      const method = Object.hasOwn(found.methods, rpc) ? found.methods[rpc] : undefined;
      if (method === undefined) {
        throw new AinError(
          'BAD_JOB_SCHEMA',
          `Service ${service} of the job schema has no rpc ${rpc}; it has ${Object.keys(found.methods).join(', ') || 'none'}.`,
        );
      }
      method.resolve();
      const requestType = method.resolvedRequestType;
      const replyType = method.resolvedResponseType;
      if (requestType === null || replyType === null) throw new AinError('BAD_JOB_SCHEMA', `rpc ${service}.${rpc} names a type the job schema lacks.`);
      if (method.requestStream || method.responseStream) {
        throw new AinError('BAD_JOB_SCHEMA', `rpc ${service}.${rpc} streams; a job takes one request and gives one reply.`);
      }
      return {
        service,
        rpc,
        requestType,
        replyType,
        checkRequest: (value) => checkMessage(requestType, value),
        checkReply: (value) => checkMessage(replyType, value),
      };
    },
  };
}

/** Compiled rpcs by schema text, service and rpc: jobs run the same schema many times. */
const compiled = new Map<string, JobRpc>();
const compiledMax = 64;

/**
 * The rpc a run's spec names, parsed once and kept (the last 64 of them).
 * Throws `BAD_JOB_SCHEMA` like `parseJobSchema`.
 */
export function compileJobRpc(ref: JobSchemaRef): JobRpc {
  const key = `${ref.service}\u0000${ref.rpc}\u0000${ref.proto}`;
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  const rpc = parseJobSchema(ref.proto).rpc(ref.service, ref.rpc);
  if (compiled.size >= compiledMax) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, rpc);
  return rpc;
}

/**
 * Messages travel as proto3 JSON, where a field is named by its proto name or its lowerCamelCase
 * JSON name: two fields that share one (`a_b` and `aB`) would make a message ambiguous. protoc
 * refuses such a schema; so does this.
 */
function checkJsonNames(namespace: protobuf.NamespaceBase): void {
  for (const child of namespace.nestedArray) {
    if (child instanceof protobuf.Type) {
      const owner = new Map<string, string>();
      for (const field of child.fieldsArray) {
        for (const name of new Set([field.name, jsonName(field.name)])) {
          const other = owner.get(name);
          if (other !== undefined && other !== field.name) {
            throw new AinError(
              'BAD_JOB_SCHEMA',
              `Message ${child.name} of the job schema has fields ${other} and ${field.name}, which proto3 JSON both names ${name}; rename one.`,
            );
          }
          owner.set(name, field.name);
        }
      }
    }
    if (child instanceof protobuf.Namespace || child instanceof protobuf.Type) checkJsonNames(child);
  }
}

function servicesOf(root: protobuf.Root): string[] {
  const names: string[] = [];
  const visit = (namespace: protobuf.NamespaceBase): void => {
    for (const child of namespace.nestedArray) {
      if (child instanceof protobuf.Service) names.push(child.fullName.replace(/^\./, ''));
      else if (child instanceof protobuf.Namespace || child instanceof protobuf.Type) visit(child);
    }
  };
  visit(root);
  return names;
}

/** protobufjs says `illegal token 'x' (line 3)`; we add the column of that token in that line. */
function schemaError(text: string, error: unknown): AinError {
  const reason = error instanceof Error ? error.message : String(error);
  const match = /^(.*?)\s*\(line (\d+)\)$/.exec(reason);
  if (match === null) return new AinError('BAD_JOB_SCHEMA', `The job schema does not resolve: ${reason}.`, { cause: error });
  const [, what = reason, lineText = '1'] = match;
  const line = Number(lineText);
  const token = /'([^']*)'/.exec(what)?.[1];
  const lineSource = text.split('\n')[line - 1] ?? '';
  const found = token === undefined || token === '' ? -1 : lineSource.indexOf(token);
  const column = found >= 0 ? found + 1 : 1 + (lineSource.length - lineSource.trimStart().length);
  return new AinError('BAD_JOB_SCHEMA', `The job schema does not parse at line ${line}, column ${column}: ${what}.`, {
    cause: error,
    details: { line, column },
  });
}
