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
  /** A node that has not answered within this long counts as unreachable. */
  readonly timeoutMs?: number;
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
  { timeoutMs }: CallNodeOptions = {},
): Promise<T> {
  let response: Response;
  const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  try {
    response = await fetch(new URL(path, nodeUrl), {
      method,
      ...(signal === undefined ? {} : { signal }),
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new AinError('NODE_UNREACHABLE', `No node answers at ${nodeUrl} (${(cause as Error).message}); start one with "ain node --data DIR".`, { cause });
  }
  const answer = (await response.json().catch(() => undefined)) as unknown;
  if (signal?.aborted === true && answer === undefined) {
    throw new AinError('NODE_UNREACHABLE', `${nodeUrl} did not answer ${method} ${path} within ${timeoutMs} ms.`);
  }
  if (!response.ok || answer === undefined) throw errorFromAnswer(nodeUrl, response.status, answer);
  return answer as T;
}
