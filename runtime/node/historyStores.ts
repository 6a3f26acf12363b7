import { crc32c } from '@node-rs/crc32';
import { open as openFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { BlockView, TxOutcomeView } from './blockStore.ts';

/**
 * The LMDB databases of the block history and how a record is sealed in them: `meta` (format and
 * genesis), `blocks` (height → block view) and `txs` (hash, height, index → offset and outcome).
 * Every value carries a CRC-32C bound to its key, so a damaged record reads as missing, never as
 * another block or tx (LMDB checksums no pages).
 */

export interface HistoryMeta {
  readonly version: number;
  readonly genesis: string;
}

/** What a tx entry holds; its hash, height and index are its key. */
export interface TxEntry {
  readonly offset: number;
  readonly outcome: TxOutcomeView;
}

export interface HistoryStores {
  readonly env: RootDatabase;
  readonly meta: Database<HistoryMeta, string>;
  readonly blocks: Database<Buffer, number>;
  readonly txs: Database<Buffer, Buffer>;
}

const lmdbMagic = Buffer.from([0xde, 0xc0, 0xef, 0xbe]); // 0xBEEFC0DE, little-endian
const metaBytesMax = 64;

/**
 * Both meta pages (the first two pages) must carry LMDB's magic number: LMDB refuses a file
 * without it, but the binding crashes the process on one (SIGSEGV), so it is checked first.
 */
async function checkMetaPages(path: string): Promise<void> {
  let head: Buffer;
  try {
    const file = await openFile(path, 'r');
    try {
      head = Buffer.alloc(128 * 1024);
      head = head.subarray(0, (await file.read(head, 0, head.length, 0)).bytesRead);
    } finally {
      await file.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (head.length === 0) return; // a new environment
  const at = head.subarray(0, metaBytesMax).indexOf(lmdbMagic);
  const pageSizes = [4096, 8192, 16384, 32768, 65536];
  if (at < 0 || !pageSizes.some((size) => head.subarray(size + at, size + at + 4).equals(lmdbMagic))) {
    throw new Error('its data file does not start with two LMDB meta pages');
  }
}

/**
 * Opens (creating) the environment in `dir`; throws when its files are not an LMDB environment,
 * or when its data file is shorter than its last page (cut short: reading past its end would
 * kill the process with SIGBUS, as the file is memory-mapped).
 */
export async function openHistoryStores(dir: string): Promise<HistoryStores> {
  await checkMetaPages(join(dir, 'data.mdb'));
  // Synced commits (LMDB's default): the node writes a snapshot only once its block is on disk.
  const env = open({ path: dir, maxDbs: 4, compression: false });
  // Read from the meta pages only: no page past the file's end is touched before the check.
  const { pageSize, lastPageNumber } = env.getStats() as { pageSize: number; lastPageNumber: number };
  const { size } = await stat(join(dir, 'data.mdb'));
  if (size < (lastPageNumber + 1) * pageSize) {
    await env.close();
    throw new Error(`its data file is ${size} bytes, its last page ends at ${(lastPageNumber + 1) * pageSize}: it was cut short`);
  }
  return {
    env,
    meta: env.openDB<HistoryMeta, string>({ name: 'meta', encoding: 'json' }),
    blocks: env.openDB<Buffer, number>({ name: 'blocks', encoding: 'binary' }),
    txs: env.openDB<Buffer, Buffer>({ name: 'txs', keyEncoding: 'binary', encoding: 'binary' }),
  };
}

/** Key of a tx entry: its hash's 32 bytes, then height and index (big-endian), so the first place a hash landed sorts first. */
export function txKey(hash: string, height: number, index: number): Buffer {
  const key = Buffer.allocUnsafe(40);
  key.write(hash, 0, 32, 'hex');
  key.writeUInt32BE(height, 32);
  key.writeUInt32BE(index, 36);
  return key;
}

/** The range of tx keys of one hash. */
export function txKeyRange(hash: string): { start: Buffer; end: Buffer } {
  const start = txKey(hash, 0, 0);
  return { start, end: Buffer.concat([start.subarray(0, 32), Buffer.alloc(9, 0xff)]) };
}

const heightKey = (height: number): Buffer => {
  const key = Buffer.allocUnsafe(4);
  key.writeUInt32BE(height);
  return key;
};

/** `[CRC-32C of key and JSON, 4 bytes BE][JSON]`. */
function seal(key: Uint8Array, value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value));
  const out = Buffer.allocUnsafe(4 + json.length);
  out.writeUInt32BE(crc32c(json, crc32c(key)));
  json.copy(out, 4);
  return out;
}

function unseal<T>(key: Uint8Array, sealed: Buffer | undefined): T | undefined {
  if (sealed === undefined || sealed.length < 4) return undefined;
  const json = sealed.subarray(4);
  if (crc32c(json, crc32c(key)) !== sealed.readUInt32BE(0)) return undefined;
  try {
    return JSON.parse(json.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

export const sealBlock = (view: BlockView): Buffer => seal(heightKey(view.header.height), view);

/** The block stored at `height`, or undefined when none is, or when it is damaged (`damaged` says which). */
export function unsealBlock(height: number, sealed: Buffer | undefined): { view?: BlockView; damaged: boolean } {
  if (sealed === undefined) return { damaged: false };
  const view = unseal<BlockView>(heightKey(height), sealed);
  return view?.header?.height === height ? { view, damaged: false } : { damaged: true };
}

// A tx entry is written per tx, so it is binary: `[CRC-32C, 4 bytes][offset, 6 bytes][outcome JSON,
// empty for a plain ok]`, the CRC seeded with the key's height and index.
const okOutcome = '{"code":"ok"}';
const txSeed = (key: Buffer) => key.readUInt32BE(32) ^ Math.imul(key.readUInt32BE(36), 0x9e3779b1);

export function sealTx(key: Buffer, { offset, outcome }: TxEntry): Buffer {
  const json = JSON.stringify(outcome);
  const tail = json === okOutcome ? '' : json;
  const out = Buffer.allocUnsafe(10 + Buffer.byteLength(tail));
  out.writeUIntBE(offset, 4, 6);
  out.write(tail, 10);
  out.writeUInt32BE(crc32c(out.subarray(4), txSeed(key) >>> 0));
  return out;
}

export function unsealTx(key: Buffer, sealed: Buffer): TxEntry | undefined {
  if (sealed.length < 10 || crc32c(sealed.subarray(4), txSeed(key) >>> 0) !== sealed.readUInt32BE(0)) return undefined;
  try {
    const outcome = (sealed.length === 10 ? { code: 'ok' } : JSON.parse(sealed.toString('utf8', 10))) as TxOutcomeView;
    return { offset: sealed.readUIntBE(4, 6), outcome };
  } catch {
    return undefined;
  }
}
