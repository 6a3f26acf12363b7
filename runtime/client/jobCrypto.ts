import { createRequire } from 'node:module';
import type { KeyPair } from '../../log/index.ts';
import { canonicalBytes } from '../../log/index.ts';
import { AinError } from '../../schemas/index.ts';

// Encrypted job data with libsodium (sodium-native, the library the node already verifies
// signatures with): an input is encrypted with XChaCha20-Poly1305 under a 32-byte data key of the
// client's, and the key is sealed (X25519 sealed box) to each node that accepted the request, to
// the box key it published — the X25519 form of its own Ed25519 key, so no new key is kept.

interface Sodium {
  randombytes_buf(buffer: Buffer): void;
  crypto_sign_ed25519_pk_to_curve25519(x25519: Buffer, ed25519: Buffer): void;
  crypto_sign_ed25519_sk_to_curve25519(x25519: Buffer, ed25519: Buffer): void;
  crypto_box_seal(sealed: Buffer, message: Buffer, publicKey: Buffer): void;
  crypto_box_seal_open(message: Buffer, sealed: Buffer, publicKey: Buffer, secretKey: Buffer): boolean;
  crypto_aead_xchacha20poly1305_ietf_encrypt(cipher: Buffer, message: Buffer, ad: Buffer | null, nsec: null, nonce: Buffer, key: Buffer): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(message: Buffer, nsec: null, cipher: Buffer, ad: Buffer | null, nonce: Buffer, key: Buffer): number;
}
const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;

const keyBytes = 32;
const nonceBytes = 24;
const tagBytes = 16;
const sealBytes = 48;

/** An input as a request carries it when encrypted: `{ encrypted: { alg, nonce, ciphertext } }`, JSON like any input. */
export type EncryptedInput = {
  readonly encrypted: { readonly alg: 'xchacha20poly1305'; readonly nonce: string; readonly ciphertext: string };
};

export function isEncryptedInput(input: unknown): input is EncryptedInput {
  const encrypted = (input as { encrypted?: { alg?: unknown; nonce?: unknown; ciphertext?: unknown } } | null)?.encrypted;
  return (
    typeof encrypted === 'object' &&
    encrypted !== null &&
    encrypted.alg === 'xchacha20poly1305' &&
    typeof encrypted.nonce === 'string' &&
    typeof encrypted.ciphertext === 'string'
  );
}

/** A fresh 32-byte data key. */
export function newDataKey(): Buffer {
  const key = Buffer.alloc(keyBytes);
  sodium.randombytes_buf(key);
  return key;
}

/** `message` under `dataKey` with the job id as associated data: the envelope an input or a blob carries. */
function sealUnder(message: Buffer, dataKey: Buffer, job: string): EncryptedInput {
  const nonce = Buffer.alloc(nonceBytes);
  sodium.randombytes_buf(nonce);
  const cipher = Buffer.alloc(message.length + tagBytes);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(cipher, message, Buffer.from(job, 'utf8'), null, nonce, dataKey);
  return { encrypted: { alg: 'xchacha20poly1305', nonce: nonce.toString('hex'), ciphertext: cipher.toString('base64') } };
}

/** The bytes an envelope sealed; DECRYPT_FAILED (naming `what`) when the key, the job or the bytes are not the ones it was sealed with. */
function openUnder(envelope: EncryptedInput, dataKey: Buffer, job: string, what: string): Buffer {
  const nonce = Buffer.from(envelope.encrypted.nonce, 'hex');
  const cipher = Buffer.from(envelope.encrypted.ciphertext, 'base64');
  if (nonce.length !== nonceBytes || cipher.length < tagBytes)
    throw new AinError('DECRYPT_FAILED', `The encrypted ${what} is not an XChaCha20-Poly1305 nonce and ciphertext.`);
  const message = Buffer.alloc(cipher.length - tagBytes);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(message, null, cipher, Buffer.from(job, 'utf8'), nonce, dataKey);
  } catch (cause) {
    throw new AinError('DECRYPT_FAILED', `The encrypted ${what} does not open with this key for this job.`, { cause });
  }
  return message;
}

