import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { loadOrCreateKeyFile } from '../keys/index.ts';

/** The peer key's file in a node's data dir. */
export const peerKeyFileName = 'p2p.key';

/**
 * The 32-byte Ed25519 seed of a node's libp2p identity, kept in a key file like any ain key
 * (JSON, mode 0600, refused when others can read it) and created when absent, so a node keeps its
 * peer id across restarts.
 * @example const { seed } = await loadPeerSeed(join(dataDir, peerKeyFileName))
 */
export async function loadPeerSeed(path: string): Promise<{ seed: Uint8Array; created: boolean }> {
  const { key, created } = await loadOrCreateKeyFile(path);
  return { seed: new Uint8Array(Buffer.from(key.privateKey, 'hex')), created };
}

/**
 * The peer id a seed gives (what other nodes put after `/p2p/` in its address).
 * @example await peerIdOfSeed(seed) // '12D3KooW…'
 */
export async function peerIdOfSeed(seed: Uint8Array): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', seed)).toString();
}
