import test from 'ava';
import { accountCommitments } from '../../../actors/index.ts';
import { client, evaluator, newChain, one, staffedJob, w1 } from './jobWorld.ts';

// Given requests folded by the real ledger, what an address's open requests hold and may still
// lock (the client's challenge fee), and the warning `ain watch accounts/<address>` prints when
// its balance does not cover that.

test('given a client with open requests, when its balance covers their challenge fees, then no warning; when it does not, the warning says by how much', (t) => {
  const chain = newChain();
  const job = staffedJob(chain); // fee 3, challenge fee 5
  const read = (address: string) => accountCommitments(chain.chain.ledger.tree, chain.chain.readModels.dashboard.jobs, address);
  const { id: first } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000 });
  one(chain, evaluator, { type: 'acceptJob', request_id: first, role: 'evaluator', deposit: '20' });
  const covered = read(client.address);
  t.like(covered, { balance: '977', locked: '23', mayLock: '5', covered: true, count: 1, warning: null });
  t.like(covered.requests[0], { request: first, job, role: 'client', state: 'accepted', locked: '23', mayLock: '5' });
  t.like(read(evaluator.address), { locked: '20', mayLock: '0', covered: true, requests: [{ role: 'evaluator', locked: '20' }] });
  t.like(read(w1.address), { count: 0, locked: '0', covered: true });

  // A second request locks the rest of the balance but for 1 AIN, less than the two challenge fees.
  one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['900', '73'], time_limit: 60_000 });
  const short = read(client.address);
  t.like(short, { balance: '1', locked: '999', mayLock: '10', covered: false, count: 2 });
  t.is(
    short.warning,
    `${client.address} holds 1 AIN, less than the 10 AIN of challenge fees its 2 open request(s) may still lock: it could not challenge all their rankings. Add 9 AIN to cover them.`,
  );
});
