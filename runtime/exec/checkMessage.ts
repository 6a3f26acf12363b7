import protobuf from 'protobufjs';

/** At most this deep a JSON message may nest: a recursive schema must not recurse without end. */
const depthMax = 64;
const int32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const uint32 = { min: 0, max: 2 ** 32 - 1 };
const int64Text = /^-?(0|[1-9][0-9]{0,18})$/;
const uint64Text = /^(0|[1-9][0-9]{0,19})$/;
const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/;
/** Base64 (standard or URL-safe, padding optional) that decodes: one character past a group of four is no byte. */
const isBase64 = (text: string): boolean => base64Text.test(text) && text.replace(/=+$/, '').length % 4 !== 1;

/** The first problem found, as `field "a.b[2]": why`, or undefined when the value fits. */
export type MessageProblem = string | undefined;

/** A field's proto3 JSON name: lowerCamelCase of its proto name (`reply_to` → `replyTo`). */
export const jsonName = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a JSON value against a proto3 message type, as the proto3 JSON mapping writes it:
 * every key must name a field (by its proto name or lowerCamelCase JSON name), unknown keys are
 * refused, 64-bit integers may be numbers or decimal strings, enums names or numbers, bytes base64.
 * @example checkMessage(root.lookupType('Request'), { y: 4 }) // undefined: it fits
 */
export function checkMessage(type: protobuf.Type, value: unknown): MessageProblem {
  return checkObject(type, value, '', 0);
}

function checkObject(type: protobuf.Type, value: unknown, at: string, depth: number): MessageProblem {
  if (depth > depthMax) return `${where(at)}: nests deeper than ${depthMax} messages`;
  if (!isPlainObject(value)) return `${where(at)}: must be a JSON object (message ${type.name})`;
  const fields = new Map<string, protobuf.Field>();
  for (const field of type.fieldsArray) {
    fields.set(field.name, field);
    fields.set(jsonName(field.name), field);
  }
  const seen = new Set<protobuf.Field>();
  const oneofsSet = new Map<string, string>();
  for (const [key, item] of Object.entries(value)) {
    const field = fields.get(key);
    const path = at === '' ? key : `${at}.${key}`;
    if (field === undefined) return `${where(path)}: no such field in message ${type.name}`;
    if (seen.has(field)) return `${where(path)}: field ${field.name} given twice`;
    seen.add(field);
    if (item === null) continue; // proto3 JSON: null means the default value
    const oneof = field.partOf;
    if (oneof !== null && oneof.oneof.length > 1) {
      const other = oneofsSet.get(oneof.name);
      if (other !== undefined) return `${where(path)}: oneof ${oneof.name} already has ${other}`;
      oneofsSet.set(oneof.name, field.name);
    }
    const problem = checkField(field, item, path, depth);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkField(field: protobuf.Field, value: unknown, at: string, depth: number): MessageProblem {
  if (field.map) {
    if (!isPlainObject(value)) return `${where(at)}: must be a JSON object (map)`;
    const keyType = (field as unknown as protobuf.MapField).keyType;
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = checkMapKey(keyType, key);
      if (keyProblem !== undefined) return `${where(`${at}[${JSON.stringify(key)}]`)}: ${keyProblem}`;
      const problem = checkSingle(field, item, `${at}[${JSON.stringify(key)}]`, depth);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) return `${where(at)}: must be a JSON array (repeated ${field.type})`;
    for (let index = 0; index < value.length; index++) {
      const problem = checkSingle(field, value[index], `${at}[${index}]`, depth);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return checkSingle(field, value, at, depth);
}

function checkMapKey(keyType: string, key: string): string | undefined {
  if (keyType === 'string') return undefined;
  if (keyType === 'bool') return key === 'true' || key === 'false' ? undefined : 'map key must be "true" or "false"';
  return /^-?[0-9]+$/.test(key) ? checkScalar(keyType, key) : `map key must be a whole number (${keyType})`;
}

function checkSingle(field: protobuf.Field, value: unknown, at: string, depth: number): MessageProblem {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return checkObject(resolved, value, at, depth + 1);
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string') return value in resolved.values ? undefined : `${where(at)}: ${value} is not a value of enum ${resolved.name}`;
    if (Number.isInteger(value)) return checkScalar('int32', value);
    return `${where(at)}: must be a name or number of enum ${resolved.name}`;
  }
  const problem = checkScalar(field.type, value);
  return problem === undefined ? undefined : `${where(at)}: ${problem}`;
}

function checkScalar(type: string, value: unknown): string | undefined {
  switch (type) {
    case 'double':
    case 'float':
      return typeof value === 'number' || value === 'NaN' || value === 'Infinity' || value === '-Infinity' ? undefined : `must be a number (${type})`;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return inRange(value, int32, type);
    case 'uint32':
    case 'fixed32':
      return inRange(value, uint32, type);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return Number.isSafeInteger(value) || (typeof value === 'string' && int64Text.test(value) && fitsInt64(value, true))
        ? undefined
        : `must be a whole number or decimal string (${type})`;
    case 'uint64':
    case 'fixed64':
      return (Number.isSafeInteger(value) && (value as number) >= 0) || (typeof value === 'string' && uint64Text.test(value) && fitsInt64(value, false))
        ? undefined
        : `must be a non-negative whole number or decimal string (${type})`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'must be true or false (bool)';
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'bytes':
      return typeof value === 'string' && isBase64(value) ? undefined : 'must be a base64 string (bytes)';
    default:
      return `has a type this checker does not know (${type})`;
  }
}

function inRange(value: unknown, range: { min: number; max: number }, type: string): string | undefined {
  const number = typeof value === 'string' && /^-?[0-9]+$/.test(value) ? Number(value) : value;
  return Number.isInteger(number) && (number as number) >= range.min && (number as number) <= range.max
    ? undefined
    : `must be a whole number from ${range.min} to ${range.max} (${type})`;
}

function fitsInt64(text: string, signed: boolean): boolean {
  const value = BigInt(text);
  return signed ? value >= -(2n ** 63n) && value < 2n ** 63n : value < 2n ** 64n;
}

function where(at: string): string {
  return at === '' ? 'the message' : `field "${at}"`;
}
