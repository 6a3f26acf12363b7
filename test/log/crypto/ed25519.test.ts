import test from 'ava';
import { createHash, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  ed25519Verifier,
  Ed25519PublicKey,
  forceNodeCryptoEnv,
  keyPairFromSeed,
  loadSodium,
  privateKeyObject,
  signatureVerifier,
  verifyEd25519,
  type Sodium,
} from '../../../log/crypto/index.ts';
import { speccheckCases } from '../../fixtures/ed25519Speccheck.ts';
import {
  add,
  base,
  challenge,
  decode,
  encode,
  equals,
  fromLittleEndian,
  identity,
  L,
  littleEndian,
  multiply,
  p,
  signatureOf,
  signWith,
  torsion,
  type Point,
} from '../../fixtures/ed25519Points.ts';

// verifyEd25519 runs libsodium and falls back to node:crypto for what libsodium refuses: it must
// accept exactly what node:crypto (OpenSSL) accepts, or nodes on the two verifiers would split.

interface Triple {
  readonly about: string;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly publicKey: Uint8Array;
}

const nodeCryptoAlone = ed25519Verifier(null);
const sodium = loadSodium().sodium;

type Verdict = 'accept' | 'refuse' | `throws: ${string}`;

function verdictOf(verify: (message: Uint8Array, signature: Uint8Array, key: Ed25519PublicKey) => boolean, { message, signature, publicKey }: Triple): Verdict {
  try {
    return verify(message, signature, new Ed25519PublicKey(Buffer.from(publicKey))) ? 'accept' : 'refuse';
  } catch (error) {
    return `throws: ${(error as Error).message}`;
  }
}

/** libsodium alone, for the log: where it refuses and node:crypto accepts, the fallback decides. */
const sodiumAlone = (triple: Triple): Verdict => (sodium === null ? 'refuse' : verdictOf((m, s, k) => sodium.crypto_sign_verify_detached(s, m, k.raw), triple));

/** Every triple gets the same verdict from verifyEd25519 and from node:crypto alone; returns how often the fallback decided. */
function sameVerdicts(
  t: { deepEqual: (a: unknown, b: unknown, message?: string) => void },
  triples: readonly Triple[],
): { accepted: number; byFallback: number } {
  let accepted = 0;
  let byFallback = 0;
  for (const triple of triples) {
    const expected = verdictOf(nodeCryptoAlone, triple);
    t.deepEqual(verdictOf(verifyEd25519, triple), expected, triple.about);
    if (expected === 'accept') accepted++;
    if (expected === 'accept' && sodiumAlone(triple) !== 'accept') byFallback++;
  }
  return { accepted, byFallback };
}

/** A deterministic byte stream from a seed (SHA-256 in counter mode), so a failure can be replayed. */
class Random {
  #counter = 0;
  #pool = Buffer.alloc(0);
  constructor(readonly seed: string) {}
  bytes(count: number): Buffer {
    while (this.#pool.length < count) {
      this.#pool = Buffer.concat([this.#pool, createHash('sha256').update(`${this.seed}:${this.#counter++}`).digest()]);
    }
    const out = this.#pool.subarray(0, count);
    this.#pool = this.#pool.subarray(count);
    return Buffer.from(out);
  }
  below(max: number): number {
    return this.bytes(4).readUInt32LE() % max;
  }
  scalar(): bigint {
    return fromLittleEndian(this.bytes(64)) % L;
  }
}

const seed = process.env.ED25519_SET_SEED ?? '20261201';
const hex = (h: string) => Buffer.from(h, 'hex');
const flipBit = (bytes: Uint8Array, bit: number): Buffer => {
  const out = Buffer.from(bytes);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
};
const withS = (signature: Uint8Array, s: bigint): Buffer => signatureOf(signature.subarray(0, 32), s);
const sOf = (signature: Uint8Array): bigint => fromLittleEndian(signature.subarray(32, 64));

