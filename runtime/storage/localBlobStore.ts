import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { AinError, Address, BlobReader, blobReadersMax, Hash, parseOrThrow } from '../../schemas/index.ts';
import { blobLayout, blobPath, hashOpenFile, metaPath, publish, syncDir, writeFileAtomic, writeTemp } from './blobFiles.ts';
import { blobRef, type BlobHold, type BlobInfo, type BlobStore, type GcReport, type QuotaSource } from './blobStore.ts';

export interface LocalBlobStoreOptions {
  /** The store's own directory, e.g. `<dataDir>/blobs`. */
  readonly dir: string;
  readonly quotas: QuotaSource;
  readonly now?: () => number;
  /** Runs `gc(now())` this often; default: only when called. */
  readonly gcIntervalMs?: number;
}

/** Bigger than the 64 KiB default: fewer, larger socket writes on a GET. */
const readChunkBytes = 1 << 20;

const BlobMeta = z.strictObject({
  hash: Hash,
  sizeBytes: z.number().int().nonnegative(),
  holds: z.array(z.strictObject({ owner: Address, expiresAtMs: z.number().int(), readers: z.array(BlobReader).max(blobReadersMax) })),
});
type BlobMeta = z.infer<typeof BlobMeta>;

/** Checks a blob hash given by a caller; the store never builds a path from anything else. */
export function checkBlobHash(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) {
    throw new AinError('BAD_BLOB_HASH', `"${hash.slice(0, 80)}" is not a blob hash: use the 64 lowercase hex characters of its SHA-256.`);
  }
  return hash;
}

function infoOf(meta: BlobMeta): BlobInfo {
  return { hash: meta.hash, ref: blobRef(meta.hash), sizeBytes: meta.sizeBytes, holds: meta.holds };
}

function mayRead(hold: BlobHold, reader: string | undefined): boolean {
  return hold.readers.includes('*') || (reader !== undefined && (hold.owner === reader || hold.readers.includes(reader)));
}

async function loadIndex(dataDir: string): Promise<Map<string, BlobMeta>> {
  const index = new Map<string, BlobMeta>();
  for (const fan of await readdir(dataDir)) {
    const dir = join(dataDir, fan);
    const names = new Set(await readdir(dir));
    for (const name of names) {
      if (name.endsWith('.json')) {
        const meta = parseOrThrow(BlobMeta, JSON.parse(await readFile(join(dir, name), 'utf8')), `blob metadata ${name}`);
        if (names.has(meta.hash)) index.set(meta.hash, meta);
        else await rm(join(dir, name)); // a gc that stopped between its two unlinks
      } else if (!names.has(`${name}.json`)) {
        await rm(join(dir, name), { force: true }); // a put that stopped before its metadata
      }
    }
  }
  return index;
}

/**
 * The embedded BlobStore: one directory, content files named by their SHA-256 with a JSON
 * sidecar of holds (owner, expiry, readers). Leftover temp files are removed on open.
 * @example const blobs = await openLocalBlobStore({ dir: 'data/blobs', quotas: fixedQuotas({}) })
 */