/**
 * The input encrypted under `dataKey`, bound to the job it is for (its id is the associated data:
 * the ciphertext does not open as another job's input).
 * @example const job_input = encryptInput({ y: 4 }, dataKey, jobId)
 */
export function encryptInput(input: unknown, dataKey: Buffer, job: string): EncryptedInput {
  return sealUnder(Buffer.from(canonicalBytes(input)), dataKey, job);
}

/** The input back; DECRYPT_FAILED when the key, the job or the bytes are not the ones it was sealed with. */
export function decryptInput(input: EncryptedInput, dataKey: Buffer, job: string): unknown {
  return JSON.parse(openUnder(input, dataKey, job, 'input').toString('utf8')) as unknown;
}

/**
 * A file for Big Storage encrypted under a request's data key, bound to its job as an input is:
 * the blob holds the JSON of the same envelope, so whoever may read the blob reads only
 * ciphertext, and a worker that took the request opens it with the key the client sealed to it.
 * @example await putSmallBlob({ nodeUrl, key, bytes: encryptBlob(rows, dataKey, jobId), readers: ['*'] })
 */
export function encryptBlob(bytes: Uint8Array, dataKey: Buffer, job: string): Uint8Array {
  return Buffer.from(JSON.stringify(sealUnder(Buffer.from(bytes), dataKey, job)), 'utf8');
}

/** A blob's envelope when it holds one (encryptBlob), else undefined: a blob of anything else is not encrypted. */
export function encryptedBlobOf(bytes: Uint8Array): EncryptedInput | undefined {
  if (bytes.length === 0 || bytes[0] !== 0x7b) return undefined; // '{'
  try {
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    return isEncryptedInput(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The bytes of an encrypted blob; DECRYPT_FAILED when they do not open with this key for this job. */
export function decryptBlob(envelope: EncryptedInput, dataKey: Buffer, job: string): Uint8Array {
  return openUnder(envelope, dataKey, job, 'blob');
}

/** The X25519 public key (hex) of an Ed25519 key pair: what a node publishes as `box_key` when it accepts. */
export function boxKeyOf(key: Pick<KeyPair, 'publicKey'>): string {
  const x25519 = Buffer.alloc(32);
  sodium.crypto_sign_ed25519_pk_to_curve25519(x25519, Buffer.from(key.publicKey, 'hex'));
  return x25519.toString('hex');
}

/** `dataKey` sealed to a node's box key: what `shareKey` carries (160 hex). */
export function sealDataKey(dataKey: Buffer, boxKey: string): string {
  const sealed = Buffer.alloc(keyBytes + sealBytes);
  sodium.crypto_box_seal(sealed, dataKey, Buffer.from(boxKey, 'hex'));
  return sealed.toString('hex');
}

/** The data key a client sealed to this key pair's box key; DECRYPT_FAILED when it was sealed to another. */
export function openDataKey(sealed: string, key: KeyPair): Buffer {
  const publicKey = Buffer.from(boxKeyOf(key), 'hex');
  const secretKey = Buffer.alloc(32);
  sodium.crypto_sign_ed25519_sk_to_curve25519(secretKey, Buffer.concat([Buffer.from(key.privateKey, 'hex'), Buffer.from(key.publicKey, 'hex')]));
  const dataKey = Buffer.alloc(keyBytes);
  const cipher = Buffer.from(sealed, 'hex');
  let opened: boolean;
  try {
    opened = cipher.length === keyBytes + sealBytes && sodium.crypto_box_seal_open(dataKey, cipher, publicKey, secretKey);
  } catch {
    opened = false;
  }
  secretKey.fill(0);
  if (!opened) throw new AinError('DECRYPT_FAILED', 'The sealed key does not open with this key: it was sealed to another node.');
  return dataKey;
}
