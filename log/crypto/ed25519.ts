import { verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { publicKeyObject } from './keys.ts';

/** The libsodium calls used, as sodium-native exposes them. */
export interface Sodium {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** SHA-256 of `input` into `out` (32 bytes): no buffer allocated per hash (merkle.ts). */
  crypto_hash_sha256?(out: Uint8Array, input: Uint8Array): void;
}

/** Which verifier this thread runs, for the node's log and `/v1/health`. */
export interface SignatureVerifier {
  /** `libsodium+node:crypto`: libsodium first, node:crypto for what it refuses; `node:crypto`: node:crypto alone. */
  readonly name: 'libsodium+node:crypto' | 'node:crypto';
  /** The sodium-native package's version, when it loaded. */
  readonly sodiumNative: string | null;
  readonly openssl: string;
  /** Why libsodium is not used, when it is not. */
  readonly reason?: string;
}

/** An Ed25519 public key as both verifiers take it: its raw bytes, and an OpenSSL key made when first needed. */
export class Ed25519PublicKey {
  #object: KeyObject | undefined;
  constructor(readonly raw: Buffer) {}

  /** Importing an OpenSSL key costs a fair part of a verify, and only what libsodium refuses needs one. */
  get object(): KeyObject {
    return (this.#object ??= publicKeyObject(this.raw.toString('hex')));
  }
}

const publicKeyBytes = 32;
const signatureBytes = 64;

/**
 * `libsodium accepts || node:crypto accepts`. Both compute the cofactorless equation; libsodium
 * also refuses small-order keys and non-canonical encodings, which node:crypto (OpenSSL) accepts,
 * so the union is exactly OpenSSL's accepted set, and libsodium, the faster of the two, settles the
 * common case of a valid signature alone. sodium-native throws on a short signature and reads only
 * the first 64 bytes of a long one, so other lengths go to node:crypto alone.
 */
export function ed25519Verifier(sodium: Sodium | null): (message: Uint8Array, signature: Uint8Array, key: Ed25519PublicKey) => boolean {
  if (sodium === null) return (message, signature, key) => verify(null, message, key.object, signature);
  return (message, signature, key) =>
    (signature.byteLength === signatureBytes && key.raw.byteLength === publicKeyBytes && sodium.crypto_sign_verify_detached(signature, message, key.raw)) ||
    verify(null, message, key.object, signature);
}

/** What `AIN_VERIFIER=node:crypto` forces, in every thread started with it: node:crypto alone, to compare. */
export const forceNodeCryptoEnv = 'AIN_VERIFIER';

const openssl = process.versions.openssl ?? 'unknown';

/**
 * Loads sodium-native (a native addon, prebuilt for common platforms inside its npm package);
 * where it cannot load, node:crypto verifies alone, with the same accepted set.
 */
export function loadSodium(require: (id: string) => unknown = createRequire(import.meta.url)): { sodium: Sodium | null; verifier: SignatureVerifier } {
  try {
    const sodium = require('sodium-native') as Sodium;
    if (typeof sodium.crypto_sign_verify_detached !== 'function') throw new Error('it has no crypto_sign_verify_detached');
    const { version } = require('sodium-native/package.json') as { version: string };
    return { sodium, verifier: { name: 'libsodium+node:crypto', sodiumNative: version, openssl } };
  } catch (error) {
    const reason = `sodium-native did not load: ${(error as Error).message}`;
    return { sodium: null, verifier: { name: 'node:crypto', sodiumNative: null, openssl, reason } };
  }
}

const loaded =
  process.env[forceNodeCryptoEnv] === 'node:crypto'
    ? { sodium: null, verifier: { name: 'node:crypto', sodiumNative: null, openssl, reason: `${forceNodeCryptoEnv}=node:crypto` } as const }
    : loadSodium();

/**
 * Verifies an Ed25519 signature, accepting exactly what node:crypto (OpenSSL) accepts.
 * @example verifyEd25519(signedBytes, Buffer.from(tx.sig, 'hex'), new Ed25519PublicKey(Buffer.from(tx.pub, 'hex')))
 */
export const verifyEd25519 = ed25519Verifier(loaded.sodium);

/** Which verifier `verifyEd25519` runs in this thread, and why when it is node:crypto alone. */
export const signatureVerifier = (): SignatureVerifier => loaded.verifier;

/** libsodium, when it loaded in this thread (not under AIN_VERIFIER=node:crypto): for hashing in place. */
export const sodiumOrNull = (): Sodium | null => loaded.sodium;
