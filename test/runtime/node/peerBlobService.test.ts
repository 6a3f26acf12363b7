import test from 'ava';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { generateKeyPair } from '../../../log/index.ts';
import { createMemoryNetwork, type Transport } from '../../../runtime/net/index.ts';
import { createPeerBlobService, peerBlobBytesMax, type PeerBlobs } from '../../../runtime/node/peerBlobService.ts';
import { createBlobAuthVerifier, fixedQuotas, openLocalBlobStore, signBlobAuth, type BlobStore } from '../../../runtime/storage/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { sha256Hex, tempDir } from '../storage/helpers.ts';

// Big Storage across a network, over the in-memory transport with real local stores: a node reads
// through its peers a blob it does not store, under the reader rule the storing node applies.

const protocol = '/ain/1/test/req/blob';
const owner = generateKeyPair();
const reader = generateKeyPair();
const stranger = generateKeyPair();
const logger = pino({ level: 'silent' });
const encoder = new TextEncoder();

interface Peer {
  readonly transport: Transport;
  readonly store: BlobStore;
  readonly blobs: PeerBlobs;
}

async function network(t: { teardown(fn: () => unknown): void }, count: number): Promise<Peer[]> {
  const { dir, remove } = await tempDir('peer-blobs');
  t.teardown(remove);
  const net = createMemoryNetwork();
  const peers: Peer[] = [];
  for (let i = 0; i < count; i++) {
    const transport = net.createTransport();
    const store = await openLocalBlobStore({ dir: join(dir, `n${i + 1}`), quotas: fixedQuotas({ [owner.address]: { bytesMax: 1 << 26, ttlMs: 86_400_000 } }) });
    const blobs = await createPeerBlobService({ transport, protocol, store, auth: createBlobAuthVerifier(), logger });
    await transport.start();
    t.teardown(async () => {
      await transport.stop();
      await store.close();
    });
    peers.push({ transport, store, blobs });
  }
  return peers;
}

const put = (store: BlobStore, bytes: Buffer, readers: string[]) =>
  store.put({ hash: sha256Hex(bytes), owner: owner.address, body: Readable.from([bytes]), readers });
const auth = (key: typeof reader, hash: string) => signBlobAuth({ key, method: 'GET', hash, timeMs: Date.now() });

test('a blob stored on another node reads through the peers, for its readers only', async (t) => {
  const [n1, n2, n3] = await network(t, 3);
  const bytes = Buffer.from('a worker’s run log\n'.repeat(20));
  const hash = sha256Hex(bytes);
  await put(n3!.store, bytes, [reader.address]);
  t.deepEqual(await n1!.blobs.fetch(hash, auth(reader, hash)), bytes);
  t.deepEqual(await n2!.blobs.fetch(hash, auth(owner, hash)), bytes, 'its owner');
  t.true(isAinError(await t.throwsAsync(n1!.blobs.fetch(hash, auth(stranger, hash))), 'ACCESS_DENIED'));
  t.true(isAinError(await t.throwsAsync(n1!.blobs.fetch(hash, undefined)), 'BAD_AUTH'), 'unsigned: sign it');
  // The storing node remembers each signed request's nonce: the same header again is refused there.
  const header = auth(reader, hash);
  await n1!.blobs.fetch(hash, header);
  t.true(isAinError(await t.throwsAsync(n2!.blobs.fetch(hash, header)), 'BAD_AUTH'), 'a replayed header');
});

test('a public blob reads unsigned; none held anywhere is NOT_FOUND saying how many peers were asked', async (t) => {
  const [n1, n2] = await network(t, 3);
  const bytes = Buffer.from('public');
  await put(n2!.store, bytes, ['*']);
  t.deepEqual(await n1!.blobs.fetch(sha256Hex(bytes), undefined), bytes);
  const missing = await t.throwsAsync(n1!.blobs.fetch('0'.repeat(64), undefined));
  t.true(isAinError(missing, 'NOT_FOUND'));
  t.regex(missing.message, /nor on the 2 peers it asked/);
});

test('a blob over what one answer holds is TOO_LARGE, naming where to read it', async (t) => {
  const [n1, n2] = await network(t, 2);
  const bytes = Buffer.alloc(peerBlobBytesMax + 1, 7);
  await put(n2!.store, bytes, ['*']);
  const error = await t.throwsAsync(n1!.blobs.fetch(sha256Hex(bytes), undefined));
  t.true(isAinError(error, 'TOO_LARGE'));
  t.regex(error.message, /read it from the node that stores it/);
});

test('a peer that answers other bytes is skipped: its answer is never served', async (t) => {
  const bytes = Buffer.from('the real bytes');
  const hash = sha256Hex(bytes);
  const forge = async (liar: Peer) => {
    let asked = 0;
    await liar.transport.handle(protocol, async () => {
      asked++;
      return encoder.encode('forged');
    });
    return () => asked;
  };
  const [alone, liar] = await network(t, 2);
  const asked = await forge(liar!);
  t.true(isAinError(await t.throwsAsync(alone!.blobs.fetch(hash, undefined)), 'NOT_FOUND'));
  t.is(asked(), 1);
  const [n1, liar2, honest] = await network(t, 3);
  await forge(liar2!);
  await put(honest!.store, bytes, ['*']);
  t.deepEqual(await n1!.blobs.fetch(hash, undefined), bytes);
});

test('a peer’s malformed blob request is refused with a code, and the node goes on', async (t) => {
  const [n1, n2] = await network(t, 2);
  const ask = (bytes: Uint8Array) => n1!.transport.request(n2!.transport.peerId, protocol, bytes);
  t.true(isAinError(await t.throwsAsync(ask(encoder.encode('not json'))), 'BAD_JSON'));
  t.true(isAinError(await t.throwsAsync(ask(encoder.encode(JSON.stringify({ hash: '../../etc/passwd' })))), 'BAD_SCHEMA'));
  t.true(isAinError(await t.throwsAsync(ask(encoder.encode(JSON.stringify({ hash: 'a'.repeat(64), extra: 1 })))), 'BAD_SCHEMA'));
  const bytes = Buffer.from('still served');
  await put(n2!.store, bytes, ['*']);
  t.true(isAinError(await t.throwsAsync(ask(encoder.encode(JSON.stringify({ hash: sha256Hex(bytes), authorization: 'Ain nope' })))), 'BAD_AUTH'));
  // A blob it does not hold is NOT_FOUND before its header is read (a header it checks is remembered against replays).
  t.true(isAinError(await t.throwsAsync(ask(encoder.encode(JSON.stringify({ hash: 'a'.repeat(64), authorization: 'Ain nope' })))), 'NOT_FOUND'));
  t.deepEqual(await n1!.blobs.fetch(sha256Hex(bytes), undefined), bytes);
});
