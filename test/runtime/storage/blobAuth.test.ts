import test from 'ava';
import { generateKeyPair } from '../../../log/index.ts';
import { isAinError, type BlobMethod } from '../../../schemas/index.ts';
import { createBlobAuthVerifier, signBlobAuth } from '../../../runtime/storage/index.ts';
import { fakeClock } from './helpers.ts';

const key = generateKeyPair();
const hash = 'ab'.repeat(32);

test('a signed header verifies to the signer address, once', (t) => {
  const clock = fakeClock();
  const verifier = createBlobAuthVerifier({ now: clock.now, windowMs: 60_000 });
  const header = signBlobAuth({ key, method: 'GET', hash, timeMs: clock.now() });
  t.is(verifier.verify(header, { method: 'GET', hash }), key.address);
  t.true(
    isAinError(
      t.throws(() => verifier.verify(header, { method: 'GET', hash })),
      'BAD_AUTH',
    ),
    'a replay is refused',
  );
});

test('another method or hash, a stale or future time, a forged signature or garbage: BAD_AUTH', (t) => {
  const clock = fakeClock();
  const verifier = createBlobAuthVerifier({ now: clock.now, windowMs: 60_000 });
  const sign = (over: { method?: BlobMethod; timeMs?: number } = {}) =>
    signBlobAuth({ key, method: over.method ?? 'GET', hash, timeMs: over.timeMs ?? clock.now() });
  const refused = (header: string | undefined, expected: { method: BlobMethod; hash: string } = { method: 'GET', hash }) =>
    isAinError(
      t.throws(() => verifier.verify(header, expected)),
      'BAD_AUTH',
    );
  t.true(refused(sign({ method: 'PUT' })));
  // Each purpose signs its own method: a blob's PUT over a hash never passes as a call's INVOKE or ANSWER over it.
  t.true(refused(sign({ method: 'PUT' }), { method: 'INVOKE', hash }));
  t.true(refused(sign({ method: 'PUT' }), { method: 'ANSWER', hash }));
  t.true(refused(sign({ method: 'GET' }), { method: 'TAKE', hash }));
  t.true(refused(sign({ method: 'PUT' }), { method: 'PROGRESS', hash }));
  t.true(refused(sign(), { method: 'GET', hash: 'cd'.repeat(32) }));
  t.true(refused(sign({ timeMs: clock.now() - 60_001 })));
  t.true(refused(sign({ timeMs: clock.now() + 60_001 })));
  t.true(refused(undefined));
  t.true(refused('Bearer x'));
  t.true(refused('Ain !!!'));
  // Swap in another key's public key: the signature no longer verifies.
  const token = JSON.parse(Buffer.from(sign().split(' ')[1]!, 'base64url').toString('utf8'));
  const forged = { ...token, pub: generateKeyPair().publicKey };
  t.true(refused(`Ain ${Buffer.from(JSON.stringify(forged)).toString('base64url')}`));
  // Within the window both ways is fine.
  t.is(verifier.verify(sign({ timeMs: clock.now() - 59_000 }), { method: 'GET', hash }), key.address);
});

test('the replay memory is bounded: past it, requests are refused with OVERLOADED until old ones age out', (t) => {
  const clock = fakeClock();
  const verifier = createBlobAuthVerifier({ now: clock.now, windowMs: 1000, replayEntriesMax: 2 });
  const sign = () => signBlobAuth({ key, method: 'GET', hash, timeMs: clock.now() });
  verifier.verify(sign(), { method: 'GET', hash });
  verifier.verify(sign(), { method: 'GET', hash });
  t.true(
    isAinError(
      t.throws(() => verifier.verify(sign(), { method: 'GET', hash })),
      'OVERLOADED',
    ),
  );
  clock.advance(1002);
  t.is(verifier.verify(sign(), { method: 'GET', hash }), key.address);
});

test('a header of another signer than the one expected is BAD_AUTH before its signature is remembered; each refusal names its reason', (t) => {
  const clock = fakeClock();
  const verifier = createBlobAuthVerifier({ now: clock.now, windowMs: 60_000, replayEntriesMax: 1 });
  const reasonOf = (header: string | undefined, expected: { method: BlobMethod; hash: string; signer?: string }) => {
    const error = t.throws(() => verifier.verify(header, expected));
    t.true(isAinError(error, 'BAD_AUTH'), String(error));
    return (error as { details?: { reason?: string } }).details?.reason;
  };
  const other = generateKeyPair();
  // Refused for its signer, it takes no place among those remembered (one here): the next header passes.
  for (let i = 0; i < 3; i++) {
    t.is(reasonOf(signBlobAuth({ key: other, method: 'GET', hash, timeMs: clock.now() }), { method: 'GET', hash, signer: key.address }), 'signer');
  }
  const header = signBlobAuth({ key, method: 'GET', hash, timeMs: clock.now() });
  t.is(verifier.verify(header, { method: 'GET', hash, signer: key.address }), key.address);
  t.is(reasonOf(header, { method: 'GET', hash }), 'replay');
  t.is(reasonOf('Bearer x', { method: 'GET', hash }), 'shape');
  t.is(reasonOf(signBlobAuth({ key, method: 'PUT', hash, timeMs: clock.now() }), { method: 'GET', hash }), 'method');
  t.is(reasonOf(signBlobAuth({ key, method: 'GET', hash, timeMs: clock.now() - 60_001 }), { method: 'GET', hash }), 'window');
  const token = JSON.parse(Buffer.from(signBlobAuth({ key, method: 'GET', hash, timeMs: clock.now() }).split(' ')[1]!, 'base64url').toString('utf8'));
  t.is(reasonOf(`Ain ${Buffer.from(JSON.stringify({ ...token, pub: other.publicKey })).toString('base64url')}`, { method: 'GET', hash }), 'signature');
});