/** The libsodium version inside sodium-native's prebuilt binary (the binding does not expose it), for the log. */
function libsodiumVersion(): string {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('sodium-native/package.json'));
    const binary = readFileSync(join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'sodium-native.node')).toString('latin1');
    const source = /jedisct1\/libsodium#(\w+)/.exec(readFileSync(join(root, 'CMakeLists.txt'), 'utf8'))?.[1];
    return `${/\b1\.0\.\d+\b/.exec(binary)?.[0] ?? 'unknown'} (built from jedisct1/libsodium@${source ?? '?'})`;
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

test.before((t) => {
  const verifier = signatureVerifier();
  t.log(`verifier ${verifier.name}; OpenSSL ${process.versions.openssl}; sodium-native ${verifier.sodiumNative ?? '-'}, libsodium ${libsodiumVersion()}`);
  if (verifier.reason !== undefined) t.log(`node:crypto alone: ${verifier.reason}`);
});

test('sodium-native loads here (prebuilt, no install script), unless node:crypto is forced', (t) => {
  if (process.env[forceNodeCryptoEnv] === 'node:crypto') return t.is(signatureVerifier().name, 'node:crypto');
  t.is(signatureVerifier().name, 'libsodium+node:crypto', signatureVerifier().reason);
  t.not(sodium, null);
});

test('the 12 ed25519-speccheck vectors: the same verdicts; libsodium alone refuses some that node:crypto accepts', (t) => {
  const triples = speccheckCases.map((c) => ({ about: c.about, message: hex(c.message), signature: hex(c.signature), publicKey: hex(c.publicKey) }));
  const { byFallback } = sameVerdicts(t, triples);
  t.log(`node:crypto: ${triples.map((c) => (verdictOf(nodeCryptoAlone, c) === 'accept' ? 'V' : 'X')).join(' ')}`);
  t.log(`libsodium:   ${triples.map((c) => (sodiumAlone(c) === 'accept' ? 'V' : 'X')).join(' ')}`);
  if (sodium !== null) t.true(byFallback > 0, 'no vector exercised the fallback to node:crypto');
});

test('torsion-twisted keys and nonces (a valid signature plus a small-order component): the same verdicts', (t) => {
  const random = new Random(`${seed}:torsion`);
  const triples: Triple[] = [];
  for (const [k, T] of torsion.entries()) {
    for (let i = 0; i < 12; i++) {
      const a = random.scalar();
      const message = random.bytes(1 + random.below(80));
      const twistedKey = encode(add(multiply(base, a), T));
      triples.push({
        about: `key aB + ${k}·T8, message ${i}`,
        message,
        publicKey: twistedKey,
        signature: signWith({ a, r: random.scalar(), publicKey: twistedKey, message }),
      });
      const key = encode(multiply(base, a));
      const r = random.scalar();
      const R = encode(add(multiply(base, r), T));
      const s = (r + challenge(R, key, message) * a) % L;
      triples.push({ about: `nonce rB + ${k}·T8, message ${i}`, message, publicKey: key, signature: signatureOf(R, s) });
      const T2 = torsion[(k * 3 + i) % 8]!;
      const R2 = encode(add(multiply(base, r), T2));
      triples.push({
        about: `key aB + ${k}·T8, nonce rB + T8·${(k * 3 + i) % 8}, message ${i}`,
        message,
        publicKey: twistedKey,
        signature: signatureOf(R2, (r + challenge(R2, twistedKey, message) * a) % L),
      });
    }
  }
  const { accepted, byFallback } = sameVerdicts(t, triples);
  t.log(`${triples.length} triples, ${accepted} accepted by node:crypto, ${byFallback} of them refused by libsodium alone`);
  t.true(accepted > 0 && accepted < triples.length);
});

