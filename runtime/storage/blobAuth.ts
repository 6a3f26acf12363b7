import { randomBytes, sign, verify } from 'node:crypto';
import { addressOf, canonicalBytes, privateKeyObject, publicKeyObject, type KeyPair } from '../../log/index.ts';
import { AinError, BlobAuth, parseOrThrow, type BlobMethod, type UnsignedBlobAuth } from '../../schemas/index.ts';

/** The HTTP auth scheme: `Authorization: Ain <base64url of the BlobAuth JSON>`. */
export const blobAuthScheme = 'Ain';

export interface SignBlobAuthParameters {
  readonly key: KeyPair;
  readonly method: BlobMethod;
  readonly hash: string;
  /** The signer's clock, ms. */
  readonly timeMs: number;
  /** Default: 16 random bytes. */
  readonly nonce?: string;
}

/**
 * The `Authorization` header value of one Big Storage request.
 * @example headers.authorization = signBlobAuth({ key, method: 'GET', hash, timeMs: Date.now() })
 */
export function signBlobAuth({ key, method, hash, timeMs, nonce = randomBytes(16).toString('hex') }: SignBlobAuthParameters): string {
  const unsigned: UnsignedBlobAuth = { v: 1, method, hash, time: timeMs, nonce, pub: key.publicKey };
  const sig = sign(null, canonicalBytes(unsigned), privateKeyObject(key.privateKey)).toString('hex');
  const json = JSON.stringify({ ...unsigned, sig });
  return `${blobAuthScheme} ${Buffer.from(json, 'utf8').toString('base64url')}`;
}

export interface BlobAuthVerifierOptions {
  /** How far the signer's clock may be from ours, either way. */
  readonly windowMs?: number;
  /** Signatures remembered to refuse replays; past it new requests get OVERLOADED. */
  readonly replayEntriesMax?: number;
  readonly now?: () => number;
}

export interface BlobAuthVerifier {
  /**
   * The signer's address, or BAD_AUTH. `header` undefined: BAD_AUTH too. With `signer`, a header
   * signed by another key is BAD_AUTH too, before its signature is remembered: only a header that
   * passes every check spends a place among those remembered.
   */
  verify(header: string | undefined, expected: { method: BlobMethod; hash: string; signer?: string }): string;
}

/**
 * Why a header was refused (BAD_AUTH's `details.reason`): `shape`, `method`, `signature` and
 * `signer` hold whoever checks them (the header proves them wrong); `window` (the clock) and
 * `replay` depend on the checking node and when it checks.
 */
export type BlobAuthRefusal = 'shape' | 'method' | 'window' | 'signature' | 'signer' | 'replay';

const headerBytesMax = 2048;

function bad(message: string, reason: BlobAuthRefusal, cause?: unknown): AinError {
  return new AinError('BAD_AUTH', message, { details: { reason }, ...(cause === undefined ? {} : { cause }) });
}

function decode(header: string): BlobAuth {
  const [scheme, token, extra] = header.trim().split(/\s+/);
  if (scheme !== blobAuthScheme || token === undefined || extra !== undefined || header.length > headerBytesMax) {
    throw bad(`The Authorization header must be "${blobAuthScheme} <base64url JSON>" (see docs/storage.md).`, 'shape');
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (cause) {
    throw bad('The Authorization token is not base64url of JSON.', 'shape', cause);
  }
  try {
    return parseOrThrow(BlobAuth, json, 'the Authorization token');
  } catch (cause) {
    throw bad((cause as Error).message, 'shape', cause);
  }
}

/**
 * Checks signed request headers: shape, method and hash, a clock window, the Ed25519 signature,
 * and that the same signature is not used twice within the window.
 */
export function createBlobAuthVerifier({ windowMs = 60_000, replayEntriesMax = 100_000, now = Date.now }: BlobAuthVerifierOptions = {}): BlobAuthVerifier {
  /** signature → when it stops being acceptable anyway; Map order is insertion order. */
  const seen = new Map<string, number>();
  const prune = (nowMs: number) => {
    for (const [sig, untilMs] of seen) {
      if (untilMs > nowMs) continue;
      seen.delete(sig);
    }
  };
  return {
    verify(header, expected) {
      if (header === undefined) throw bad(`This request needs a signed "Authorization: ${blobAuthScheme} …" header (see docs/storage.md).`, 'shape');
      const auth = decode(header);
      if (auth.method !== expected.method || auth.hash !== expected.hash) {
        throw bad(`The signature is for ${auth.method} ${auth.hash.slice(0, 12)}…, not this ${expected.method} ${expected.hash.slice(0, 12)}….`, 'method');
      }
      const nowMs = now();
      if (Math.abs(nowMs - auth.time) > windowMs) {
        throw bad(
          `The signed time is ${Math.round((auth.time - nowMs) / 1000)} s from this node's clock; at most ${windowMs / 1000} s either way is accepted. Sign again with a correct clock.`,
          'window',
        );
      }
      const { sig, ...unsigned } = auth;
      const ok = verify(null, canonicalBytes(unsigned), publicKeyObject(auth.pub), Buffer.from(sig, 'hex'));
      if (!ok) throw bad('The Authorization signature does not verify against its public key.', 'signature');
      const signer = addressOf(auth.pub);
      if (expected.signer !== undefined && signer !== expected.signer) throw bad(`The header is signed by ${signer}, not by ${expected.signer}.`, 'signer');
      if (seen.has(sig)) throw bad('This signed header was already used; sign each request afresh (a new nonce).', 'replay');
      if (seen.size >= replayEntriesMax) prune(nowMs);
      if (seen.size >= replayEntriesMax)
        throw new AinError('OVERLOADED', 'The node remembers too many recent signed requests to accept another now; retry shortly.');
      seen.set(sig, auth.time + windowMs + 1);
      return signer;
    },
  };
}
