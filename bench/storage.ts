import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { generateKeyPair, sha256Hex } from '../log/index.ts';
import { createApi } from '../runtime/api/index.ts';
import type { Ingest } from '../runtime/ingest/index.ts';
import { createBlockStore } from '../runtime/node/index.ts';
import { fixedQuotas, openLocalBlobStore, signBlobAuth } from '../runtime/storage/index.ts';
import { median, withTempDir, type Figure } from './measure.ts';

const blobBytes = 64 * 1024 * 1024;
const runs = 3;
const mib = 1024 * 1024;

function mibPerSecond(bytes: number, elapsedMs: number): number {
  return bytes / mib / (elapsedMs / 1000);
}

async function timed(run: () => Promise<void>): Promise<number> {
  const startMs = performance.now();
  await run();
  return performance.now() - startMs;
}

/** One blob per run (first bytes changed), so no put finds its blob already stored. */
function variant(base: Buffer, run: number): { bytes: Buffer; hash: string } {
  base.writeUInt32BE(run, 0);
  return { bytes: base, hash: sha256Hex(base) };
}

function httpPut(port: number, path: string, headers: Record<string, string | number>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function httpGet(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`GET answered ${res.statusCode}`))));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Writes and syncs a file, then reads it back streaming: the disk's own figures for the same bytes. */
async function rawFile(dir: string, bytes: Buffer, run: number): Promise<{ writeMs: number; readMs: number }> {
  const path = join(dir, `raw-${run}`);
  const writeMs = await timed(async () => {
    const handle = await open(path, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
  });
  const readMs = await timed(async () => {
    for await (const _ of createReadStream(path));
  });
  await rm(path);
  return { writeMs, readMs };
}

/** Big Storage PUT and GET over HTTP on loopback vs a plain file write (synced) and read of the same bytes. */
export async function benchStorage(): Promise<Figure[]> {
  return withTempDir('storage', async (dir) => {
    const key = generateKeyPair();
    const store = await openLocalBlobStore({ dir: join(dir, 'blobs'), quotas: fixedQuotas({ [key.address]: { bytesMax: 64 * blobBytes, ttlMs: 3_600_000 } }) });
    const api = createApi({
      ingest: {} as Ingest,
      maxBatchTxs: 1,
      maxTxBytes: 4096,
      bodyBytesMax: 65536,
      blocks: createBlockStore(),
      status: () => ({}),
      blobs: { store },
    });
    await api.listen({ host: '127.0.0.1', port: 0 });
    const port = (api.server.address() as { port: number }).port;
    const base = randomBytes(blobBytes);
    const put: number[] = [];
    const get: number[] = [];
    const write: number[] = [];
    const read: number[] = [];
    try {
      for (let run = 0; run <= runs; run++) {
        const { bytes, hash } = variant(base, run);
        const path = `/v1/blobs/${hash}`;
        const putMs = await timed(async () => {
          const headers = {
            'content-type': 'application/octet-stream',
            'content-length': blobBytes,
            authorization: signBlobAuth({ key, method: 'PUT', hash, timeMs: Date.now() }),
          };
          const status = await httpPut(port, path, headers, bytes);
          if (status !== 201) throw new Error(`PUT answered ${status}`);
        });
        const getMs = await timed(async () => {
          const got = await httpGet(port, path, { authorization: signBlobAuth({ key, method: 'GET', hash, timeMs: Date.now() }) });
          if (got !== blobBytes) throw new Error(`GET returned ${got} bytes`);
        });
        const raw = await rawFile(dir, bytes, run);
        if (run === 0) continue; // warm-up
        put.push(mibPerSecond(blobBytes, putMs));
        get.push(mibPerSecond(blobBytes, getMs));
        write.push(mibPerSecond(blobBytes, raw.writeMs));
        read.push(mibPerSecond(blobBytes, raw.readMs));
      }
    } finally {
      await api.close();
      await store.close();
    }
    const size = `${blobBytes / mib} MiB blob`;
    const putRatio = put.map((p, i) => p / write[i]!);
    const getRatio = get.map((g, i) => g / read[i]!);
    return [
      { name: 'storage.put', value: median(put), unit: 'MiB/s', samples: put, note: `${size}, PUT over HTTP on 127.0.0.1: hashed, written, fsynced, renamed` },
      { name: 'storage.get', value: median(get), unit: 'MiB/s', samples: get, note: `${size}, GET over HTTP on 127.0.0.1: hash verified, then streamed` },
      { name: 'storage.file.write', value: median(write), unit: 'MiB/s', samples: write, note: `${size}, one writeFile + fsync: the reference` },
      { name: 'storage.file.read', value: median(read), unit: 'MiB/s', samples: read, note: `${size}, one streaming read from the page cache: the reference` },
      { name: 'storage.put.ratio', value: median(putRatio), unit: 'x', note: 'storage.put / storage.file.write, run by run' },
      { name: 'storage.get.ratio', value: median(getRatio), unit: 'x', note: 'storage.get / storage.file.read, run by run' },
    ];
  });
}
