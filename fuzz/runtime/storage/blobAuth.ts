// Target `blobAuth`: signed Big Storage request headers (`Authorization: Ain <base64url JSON>`):
// validly signed ones with fields edited before signing, clocks at the window's edges, other
// encodings and schemes, and garbage. The verifier answers the signer's address or BAD_AUTH
// (OVERLOADED when full); an accepted header names its own key, and is refused the second time.
import { sign } from 'node:crypto';
import fc from 'fast-check';
import { addressOf, canonicalBytes } from '../../../log/index.ts';
import { signingKeyObject } from '../../../log/crypto/keys.ts';
import { checkBlobHash, createBlobAuthVerifier } from '../../../runtime/storage/index.ts';
import {
  applyFieldEdit,
  awkwardJson,
  awkwardString,
  copyJson,
  fieldEdit,
  garbageText,
  jsonText,
  textForm,
  type FieldEdit,
  type TextForm,
} from '../../arbitraries/json.ts';
import { testKeys } from '../../arbitraries/tx.ts';
import { attempt, diverge, type Target } from '../../harness.ts';

const nowMs = 1_764_000_000_000;
const windowMs = 60_000;
const hashes = ['a'.repeat(64), 'b'.repeat(64)];
const signers = testKeys.map((k) => signingKeyObject(k));

export interface BlobAuthInput {
  readonly signer: number;
  readonly method: unknown;
  readonly hash: unknown;
  readonly timeOffsetMs: unknown;
  readonly nonce: unknown;
  readonly edits: readonly FieldEdit[];
  readonly form: TextForm;
  readonly encoding: 'base64url' | 'base64' | 'hex' | 'raw';
  readonly scheme: string;
  readonly corruptSig: boolean;
  /** A header not built from a signed request at all. */
  readonly garbage: string | null;
  /** What the route expects; null: what the header signs (when that is a method and a hash). */
  readonly expected: { readonly method: 'GET' | 'PUT'; readonly hash: string } | null;
}

const edge = <T>(good: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good as fc.Arbitrary<unknown>, weight: 20 }, { arbitrary: awkwardJson, weight: 1 });
/** Mostly right, sometimes wrong. */
const mostly = <T>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<T>) => fc.oneof({ arbitrary: right, weight: 10 }, { arbitrary: wrong, weight: 1 });

/** The header an input stands for. */
export function headerOf(input: BlobAuthInput): string {
  if (input.garbage !== null) return input.garbage;
  const key = testKeys[input.signer]!;
  const time = typeof input.timeOffsetMs === 'number' ? nowMs + input.timeOffsetMs : input.timeOffsetMs;
  const unsigned = copyJson({ v: 1, method: input.method, hash: input.hash, time, nonce: input.nonce, pub: key.publicKey }) as Record<string, unknown>;
  for (const edit of input.edits) applyFieldEdit(unsigned, edit);
  let sig = '00'.repeat(64);
  try {
    sig = sign(null, canonicalBytes(unsigned), signers[input.signer]!).toString('hex');
  } catch {
    // not canonicalisable: no signature covers it
  }
  if (input.corruptSig) sig = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
  const json = jsonText({ ...unsigned, sig }, input.form);
  const token = input.encoding === 'raw' ? json : Buffer.from(json, 'utf8').toString(input.encoding);
  return `${input.scheme}${token}`;
}

function expectedOf(input: BlobAuthInput): { method: 'GET' | 'PUT'; hash: string } {
  if (input.expected !== null) return input.expected;
  return { method: input.method === 'PUT' ? 'PUT' : 'GET', hash: typeof input.hash === 'string' ? input.hash : hashes[0]! };
}

export const blobAuthTarget: Target<BlobAuthInput> = {
  name: 'blobAuth',
  about:
    'signed blob request headers (signed then edited, clock edges, encodings, schemes, garbage) through the blob auth verifier, and blob hashes through checkBlobHash',
  inputMs: 250,
  pure: true,
  arbitrary: fc.record({
    signer: fc.nat({ max: testKeys.length - 1 }),
    method: edge(mostly(fc.constantFrom('GET', 'PUT'), fc.constantFrom('get', 'DELETE'))),
    hash: edge(mostly(fc.constantFrom(...hashes), fc.constantFrom('A'.repeat(64), 'a'.repeat(63)))),
    timeOffsetMs: edge(
      fc.oneof(
        fc.constantFrom(0, windowMs, -windowMs, windowMs + 1, -windowMs - 1, 0.5, -nowMs - 1),
        fc.integer({ min: -windowMs, max: windowMs }),
        fc.integer({ min: -2 * windowMs, max: 2 * windowMs }),
      ),
    ),
    nonce: edge(mostly(fc.constantFrom('0123456789abcdef', 'f'.repeat(64)), fc.constantFrom('f'.repeat(65), '0123456789ABCDEF', 'short'))),
    edits: fc.oneof({ arbitrary: fc.constant([]), weight: 5 }, { arbitrary: fc.array(fieldEdit, { minLength: 1, maxLength: 2 }), weight: 1 }),
    form: textForm,
    encoding: mostly(fc.constant('base64url' as const), fc.constantFrom('base64' as const, 'hex' as const, 'raw' as const)),
    scheme: mostly(fc.constantFrom('Ain ', 'Ain  ', '\tAin\t'), fc.constantFrom('ain ', 'Bearer ', 'Ain', ' Ain x ', '')),
    corruptSig: fc.constantFrom(false, false, false, true),
    garbage: fc.oneof(
      { arbitrary: fc.constant(null), weight: 8 },
      { arbitrary: fc.oneof(garbageText, awkwardString, fc.constantFrom('Ain', 'Ain ', 'Ain =', `Ain ${'A'.repeat(3000)}`)), weight: 1 },
    ),
    expected: mostly(fc.constant(null), fc.record({ method: fc.constantFrom('GET' as const, 'PUT' as const), hash: fc.constantFrom(...hashes) })),
  }),
  check(input) {
    const verifier = createBlobAuthVerifier({ now: () => nowMs, windowMs });
    const header = headerOf(input);
    const expected = expectedOf(input);
    const first = attempt(() => verifier.verify(header, expected));
    if (!first.ok) {
      if (first.code !== 'BAD_AUTH') diverge(`the verifier refuses with ${first.code}, not BAD_AUTH: ${first.message}`);
    } else {
      const pub = JSON.parse(Buffer.from(header.trim().split(/\s+/)[1]!, 'base64url').toString('utf8')).pub as string;
      if (first.value !== addressOf(pub)) diverge(`the verifier accepts a header signed by ${addressOf(pub)} as ${first.value}`);
      const second = attempt(() => verifier.verify(header, expected));
      if (second.ok || second.code !== 'BAD_AUTH') diverge(`a signed header used twice is ${second.ok ? 'accepted again' : `refused with ${second.code}`}`);
    }
    const param = typeof input.hash === 'string' ? input.hash : (JSON.stringify(input.hash) ?? '');
    const checked = attempt(() => checkBlobHash(param));
    if (!checked.ok && checked.code !== 'BAD_BLOB_HASH') diverge(`checkBlobHash refuses with ${checked.code}`);
  },
  describe: (input) => `header ${JSON.stringify(headerOf(input))} for ${expectedOf(input).method} ${expectedOf(input).hash}`,
};
