import { verify, type KeyObject } from 'node:crypto';
import { publicKeyObject } from './keys.ts';

/** An Ed25519 public key: its raw bytes, and an OpenSSL key made when first needed. */
export class Ed25519PublicKey {
  #object: KeyObject | undefined;
  constructor(readonly raw: Buffer) {}

  get object(): KeyObject {
    return (this.#object ??= publicKeyObject(this.raw.toString('hex')));
  }
}

/**
 * Verifies an Ed25519 signature with node:crypto (OpenSSL).
 * @example verifyEd25519(signedBytes, Buffer.from(tx.sig, 'hex'), new Ed25519PublicKey(Buffer.from(tx.pub, 'hex')))
 */
export function verifyEd25519(message: Uint8Array, signature: Uint8Array, key: Ed25519PublicKey): boolean {
  return verify(null, message, key.object, signature);
}
