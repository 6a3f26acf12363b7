import test from 'ava';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { generateKeyPair } from '../../../log/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { fixedQuotas, openLocalBlobStore } from '../../../runtime/storage/index.ts';
import { fakeClock, sha256Hex, tempDir } from './helpers.ts';

const alice = generateKeyPair();
const bob = generateKeyPair();
const carol = generateKeyPair();
const hourMs = 3_600_000;
const quotas = fixedQuotas({
  [alice.address]: { bytesMax: 1000, ttlMs: hourMs },
  [bob.address]: { bytesMax: 100, ttlMs: 2 * hourMs, readers: [carol.address] },
});

async function withStore(run: (store: Awaited<ReturnType<typeof openLocalBlobStore>>, dir: string, clock: ReturnType<typeof fakeClock>) => Promise<void>) {
  const { dir, remove } = await tempDir('store');
  const clock = fakeClock();
  const store = await openLocalBlobStore({ dir, quotas, now: clock.now });
  try {
    await run(store, dir, clock);
  } finally {
    await store.close();
    await remove();
  }
}

const bytes = (s: string) => Buffer.from(s, 'utf8');
const put = (store: Awaited<ReturnType<typeof openLocalBlobStore>>, owner: string, content: Buffer, extra: object = {}) =>
  store.put({ hash: sha256Hex(content), owner, body: Readable.from([content]), ...extra });

test('a put is addressed by its SHA-256 and reads back whole and by range', async (t) => {
  await withStore(async (store) => {
    const content = bytes('hello, big storage');
    const info = await put(store, alice.address, content);
    t.is(info.ref, `blob://sha256:${sha256Hex(content)}`);
    t.is(info.sizeBytes, content.length);
    t.is(await text((await store.open({ hash: info.hash, reader: alice.address })).stream), 'hello, big storage');
    const part = await store.open({ hash: info.hash, reader: alice.address, range: () => ({ start: 7, end: 9 }) });
    t.is(await text(part.stream), 'big');
    t.is(store.usedBytes(alice.address), content.length);
  });
});

test('bytes that do not hash to the claimed hash are refused and leave nothing behind', async (t) => {
  await withStore(async (store, dir) => {
    const error = await t.throwsAsync(store.put({ hash: sha256Hex(bytes('other')), owner: alice.address, body: Readable.from([bytes('these')]) }));
    t.true(isAinError(error, 'BLOB_HASH_MISMATCH'));
    t.deepEqual(await readdir(join(dir, 'tmp')), []);
    t.deepEqual(await readdir(join(dir, 'data')), []);
    t.is(store.usedBytes(alice.address), 0);
  });
});

test('a flipped byte on disk is refused on read with BLOB_CORRUPT', async (t) => {
  await withStore(async (store, dir) => {
    const info = await put(store, alice.address, bytes('precious bytes'));
    const file = join(dir, 'data', info.hash.slice(0, 2), info.hash);
    const onDisk = await readFile(file);
    onDisk[3] = onDisk[3]! ^ 0x01;
    await writeFile(file, onDisk);
    const error = await t.throwsAsync(store.open({ hash: info.hash, reader: alice.address }));
    t.true(isAinError(error, 'BLOB_CORRUPT'), String(error));
    // A truncated file is corrupt too, even for a range that still lies inside it.
    await writeFile(file, onDisk.subarray(0, 5));
    const truncated = await t.throwsAsync(store.open({ hash: info.hash, reader: alice.address, range: () => ({ start: 0, end: 1 }) }));
    t.true(isAinError(truncated, 'BLOB_CORRUPT'));
  });
});

test('TTL: a blob is gone once its hold expires, and gc deletes its files', async (t) => {
  await withStore(async (store, dir, clock) => {
    const info = await put(store, alice.address, bytes('short-lived'), { ttlMs: 1000 });
    clock.advance(999);
    t.truthy(store.stat(info.hash));
    clock.advance(1);
    t.is(store.stat(info.hash), undefined);
    t.true(isAinError(await t.throwsAsync(store.open({ hash: info.hash, reader: alice.address })), 'NOT_FOUND'));
    t.is(store.usedBytes(alice.address), 0);
    t.deepEqual(await store.gc(clock.now()), { expiredHolds: 1, removedBlobs: 1, freedBytes: 11 });
    t.deepEqual(await readdir(join(dir, 'data', info.hash.slice(0, 2))), []);
  });
});