test('small-order keys and non-canonical encodings of A and R: the same verdicts', (t) => {
  const random = new Random(`${seed}:encodings`);
  // Every encoding whose y is at least p (y + p for the few points with y < 19), and "-0" for x = 0.
  const encodings: { about: string; bytes: Buffer; point: Point }[] = [];
  for (let y = 0n; y < 19n; y++) {
    for (const sign of [0n, 1n]) {
      const bytes = littleEndian((y + p) | (sign << 255n));
      const point = decode(bytes);
      if (point !== null) encodings.push({ about: `y = ${y} + p, sign ${sign}`, bytes, point });
    }
  }
  for (const [k, T] of torsion.entries()) {
    encodings.push({ about: `${k}·T8 canonical`, bytes: encode(T), point: T });
    encodings.push({ about: `${k}·T8 with the other sign bit`, bytes: encode(T, { signBit: Number(encode(T)[31]! >> 7) === 1 ? 0 : 1 }), point: T });
  }
  t.true(encodings.length > 16);
  const triples: Triple[] = [];
  const isSmall = (point: Point) => equals(multiply(point, 8n), identity);
  for (const { about, bytes, point } of encodings) {
    for (let i = 0; i < 6; i++) {
      const message = random.bytes(32);
      const r = random.scalar();
      const R = encode(multiply(base, r));
      // As A: with s = r the equation holds when k·A vanishes, k hashed over these bytes or the canonical ones.
      triples.push({ about: `A ${about}, s = r, message ${i}`, message, publicKey: bytes, signature: signatureOf(R, r) });
      if (isSmall(point)) {
        for (let n = 0; n < 64; n++) {
          const tried = Buffer.concat([message, Buffer.from([n])]);
          const vanishes = (over: Uint8Array) => equals(multiply(point, challenge(R, over, tried)), identity);
          if (vanishes(bytes) || vanishes(encode(point))) {
            triples.push({ about: `A ${about}, s = r, k·A = 0, message ${i}.${n}`, message: tried, publicKey: bytes, signature: signatureOf(R, r) });
            break;
          }
        }
      }
      // As R, with a prime-order key: s = k·a makes sB - kA the identity.
      const a = random.scalar();
      const key = encode(multiply(base, a));
      triples.push({
        about: `R ${about}, s = k·a, message ${i}`,
        message,
        publicKey: key,
        signature: signatureOf(bytes, (challenge(bytes, key, message) * a) % L),
      });
      triples.push({ about: `R ${about}, s random, message ${i}`, message, publicKey: key, signature: signatureOf(bytes, random.scalar()) });
    }
  }
  const { accepted, byFallback } = sameVerdicts(t, triples);
  t.log(`${triples.length} triples, ${accepted} accepted by node:crypto, ${byFallback} of them refused by libsodium alone`);
});

test('s ≥ L, wrong lengths and garbage around valid signatures: the same verdicts', (t) => {
  const random = new Random(`${seed}:bounds`);
  const triples: Triple[] = [];
  for (let i = 0; i < 24; i++) {
    const key = keyPairFromSeed(random.bytes(32).toString('hex'));
    const publicKey = hex(key.publicKey);
    const message = random.bytes(random.below(600));
    const signature = sign(null, message, privateKeyObject(key.privateKey));
    const s = sOf(signature);
    const one = (about: string, changed: Partial<Triple>) => triples.push({ about: `${about}, key ${i}`, message, signature, publicKey, ...changed });
    one('valid', {});
    for (let m = 1n; s + m * L < 2n ** 256n; m++) one(`s + ${m}L`, { signature: withS(signature, s + m * L) });
    one('s = L', { signature: withS(signature, L) });
    one('s = 2^256 - 1', { signature: withS(signature, 2n ** 256n - 1n) });
    one('s with its top bit set', { signature: withS(signature, s | (1n << 255n)) });
    one('a 65-byte signature (a valid one and a byte)', { signature: Buffer.concat([signature, Buffer.from([i])]) });
    one('a 63-byte signature', { signature: signature.subarray(0, 63) });
    one('an empty signature', { signature: Buffer.alloc(0) });
    one('a 31-byte key', { publicKey: publicKey.subarray(0, 31) });
    one('a 33-byte key', { publicKey: Buffer.concat([publicKey, Buffer.from([0])]) });
    one('the key with its sign bit flipped', { publicKey: flipBit(publicKey, 255) });
  }
  const { accepted } = sameVerdicts(t, triples);
  t.is(accepted, 24);
});

