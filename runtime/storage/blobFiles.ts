import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AinError } from '../../schemas/index.ts';

/** Where a store keeps its files: `data/<first 2 hex>/<hash>` (+ `.json`), `tmp/` for writes. */
export interface BlobLayout {
  readonly dataDir: string;
  readonly tmpDir: string;
}

export function blobLayout(dir: string): BlobLayout {
  return { dataDir: join(dir, 'data'), tmpDir: join(dir, 'tmp') };
}

export function blobPath(layout: BlobLayout, hash: string): string {
  return join(layout.dataDir, hash.slice(0, 2), hash);
}

export function metaPath(layout: BlobLayout, hash: string): string {
  return blobPath(layout, hash) + '.json';
}

export function tempPath(layout: BlobLayout): string {
  return join(layout.tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
}

/** fsync a directory so a rename or unlink in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves a finished temp file to `target` atomically and durably. */
export async function publish(tmp: string, target: string): Promise<void> {
  const dir = join(target, '..');
  await mkdir(dir, { recursive: true });
  await rename(tmp, target);
  await syncDir(dir);
}

/** Writes `text` to `target` through a synced temp file and a rename. */
export async function writeFileAtomic(layout: BlobLayout, target: string, text: string): Promise<void> {
  const tmp = tempPath(layout);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await publish(tmp, target);
}

export interface WrittenTemp {
  readonly path: string;
  readonly hash: string;
  readonly sizeBytes: number;
}

/**
 * Streams `body` into a fresh temp file, hashing and counting as it goes; refuses (and removes
 * the file) past `bytesMax`. The file is synced before this resolves. Memory: one chunk at a time.
 */
export async function writeTemp(
  layout: BlobLayout,
  body: Readable | AsyncIterable<Uint8Array>,
  bytesMax: number,
  tooMany: () => AinError,
): Promise<WrittenTemp> {
  const path = tempPath(layout);
  const sha = createHash('sha256');
  let sizeBytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sizeBytes += chunk.length;
      if (sizeBytes > bytesMax) return done(tooMany());
      sha.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(path, { flags: 'wx', mode: 0o600, flush: true }));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return { path, hash: sha.digest('hex'), sizeBytes };
}

const verifyChunkBytes = 1 << 20;

/** SHA-256 and length of an open file, read in bounded chunks. */
export async function hashOpenFile(handle: FileHandle): Promise<{ hash: string; sizeBytes: number }> {
  const sha = createHash('sha256');
  const buffer = Buffer.allocUnsafe(verifyChunkBytes);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    sha.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return { hash: sha.digest('hex'), sizeBytes: position };
}
