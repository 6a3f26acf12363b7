import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AinError } from '../../schemas/index.ts';
import { sha256 } from './hash.ts';

/** An Ed25519 key pair in the wire format's hex forms. */
export interface KeyPair {
  /** `"0x"` + hex of the first 20 bytes of SHA-256(raw public key). */
  readonly address: string;
  /** Lowercase hex of the 32-byte raw public key. */
  readonly publicKey: string;
  /** Lowercase hex of the 32-byte Ed25519 seed. */
  readonly privateKey: string;
}

// DER prefixes that wrap a raw 32-byte Ed25519 key as SPKI / PKCS#8 (RFC 8410).
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Address of a raw public key given as hex. */
export function addressOf(publicKeyHex: string): string {
  return '0x' + sha256(Buffer.from(publicKeyHex, 'hex')).subarray(0, 20).toString('hex');
}

/** A KeyObject for a raw public key. JWK import is several times faster than DER in OpenSSL 3. */
export function publicKeyObject(publicKeyHex: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKeyHex, 'hex').toString('base64url') }, format: 'jwk' });
}

export function privateKeyObject(seedHex: string): KeyObject {
  if (!/^[0-9a-f]{64}$/.test(seedHex)) {
    throw new AinError('BAD_HEX', 'A private key must be 64 lowercase hex characters (the 32-byte Ed25519 seed).');
  }
  return createPrivateKey({ key: Buffer.concat([pkcs8Prefix, Buffer.from(seedHex, 'hex')]), format: 'der', type: 'pkcs8' });
}

/** The private KeyObject of a whole key pair, through JWK (fast: no public key derivation). */
export function signingKeyObject(key: KeyPair): KeyObject {
  const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64(key.publicKey), d: b64(key.privateKey) }, format: 'jwk' });
}

/** The key pair of a 32-byte seed (hex). */
export function keyPairFromSeed(seedHex: string): KeyPair {
  const der = createPublicKey(privateKeyObject(seedHex)).export({ format: 'der', type: 'spki' });
  const publicKey = der.subarray(spkiPrefix.length).toString('hex');
  return { address: addressOf(publicKey), publicKey, privateKey: seedHex };
}

/** A fresh key pair from the OS's randomness. */
export function generateKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return keyPairFromSeed(der.subarray(pkcs8Prefix.length).toString('hex'));
}
