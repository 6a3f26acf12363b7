import type { z } from 'zod';
import { parseOrThrow } from '../../../schemas/index.ts';
import { callNode } from '../nodeClient.ts';

/** The node an action asks: its base URL (`http://127.0.0.1:8080`), and how long an answer may take. */
export interface NodeRef {
  readonly url: string;
  /** A node that has not answered within this long is NODE_UNREACHABLE; default: no limit. */
  readonly timeoutMs?: number;
}

/**
 * An action's parameters checked with the schema the node validates with, before asking: a
 * refusal is the AinError the node would answer (BAD_SCHEMA, `query field "state": …`), with
 * `part` naming where the node reads them (`path`, `query`).
 */
export function parametersOf<S extends z.ZodType>(part: string, schema: S, parameters: unknown): z.output<S> {
  return parseOrThrow(schema, parameters ?? {}, part);
}

/** `GET path` on the node; its refusal is thrown as its AinError. */
export function getFrom<T>(client: NodeRef, path: string): Promise<T> {
  return callNode<T>(client.url, 'GET', path, undefined, client.timeoutMs === undefined ? {} : { timeoutMs: client.timeoutMs });
}

/** A query string of the fields given (`?a=1&b=x`), or nothing. */
export function queryOf(fields: Readonly<Record<string, string | number | undefined>>): string {
  const given = Object.entries(fields).filter((entry): entry is [string, string | number] => entry[1] !== undefined);
  return given.length === 0 ? '' : `?${new URLSearchParams(given.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}
