import { addressOf, Ed25519PublicKey } from '../crypto/index.ts';

/** A sender's public key, with the address it belongs to. */
export interface SenderKey {
  readonly address: string;
  readonly key: Ed25519PublicKey;
}

// Senders repeat, and hashing a key for its address and importing it cost a fair part of a verify: keep recent ones.
const keyCacheSizeMax = 10_000;
const keyCache = new Map<string, SenderKey>();

/** The key of a `pub` field (64 lowercase hex characters, as the schema checked), from this thread's cache. */
export function senderKeyOf(pub: string): SenderKey {
  let entry = keyCache.get(pub);
  if (entry === undefined) {
    if (keyCache.size >= keyCacheSizeMax) keyCache.clear();
    entry = { address: addressOf(pub), key: new Ed25519PublicKey(Buffer.from(pub, 'hex')) };
    keyCache.set(pub, entry);
  }
  return entry;
}