export async function openLocalBlobStore({ dir, quotas, now = Date.now, gcIntervalMs }: LocalBlobStoreOptions): Promise<BlobStore> {
  const layout = blobLayout(dir);
  await rm(layout.tmpDir, { recursive: true, force: true });
  await mkdir(layout.tmpDir, { recursive: true });
  await mkdir(layout.dataDir, { recursive: true });
  const index = await loadIndex(layout.dataDir);
  /** Bytes being uploaded per owner, counted against its quota until the put ends. */
  const pending = new Map<string, number>();
  /** One metadata change per hash at a time. */
  const locks = new Map<string, Promise<unknown>>();
  const withLock = <T>(hash: string, fn: () => Promise<T>): Promise<T> => {
    const run = (locks.get(hash) ?? Promise.resolve()).then(fn, fn);
    const settled = run.catch(() => undefined);
    locks.set(hash, settled);
    void settled.then(() => locks.get(hash) === settled && locks.delete(hash));
    return run;
  };
  const liveHolds = (meta: BlobMeta, nowMs: number) => meta.holds.filter((h) => h.expiresAtMs > nowMs);
  const usedBytes = (owner: string): number => {
    const nowMs = now();
    let sum = 0;
    for (const meta of index.values()) if (liveHolds(meta, nowMs).some((h) => h.owner === owner)) sum += meta.sizeBytes;
    return sum;
  };
  const saveMeta = (meta: BlobMeta) => writeFileAtomic(layout, metaPath(layout, meta.hash), JSON.stringify(meta));
  const remove = async (meta: BlobMeta) => {
    index.delete(meta.hash);
    await rm(metaPath(layout, meta.hash), { force: true });
    await rm(blobPath(layout, meta.hash), { force: true });
    await syncDir(join(blobPath(layout, meta.hash), '..'));
  };

  const gc = async (nowMs: number): Promise<GcReport> => {
    let expiredHolds = 0;
    let removedBlobs = 0;
    let freedBytes = 0;
    for (const hash of [...index.keys()]) {
      await withLock(hash, async () => {
        const meta = index.get(hash);
        if (meta === undefined) return;
        const live = liveHolds(meta, nowMs);
        if (live.length === meta.holds.length) return;
        expiredHolds += meta.holds.length - live.length;
        if (live.length > 0) {
          const kept = { ...meta, holds: live };
          await saveMeta(kept);
          index.set(hash, kept);
          return;
        }
        await remove(meta);
        removedBlobs += 1;
        freedBytes += meta.sizeBytes;
      });
    }
    return { expiredHolds, removedBlobs, freedBytes };
  };
  const timer = gcIntervalMs === undefined ? undefined : setInterval(() => void gc(now()).catch(() => undefined), gcIntervalMs);
  timer?.unref();

  return {
    async put({ hash, owner, body, sizeBytes, ttlMs, readers }) {
      checkBlobHash(hash);
      // What the owner will hold with this blob: a ledger source gives the room that lasts longest for it.
      const needBytes = usedBytes(owner) + (pending.get(owner) ?? 0) + (sizeBytes ?? 1);
      const reservation = quotas.reservationOf(owner, needBytes);
      if (reservation === undefined) {
        throw new AinError(
          'QUOTA_EXCEEDED',
          `${owner} has no storage reserved on this node: reserve room with a reserveStorage tx naming this node's address as provider (ain storage reserve), or ask its operator for a grant in its config (storage.reservations, docs/storage.md).`,
          {
            details: { owner },
          },
        );
      }
      if (ttlMs !== undefined && (ttlMs < 1 || ttlMs > reservation.ttlMs)) {
        throw new AinError('BAD_SCHEMA', `The TTL ${ttlMs} ms must be between 1 and the reservation's ${reservation.ttlMs} ms.`);
      }
      const holdReaders = parseOrThrow(z.array(BlobReader).max(blobReadersMax), [...(readers ?? reservation.readers ?? [])], 'readers');
      const existing = index.get(hash);
      const held = existing !== undefined && liveHolds(existing, now()).some((h) => h.owner === owner);
      const freeBytes = Math.max(0, reservation.bytesMax - usedBytes(owner) - (pending.get(owner) ?? 0));
      const bytesMax = held ? existing.sizeBytes : Math.min(freeBytes, sizeBytes ?? Infinity);
      const quotaError = () =>
        new AinError(
          'QUOTA_EXCEEDED',
          `The blob does not fit in ${owner}'s storage: ${freeBytes} of ${reservation.bytesMax} bytes are free. Let blobs expire or reserve more (ain storage reserve).`,
          {
            details: { owner, freeBytes, bytesMax: reservation.bytesMax },
          },
        );
      if (sizeBytes !== undefined && sizeBytes > bytesMax) throw quotaError();
      const claimed = held ? 0 : bytesMax; // counted against the quota while the bytes arrive
      pending.set(owner, (pending.get(owner) ?? 0) + claimed);
      let written;
      try {
        written = await writeTemp(layout, body, bytesMax, quotaError);
      } finally {
        const left = (pending.get(owner) ?? 0) - claimed;
        if (left > 0) pending.set(owner, left);
        else pending.delete(owner);
      }
      if (written.hash !== hash || (sizeBytes !== undefined && written.sizeBytes !== sizeBytes)) {
        await rm(written.path, { force: true });
        throw new AinError('BLOB_HASH_MISMATCH', `The ${written.sizeBytes} bytes sent hash to ${written.hash}, not the claimed ${hash}; nothing was stored.`, {
          details: { claimed: hash, actual: written.hash, sizeBytes: written.sizeBytes },
        });
      }
      return withLock(hash, async () => {
        const nowMs = now();
        const current = index.get(hash);
        if (current === undefined) await publish(written.path, blobPath(layout, hash));
        else await rm(written.path, { force: true }); // same bytes, already stored
        const holds = (current?.holds ?? []).filter((h) => h.expiresAtMs > nowMs);
        const previous = holds.find((h) => h.owner === owner);
        const expiresAtMs = Math.max(previous?.expiresAtMs ?? 0, Math.min(nowMs + (ttlMs ?? reservation.ttlMs), reservation.endsAtMs ?? Infinity));
        const meta: BlobMeta = {
          hash,
          sizeBytes: written.sizeBytes,
          holds: [...holds.filter((h) => h.owner !== owner), { owner, expiresAtMs, readers: holdReaders }],
        };
        await saveMeta(meta);
        index.set(hash, meta);
        return infoOf(meta);
      });
    },

    async open({ hash, reader, range }) {
      checkBlobHash(hash);
      const meta = index.get(hash);
      const live = meta === undefined ? [] : liveHolds(meta, now());
      if (meta === undefined || live.length === 0) throw new AinError('NOT_FOUND', `No blob ${hash} is stored on this node (or it expired).`);
      if (!live.some((h) => mayRead(h, reader))) {
        if (reader === undefined)
          throw new AinError('BAD_AUTH', 'This blob is not public: sign the request with a key its owner lets read it (see docs/storage.md).');
        throw new AinError('ACCESS_DENIED', `${reader} may not read blob ${hash}; its owner must list the address among the readers.`, { details: { reader } });
      }
      const wanted = range?.(meta.sizeBytes) ?? { start: 0, end: meta.sizeBytes - 1 };
      const handle = await open(blobPath(layout, hash), 'r');
      try {
        // Checked on the open descriptor: what is verified is what is served.
        const actual = await hashOpenFile(handle);
        if (actual.hash !== hash || actual.sizeBytes !== meta.sizeBytes) {
          throw new AinError('BLOB_CORRUPT', `Blob ${hash} on this node's disk no longer matches its hash; it is not served. Fetch it from another node.`, {
            details: { actual: actual.hash, sizeBytes: actual.sizeBytes },
          });
        }
      } catch (error) {
        await handle.close();
        throw error;
      }
      if (wanted.end < wanted.start) {
        await handle.close(); // an empty blob: createReadStream cannot express end < start
        return { info: infoOf({ ...meta, holds: live }), range: wanted, stream: Readable.from([]) };
      }
      const stream = handle.createReadStream({ start: wanted.start, end: wanted.end, autoClose: true, highWaterMark: readChunkBytes });
      return { info: infoOf({ ...meta, holds: live }), range: wanted, stream };
    },

    stat(hash) {
      const meta = index.get(hash);
      if (meta === undefined) return undefined;
      const live = liveHolds(meta, now());
      return live.length === 0 ? undefined : infoOf({ ...meta, holds: live });
    },

    usedBytes,
    gc,

    async close() {
      if (timer !== undefined) clearInterval(timer);
      await Promise.all([...locks.values()]);
    },
  };
}
