import test from 'ava';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPeerSeed, peerIdOfSeed, peerKeyFileName } from '../../../runtime/net/index.ts';

test('loadPeerSeed: creates the peer key once (mode 0600) and gives the same peer id after', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ain-peer-key-'));
  try {
    const path = join(dir, peerKeyFileName);
    const first = await loadPeerSeed(path);
    t.true(first.created);
    t.is(first.seed.length, 32);
    t.is((await stat(path)).mode & 0o777, 0o600);
    const again = await loadPeerSeed(path);
    t.false(again.created);
    t.deepEqual(again.seed, first.seed);
    const peerId = await peerIdOfSeed(first.seed);
    t.regex(peerId, /^12D3KooW/);
    t.is(await peerIdOfSeed(again.seed), peerId);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