test('TTL: one blob held by two owners lives until the last hold expires; a longer TTL than reserved is refused', async (t) => {
  await withStore(async (store, _dir, clock) => {
    const content = bytes('shared');
    await put(store, alice.address, content); // 1 h
    await put(store, bob.address, content); // 2 h
    clock.advance(hourMs);
    t.deepEqual(await store.gc(clock.now()), { expiredHolds: 1, removedBlobs: 0, freedBytes: 0 });
    t.deepEqual(
      store.stat(sha256Hex(content))?.holds.map((h) => h.owner),
      [bob.address],
    );
    const tooLong = await t.throwsAsync(put(store, alice.address, bytes('x'), { ttlMs: 2 * hourMs }));
    t.true(isAinError(tooLong, 'BAD_SCHEMA'));
  });
});

test('ACL: the owner and listed readers read; others get ACCESS_DENIED, unsigned BAD_AUTH; "*" is public', async (t) => {
  await withStore(async (store) => {
    const info = await put(store, bob.address, bytes('for carol')); // bob's reservation lists carol
    await t.notThrowsAsync(async () => (await store.open({ hash: info.hash, reader: carol.address })).stream.destroy());
    t.true(isAinError(await t.throwsAsync(store.open({ hash: info.hash, reader: alice.address })), 'ACCESS_DENIED'));
    t.true(isAinError(await t.throwsAsync(store.open({ hash: info.hash, reader: undefined })), 'BAD_AUTH'));
    const open = await put(store, alice.address, bytes('for all'), { readers: ['*'] });
    t.is(await text((await store.open({ hash: open.hash, reader: undefined })).stream), 'for all');
  });
});

test('quota: an address without a reservation, or over its bytes, gets QUOTA_EXCEEDED; re-putting a held blob costs nothing', async (t) => {
  await withStore(async (store, dir) => {
    t.true(isAinError(await t.throwsAsync(put(store, carol.address, bytes('x'))), 'QUOTA_EXCEEDED'));
    await put(store, bob.address, Buffer.alloc(60, 1));
    await put(store, bob.address, Buffer.alloc(60, 1)); // the same blob: still 60 bytes used
    t.is(store.usedBytes(bob.address), 60);
    // Announced size over the quota: refused before reading; unannounced: refused while streaming.
    t.true(isAinError(await t.throwsAsync(put(store, bob.address, Buffer.alloc(41, 2), { sizeBytes: 41 })), 'QUOTA_EXCEEDED'));
    t.true(isAinError(await t.throwsAsync(put(store, bob.address, Buffer.alloc(41, 2))), 'QUOTA_EXCEEDED'));
    t.deepEqual(await readdir(join(dir, 'tmp')), []);
    await t.notThrowsAsync(put(store, bob.address, Buffer.alloc(40, 2)));
  });
});

test('hostile hashes never become paths', async (t) => {
  await withStore(async (store) => {
    for (const hash of ['../../etc/passwd', 'A'.repeat(64), '0'.repeat(63), `${'0'.repeat(64)}/x`, '']) {
      t.true(isAinError(await t.throwsAsync(store.open({ hash, reader: alice.address })), 'BAD_BLOB_HASH'), hash);
      t.true(isAinError(await t.throwsAsync(store.put({ hash, owner: alice.address, body: Readable.from([]) })), 'BAD_BLOB_HASH'), hash);
    }
  });
});

test('a reopened store knows its blobs and drops what a crash left half-written', async (t) => {
  const { dir, remove } = await tempDir('reopen');
  const clock = fakeClock();
  try {
    const first = await openLocalBlobStore({ dir, quotas, now: clock.now });
    const info = await put(first, alice.address, bytes('kept'));
    await first.close();
    await writeFile(join(dir, 'tmp', 'torn'), 'half a put');
    const orphan = '0'.repeat(64);
    await writeFile(join(dir, 'data', info.hash.slice(0, 2), orphan), 'no metadata');
    const second = await openLocalBlobStore({ dir, quotas, now: clock.now });
    t.is(await text((await second.open({ hash: info.hash, reader: alice.address })).stream), 'kept');
    t.deepEqual(await readdir(join(dir, 'tmp')), []);
    t.false((await readdir(join(dir, 'data', info.hash.slice(0, 2)))).includes(orphan));
    await second.close();
  } finally {
    await remove();
  }
});
