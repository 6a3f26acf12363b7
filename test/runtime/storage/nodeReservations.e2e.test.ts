import test from 'ava';
import { pino } from 'pino';
import { generateKeyPair, type KeyPair } from '../../../log/index.ts';
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
