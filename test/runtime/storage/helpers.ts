import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyPair } from '../../../log/index.ts';
import { createApi } from '../../../runtime/api/index.ts';
import type { Ingest } from '../../../runtime/ingest/index.ts';
import { createBlockStore } from '../../../runtime/node/index.ts';
import { createBlobAuthVerifier, openLocalBlobStore, signBlobAuth, type BlobStore, type QuotaSource } from '../../../runtime/storage/index.ts';

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A settable clock for TTL tests. */
export function fakeClock(startMs = 1_700_000_000_000) {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (ms: number) => void (nowMs += ms) };
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `ain-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface BlobServer {
  readonly url: string;
  readonly store: BlobStore;
  readonly dir: string;
  close(): Promise<void>;
}

/** The real HTTP API with Big Storage mounted, on 127.0.0.1 and a free port. */
export async function startBlobServer(quotas: QuotaSource, now: () => number = Date.now): Promise<BlobServer> {
  const { dir, remove } = await tempDir('blobs');
  const store = await openLocalBlobStore({ dir: join(dir, 'blobs'), quotas, now });
  const api = createApi({
    ingest: {} as Ingest, // the tx routes are not exercised here
    maxBatchTxs: 10,
    maxTxBytes: 4096,
    bodyBytesMax: 65536,
    blocks: createBlockStore(),
    status: () => ({}),
    blobs: { store, auth: createBlobAuthVerifier({ now }) },
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const address = api.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    dir,
    async close() {
      await api.close();
      await store.close();
      await remove();
    },
  };
}

/** Headers of a signed request. */
export function authHeader(key: KeyPair, method: 'GET' | 'PUT', hash: string, timeMs = Date.now()): Record<string, string> {
  return { authorization: signBlobAuth({ key, method, hash, timeMs }) };
}
