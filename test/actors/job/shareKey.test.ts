import test from 'ava';
import { client, evaluator, newChain, one, staffedJob, stranger, w1, w2 } from './jobWorld.ts';

// Encrypted job data: a node publishes a box key when it accepts; the client seals the input's
// key to it (shareKey), only to the nodes that took the request, once each.

const boxKey = 'b'.repeat(64);
const sealed = 'c'.repeat(160);

test('the client seals the key to the evaluator and each accepted worker that published a box key, once each', (t) => {
  const chain = newChain();
  const job = staffedJob(chain);
  const { id: request } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { encrypted: 'x' }, reward: ['1', '10'], time_limit: 10_000 });
  one(chain, evaluator, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20', box_key: boxKey });
  one(chain, w1, { type: 'acceptJob', request_id: request, role: 'worker', box_key: boxKey });
  one(chain, w2, { type: 'acceptJob', request_id: request, role: 'worker' });
  t.is(chain.ledger.tree.get(`/jobs/boxKeys/${request}/${w1.address}`), boxKey);
  const shared = one(chain, client, { type: 'shareKey', request_id: request, node: w1.address, sealed });
  t.is(shared.code, 'ok');
  t.like(shared.block.jobEvents[0], { type: 'keyShared', request, client: client.address, node: w1.address });
  t.is(chain.ledger.tree.get(`/jobs/sharedKeys/${request}/${w1.address}`), sealed);
  t.is(one(chain, client, { type: 'shareKey', request_id: request, node: evaluator.address, sealed }).code, 'ok');
  t.is(one(chain, client, { type: 'shareKey', request_id: request, node: w1.address, sealed }).code, 'ILLEGAL_TRANSITION', 'once');
  t.is(one(chain, client, { type: 'shareKey', request_id: request, node: w2.address, sealed }).code, 'INVALID_JOB_REQUEST', 'w2 published no box key');
  t.is(one(chain, client, { type: 'shareKey', request_id: request, node: stranger.address, sealed }).code, 'NOT_ALLOWED', 'not a node of the request');
  t.is(one(chain, stranger, { type: 'shareKey', request_id: request, node: w1.address, sealed }).code, 'NOT_ALLOWED', 'only the client');
  t.is(one(chain, client, { type: 'shareKey', request_id: request, node: w1.address, sealed: 'c'.repeat(10) } as never).code, 'BAD_SCHEMA');
});
