import { applyConnection } from '../viewModels/index.ts';
import { connection } from './live.ts';

/** An error answer of the node: its stable code and its sentence. */
export class NodeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * GET a JSON answer of this page's node. A node that does not answer marks the page unreachable
 * (the banner says so) and throws; an error answer throws its code and sentence.
 * @example const status = await getJson<{ height: number }>('/v1/status')
 */
export async function getJson<T>(path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' } });
  } catch {
    connection.value = applyConnection(connection.value, { type: 'unreachable', node: location.origin });
    throw new NodeError('NODE_UNREACHABLE', `The node at ${location.origin} cannot be reached.`, 0);
  }
  const body = (await response.json().catch(() => null)) as (T & { code?: string; message?: string }) | null;
  if (!response.ok) throw new NodeError(body?.code ?? 'INTERNAL', body?.message ?? `The node answered ${response.status}.`, response.status);
  return body as T;
}
