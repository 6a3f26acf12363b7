import { AinError, errorCodes, type ErrorCode } from '../../schemas/index.ts';

/** The node's `{ code, message }` answer as the AinError it stands for. */
export function errorFromAnswer(nodeUrl: string, status: number, body: unknown): AinError {
  const { code, message, details } = (body ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof code === 'string' && code in errorCodes) {
    const options = typeof details === 'object' && details !== null && !Array.isArray(details) ? { details: details as Record<string, unknown> } : {};
    return new AinError(code as ErrorCode, typeof message === 'string' ? message : code, options);
  }
  return new AinError('NODE_UNREACHABLE', `${nodeUrl} answered ${status} with something that is not an ain error; is it an ain node?`);
}

export interface CallNodeOptions {
  /** A node that has not answered within this long counts as unreachable; default `nodeAnswerTimeoutMs`. */
  readonly timeoutMs?: number;
}

/**
 * How long a request waits for a node's whole answer unless told otherwise. A node answers in
 * milliseconds, under load in well under a second; one that takes connections and answers nothing
 * (paused, wedged, something else on its port) would otherwise hold a command for ever.
 */
export const nodeAnswerTimeoutMs = 30_000;

/** The refusal of a node that took the request and did not answer it in time. */
export function noAnswerError(nodeUrl: string, what: string, timeoutMs: number): AinError {
  return new AinError(
    'NODE_UNREACHABLE',
    `${nodeUrl} did not answer ${what} within ${timeoutMs} ms: something listens there and answers nothing (a node paused or overloaded, or not an ain node); look at it with "ain net status" or its log.`,
    { details: { nodeUrl, timeoutMs } },
  );
}

/**
 * One JSON request to a node's HTTP API; its refusal is thrown as the node's AinError, a node
 * that does not answer (within `timeoutMs`, when given) as NODE_UNREACHABLE.
 * @example const job = await callNode('http://127.0.0.1:8080', 'GET', `/v1/jobs/${id}`)
 */
export async function callNode<T = Record<string, unknown>>(
  nodeUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  { timeoutMs = nodeAnswerTimeoutMs }: CallNodeOptions = {},
): Promise<T> {
  let response: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    response = await fetch(new URL(path, nodeUrl), {
      method,
      signal,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch (cause) {
    if (signal.aborted) throw noAnswerError(nodeUrl, `${method} ${path}`, timeoutMs);
    throw new AinError('NODE_UNREACHABLE', `No node answers at ${nodeUrl} (${(cause as Error).message}); start one with "ain node --data DIR".`, { cause });
  }
  const answer = (await response.json().catch(() => undefined)) as unknown;
  if (signal.aborted && answer === undefined) throw noAnswerError(nodeUrl, `${method} ${path}`, timeoutMs);
  if (!response.ok || answer === undefined) throw errorFromAnswer(nodeUrl, response.status, answer);
  return answer as T;
}