test('10,000 random triples, valid and mutated, with a fixed seed: the same verdicts', (t) => {
  const random = new Random(`${seed}:random`);
  t.log(`seed ${seed} (set ED25519_SET_SEED to try another)`);
  const keys = Array.from({ length: 64 }, () => keyPairFromSeed(random.bytes(32).toString('hex')));
  const signers = keys.map((k) => privateKeyObject(k.privateKey));
  const triples: Triple[] = [];
  for (let i = 0; i < 10_000; i++) {
    const n = random.below(keys.length);
    const publicKey = hex(keys[n]!.publicKey);
    const message = random.bytes(random.below(600));
    const signature = sign(null, message, signers[n]!);
    const kind = random.below(20);
    const about = `triple ${i}, mutation ${kind}`;
    if (kind < 10) triples.push({ about, message, signature, publicKey });
    else if (kind === 10) triples.push({ about, message, signature: flipBit(signature, random.below(256)), publicKey });
    else if (kind === 11) triples.push({ about, message, signature: flipBit(signature, 256 + random.below(256)), publicKey });
    else if (kind === 12)
      triples.push({ about, message: message.length === 0 ? Buffer.from([0]) : flipBit(message, random.below(message.length * 8)), signature, publicKey });
    else if (kind === 13) triples.push({ about, message, signature, publicKey: hex(keys[(n + 1) % keys.length]!.publicKey) });
    else if (kind === 14) triples.push({ about, message, signature, publicKey: flipBit(publicKey, random.below(256)) });
    else if (kind === 15) triples.push({ about, message, signature: random.bytes(64), publicKey });
    else if (kind === 16) triples.push({ about, message, signature: withS(signature, sOf(signature) + L), publicKey });
    else if (kind === 17) triples.push({ about, message, signature, publicKey: encode(torsion[random.below(8)]!) });
    else if (kind === 18) triples.push({ about, message, signature: Buffer.concat([encode(torsion[random.below(8)]!), signature.subarray(32)]), publicKey });
    else triples.push({ about, message, signature, publicKey: encode(add(decode(publicKey)!, torsion[random.below(8)]!)) });
  }
  const { accepted, byFallback } = sameVerdicts(t, triples);
  t.log(`${triples.length} triples, ${accepted} accepted by node:crypto, ${byFallback} of them refused by libsodium alone`);
  t.true(accepted >= 4500);
});

test('libsodium settles a valid signature alone: the OpenSSL key is never imported', (t) => {
  if (sodium === null) return t.pass('sodium-native did not load');
  class NoOpenSslKey extends Ed25519PublicKey {
    override get object(): never {
      throw new Error('node:crypto was asked');
    }
  }
  const key = keyPairFromSeed('51'.repeat(32));
  const message = Buffer.from('a valid signature');
  const signature = sign(null, message, privateKeyObject(key.privateKey));
  const combined = ed25519Verifier(sodium);
  t.true(combined(message, signature, new NoOpenSslKey(hex(key.publicKey))));
  t.throws(() => combined(message, flipBit(signature, 3), new NoOpenSslKey(hex(key.publicKey))), { message: 'node:crypto was asked' });
});

test('where sodium-native cannot load, node:crypto verifies alone and says why', (t) => {
  const { sodium: none, verifier } = loadSodium(() => {
    throw new Error('no prebuilt binary for this platform');
  });
  t.is(none, null);
  t.like(verifier, { name: 'node:crypto', sodiumNative: null, openssl: process.versions.openssl });
  t.regex(verifier.reason!, /sodium-native did not load: no prebuilt binary/);
  const fake: Sodium = { crypto_sign_verify_detached: () => true };
  t.false(
    ed25519Verifier(fake)(Buffer.alloc(0), Buffer.alloc(65), new Ed25519PublicKey(hex(keyPairFromSeed('52'.repeat(32)).publicKey))),
    'lengths are guarded first',
  );
});
