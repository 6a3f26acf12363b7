import { createHash } from 'node:crypto';
import type { KeyPair } from '../../log/index.ts';
import { AinError } from '../../schemas/index.ts';
import { signBlobAuth } from '../storage/index.ts';
import { errorFromAnswer } from './nodeClient.ts';

/** The most bytes `putSmallBlob` and `getSmallBlob` hold in memory: a run's log, not a data set (`ain blob` streams those). */
export const smallBlobBytesMax = 1024 * 1024;

export interface PutSmallBlobParameters {
  readonly nodeUrl: string;
  /** Pays for the bytes: its reservation on the node's Big Storage applies. */
  readonly key: KeyPair;
  readonly bytes: Uint8Array;
  /** Who may read it besides the owner; absent: the reservation's readers, else the owner only. */
  readonly readers?: readonly string[];
  readonly ttlMs?: number;
}

async function unreachable<T>(nodeUrl: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw new AinError('NODE_UNREACHABLE', `No node answers at ${nodeUrl} (${(cause as Error).message}); start one with "ain node --data DIR".`, { cause });
  }
}

/**
 * Stores a few bytes held in memory in the node's Big Storage (`PUT /v1/blobs/<sha256>`, signed)
 * and resolves with their `blob://sha256:<hex>`; the node's refusal (QUOTA_EXCEEDED, BAD_AUTH, …) is thrown.
 * @example const ref = await putSmallBlob({ nodeUrl, key, bytes: Buffer.from(log), readers: [client] })
 */
export async function putSmallBlob({ nodeUrl, key, bytes, readers, ttlMs }: PutSmallBlobParameters): Promise<string> {
  if (bytes.length > smallBlobBytesMax)
    throw new AinError('TOO_LARGE', `${bytes.length} bytes is more than the ${smallBlobBytesMax} a small blob holds; use ain blob put.`);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    authorization: signBlobAuth({ key, method: 'PUT', hash, timeMs: Date.now() }),
  };
  if (readers !== undefined) headers['x-ain-readers'] = readers.join(',');
  if (ttlMs !== undefined) headers['x-ain-ttl-ms'] = String(ttlMs);
  const response = await unreachable(nodeUrl, () => fetch(new URL(`/v1/blobs/${hash}`, nodeUrl), { method: 'PUT', headers, body: bytes }));
  const answer = (await response.json().catch(() => undefined)) as { ref?: string } | undefined;
  if (response.status !== 201 || typeof answer?.ref !== 'string') throw errorFromAnswer(nodeUrl, response.status, answer);
  return answer.ref;
}

/**
 * Reads a small blob (signed with `key` when given) and checks it against its hash: BLOB_HASH_MISMATCH
 * when the node served other bytes, TOO_LARGE past `smallBlobBytesMax`; the node's refusal
 * (ACCESS_DENIED, NOT_FOUND, …) is thrown.
 * @example const text = new TextDecoder().decode(await getSmallBlob({ nodeUrl, ref, key }))
 */
export async function getSmallBlob({ nodeUrl, ref, key }: { readonly nodeUrl: string; readonly ref: string; readonly key?: KeyPair }): Promise<Uint8Array> {
  const hash = ref.replace(/^blob:\/\/sha256:/, '');
  const headers: Record<string, string> = key === undefined ? {} : { authorization: signBlobAuth({ key, method: 'GET', hash, timeMs: Date.now() }) };
  const response = await unreachable(nodeUrl, () => fetch(new URL(`/v1/blobs/${hash}`, nodeUrl), { headers }));
  if (response.status !== 200) throw errorFromAnswer(nodeUrl, response.status, await response.json().catch(() => undefined));
  const length = Number(response.headers.get('content-length'));
  if (Number.isFinite(length) && length > smallBlobBytesMax) {
    await response.body?.cancel();
    throw new AinError('TOO_LARGE', `The blob is ${length} bytes, more than the ${smallBlobBytesMax} read in memory here; fetch it with ain blob get ${ref}.`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== hash)
    throw new AinError('BLOB_HASH_MISMATCH', `The bytes received hash to ${actual}, not ${hash}; the node served something else. Try another node.`);
  return bytes;
}
