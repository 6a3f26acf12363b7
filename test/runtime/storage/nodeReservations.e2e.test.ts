import test from 'ava';
import { pino } from 'pino';
import { generateKeyPair, type KeyPair } from '../../../log/index.ts';
import { getAccount, getBlock, getState, reserveStorageOn } from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode } from '../../../runtime/node/index.ts';
import { authHeader, sha256Hex, tempDir } from './helpers.ts';

const put = async (url: string, key: KeyPair, bytes: Uint8Array) => {
  const hash = sha256Hex(bytes);
  const answer = await fetch(`${url}/v1/blobs/${hash}`, { method: 'PUT', headers: authHeader(key, 'PUT', hash), body: bytes });
  return { status: answer.status, body: (await answer.json()) as { code?: string; expiresAtMs?: number } };
};

test('a node grants Big Storage as its config says: "node" is its own key, an address its own entry, anyone else nothing', async (t) => {
  const { dir, remove } = await tempDir('reservations');
  t.teardown(remove);
  const alice = generateKeyPair();
  const config = await loadConfig({
    flags: {
      dataDir: dir,
      port: 0,
      verifyThreads: 1,
      storage: { reservations: { node: { bytesMax: 8, ttlMs: 60_000 }, [alice.address]: { bytesMax: 4, ttlMs: 1000 } } },
    },
  });
  const node = await startNode({ config, logger: pino({ level: 'silent' }) });
  t.teardown(() => node.stop());
  t.is((await put(node.url, node.key, new Uint8Array(8).fill(1))).status, 201, "the node's own key: 8 bytes");
  t.is((await put(node.url, node.key, new Uint8Array(1).fill(2))).body.code, 'QUOTA_EXCEEDED', 'and no more');
  const before = Date.now();
  const alicePut = await put(node.url, alice, new Uint8Array(4).fill(3));
  t.is(alicePut.status, 201);
  t.true(alicePut.body.expiresAtMs! <= Date.now() + 1000 && alicePut.body.expiresAtMs! >= before, "held at most alice's ttlMs");
  t.is((await put(node.url, generateKeyPair(), new Uint8Array(1))).body.code, 'QUOTA_EXCEEDED', 'anyone else has no reservation');
});

test('a node grants Big Storage the ledger sold: refused before a reserveStorage naming it, room as reserved after, freed at its end', async (t) => {
  const { dir, remove } = await tempDir('ledger-reservations');
  t.teardown(remove);
  const config = await loadConfig({ flags: { dataDir: dir, port: 0, verifyThreads: 1, block: { intervalMs: 50 } } });
  const node = await startNode({ config, logger: pino({ level: 'silent' }) });
  t.teardown(() => node.stop());
  const alice = generateKeyPair();
  const bob = generateKeyPair();
  const refused = await put(node.url, alice, new Uint8Array(1));
  t.is(refused.body.code, 'QUOTA_EXCEEDED');
  t.regex((refused.body as { message?: string }).message ?? '', /reserveStorage tx naming this node's address as provider/);

  await node.submit({ type: 'send', to: alice.address, amount: '100' });
  await until(async () => (await getAccount({ url: node.url }, { address: alice.address })).balance === '100');
  // The dev genesis: the node sells room at 1000 AIN per GiB-day; 8 bytes for 2 s cost 1 AIN (rounded up).
  const landed = await reserveStorageOn({ nodeUrl: node.url, key: alice, bytes: 8, ttlMs: 2000 });
  t.is(landed.outcome.code, 'ok');
  t.is((await getAccount({ url: node.url }, { address: alice.address })).balance, '99');
  t.is((await getAccount({ url: node.url }, { address: node.key.address })).balance, '999999901', 'the provider was paid (the dev supply less the 100 sent)');
  await reserveStorageOn({ nodeUrl: node.url, key: alice, bytes: 4, ttlMs: 60_000, holder: bob.address });

  const kept = await put(node.url, alice, new Uint8Array(8).fill(7));
  t.is(kept.status, 201);
  const { time } = (await getBlock({ url: node.url }, { height: landed.height })).header;
  t.true(kept.body.expiresAtMs! <= time + 2000, `held no longer than the reservation: ${kept.body.expiresAtMs} vs ${time + 2000}`);
  t.is((await put(node.url, alice, new Uint8Array(1).fill(8))).body.code, 'QUOTA_EXCEEDED', 'and no more than it');
  t.is((await put(node.url, bob, new Uint8Array(4).fill(9))).status, 201, 'bob holds the room alice bought him');

  // Past its end the room is gone, and the next block frees it on the ledger.
  await until(async () => Date.now() > time + 2000);
  t.is((await put(node.url, alice, new Uint8Array(2).fill(10))).body.code, 'QUOTA_EXCEEDED');
  await node.submit({ type: 'send', to: bob.address, amount: '1' });
  await until(async () => (await getState({ url: node.url }, { path: `/storage/grants/${node.key.address}/${alice.address}` })).value === null);
  const offer = (await getState({ url: node.url }, { path: `/storage/offers/${node.key.address}` })).value as { reserved: number };
  t.is(offer.reserved, 4, "only bob's grant is still reserved");
});

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
