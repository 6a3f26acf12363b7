import test from 'ava';
import { generateKeyPair } from '../../../log/index.ts';
import { checkProgress } from '../../../runtime/api/progressRoutes.ts';
import { progressBodyHash } from '../../../runtime/client/index.ts';
import { createBlobAuthVerifier, signBlobAuth } from '../../../runtime/storage/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { genesis } from '../../actors/chain/proposals.ts';
import { TestChain } from '../../actors/ledger/chain.ts';

// The one check of a worker's progress asks the ledger first: progress for a request that does
// not exist, however well signed, is refused before its signature is remembered. A peer's gossip
// of such progress (a fresh nonce each) filled the replay memory every signed request of a node
// shares, and had them all refused OVERLOADED.

test('progress for an unknown request is UNKNOWN_JOB and spends no place in the replay memory', (t) => {
  const chain = new TestChain(genesis);
  const auth = createBlobAuthVerifier({ replayEntriesMax: 1 });
  const request = 'ab'.repeat(32);
  for (let i = 0; i < 5; i++) {
    const key = generateKeyPair();
    const body = { worker: key.address, events: [{ type: 'progress' as const, fraction: 0.5 }] };
    const authorization = signBlobAuth({ key, method: 'PROGRESS', hash: progressBodyHash(body), timeMs: Date.now() });
    const error = t.throws(() => checkProgress({ ledger: chain.ledger, auth }, { request, body, authorization }));
    t.true(isAinError(error, 'UNKNOWN_JOB'), String(error));
  }
  const key = generateKeyPair();
  const hash = 'cd'.repeat(32);
  t.is(auth.verify(signBlobAuth({ key, method: 'GET', hash, timeMs: Date.now() }), { method: 'GET', hash }), key.address, 'the memory is still free');
});
