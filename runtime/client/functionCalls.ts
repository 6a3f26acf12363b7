import { createHash } from 'node:crypto';
import type { FunctionCall } from '../../actors/index.ts';
import type { KeyPair } from '../../log/index.ts';
import { canonicalBytes } from '../../log/index.ts';
import { AinError } from '../../schemas/index.ts';
import { signBlobAuth } from '../storage/index.ts';
import { errorFromAnswer } from './nodeClient.ts';

// HTTP calls of functions (docs/api.md, "Functions on HTTP calls"): a caller's invoke, and a
// function worker's take and answer, each signed as Big Storage requests are.

const sha256Of = (value: unknown): string => createHash('sha256').update(canonicalBytes(value)).digest('hex');

/** What a signed call signs (method PUT): the SHA-256 of the RFC 8785 JSON of `{ function, path, input? }`. */
export const invokeHash = (functionId: string, body: { readonly path: string; readonly input?: unknown }): string =>
  sha256Of({ function: functionId, ...body });
/** What a worker's take signs (method GET): the SHA-256 of the RFC 8785 JSON of `{ invocations: owner }`. */
export const takeHash = (owner: string): string => sha256Of({ invocations: owner });
/** What a worker's answer signs (method PUT): the SHA-256 of the RFC 8785 JSON of `{ invocation, output }` or `{ invocation, error }`. */
export const answerHash = (invocation: string, answer: object): string => sha256Of({ invocation, ...answer });

async function send<T>(nodeUrl: string, path: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, nodeUrl), init);
  } catch (cause) {
    if ((cause as Error).name === 'AbortError') throw cause;
    throw new AinError('NODE_UNREACHABLE', `No node answers at ${nodeUrl} (${(cause as Error).message}); start one with "ain node --data DIR".`, { cause });
  }
  if (response.status === 204) return undefined as T;
  const answer = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok || answer === undefined) throw errorFromAnswer(nodeUrl, response.status, answer);
  return answer as T;
}

/** What `POST /v1/functions/<id>/invoke` answers. */
export interface FunctionOutput {
  readonly function: string;
  readonly path: string;
  readonly functionPath: string;
  /** The function's owner, whose worker ran it. */
  readonly worker: string;
  readonly output: unknown;
  /** From the call's arrival to the worker's answer, on the node. */
  readonly ms: number;
}

/**
 * Calls function `id` at `path` (a path its pattern matches) with `input` and resolves with its
 * output; signed by `key` when given (the function sees the caller's address). UNKNOWN_FUNCTION,
 * NO_FUNCTION_WORKER, FUNCTION_TIMEOUT, FUNCTION_FAILED.
 * @example const { output } = await invokeFunction({ url }, { id: 'upper', path: '/apps/echo/requests/r1', input: 'hi' })
 */
export function invokeFunction(
  client: { readonly url: string },
  { id, path, input, key }: { readonly id: string; readonly path: string; readonly input?: unknown; readonly key?: KeyPair },
): Promise<FunctionOutput> {
  const body = { path, ...(input === undefined ? {} : { input }) };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers['authorization'] = signBlobAuth({ key, method: 'INVOKE', hash: invokeHash(id, body), timeMs: Date.now() });
  return send(client.url, `/v1/functions/${encodeURIComponent(id)}/invoke`, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** A call as a function worker takes it (runtime/api/invocations.ts): what its FunctionCallActor runs. */
export type TakenInvocation = FunctionCall;

/** A function worker's long poll for the calls of its key's functions waiting on the node (empty when none came within `waitMs`). */
export async function takeInvocations({
  nodeUrl,
  key,
  waitMs = 20_000,
  max = 16,
  signal,
}: {
  readonly nodeUrl: string;
  readonly key: KeyPair;
  readonly waitMs?: number;
  /** Calls to take at most (1-16): what the worker has room to run. */
  readonly max?: number;
  readonly signal?: AbortSignal;
}): Promise<TakenInvocation[]> {
  const authorization = signBlobAuth({ key, method: 'TAKE', hash: takeHash(key.address), timeMs: Date.now() });
  const answer = await send<{ invocations: TakenInvocation[] }>(nodeUrl, `/v1/functions/invocations?owner=${key.address}&waitMs=${waitMs}&max=${max}`, {
    headers: { authorization },
    ...(signal === undefined ? {} : { signal }),
  });
  return answer.invocations;
}

/** A function worker's answer to a call it took: the function's output, or its error. */
export async function answerInvocation({
  nodeUrl,
  key,
  invocation,
  answer,
}: {
  readonly nodeUrl: string;
  readonly key: KeyPair;
  readonly invocation: string;
  readonly answer: { readonly output: unknown } | { readonly error: { readonly code: string; readonly message: string } };
}): Promise<void> {
  const authorization = signBlobAuth({ key, method: 'ANSWER', hash: answerHash(invocation, answer), timeMs: Date.now() });
  await send(nodeUrl, `/v1/functions/invocations/${invocation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify(answer),
  });
}
