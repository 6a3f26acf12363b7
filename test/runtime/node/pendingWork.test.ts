import test from 'ava';
import { decodeTxRecord, encodeTxRecord, type Block, type TxRecord } from '../../../log/index.ts';
import { createPendingWork } from '../../../runtime/node/pendingWork.ts';
import type { Tx } from '../../../schemas/index.ts';
import { key, TestChain } from '../../actors/ledger/chain.ts';

// What the records beyond the last block ask of the proposer, with three validators of equal
// stake: given a block with txs, when its attestations arrive one by one, then the proposer is
// asked to cut at once only for the one that completes the quorum (all three), while the timer
// may cut the ones before.
const [v1, v2, v3, client] = [key(41), key(42), key(43), key(44)];
const genesis = {
  chain: 'ain-test',
  owner: v1.address,
  accounts: Object.fromEntries([v1, v2, v3].map((v) => [v.address, { balance: '0', stake: '100' }])),
  proposers: [v1.address, v2.address, v3.address],
  block: {},
  rules: { '/apps/$app': true },
};

let offset = 1000;
const recordOf = (tx: Tx): TxRecord => decodeTxRecord(offset++, encodeTxRecord(tx));
/** The cutter's view of a block, as the follower hands it over. */
const blockOf = (chain: TestChain, txs: readonly Tx[]): Block => ({ header: chain.blocks.at(-1)!.header, txs: txs.map(recordOf) });

test('given a block with txs, when its three attestations arrive, then quorum$ fires once, for the third; a cut block resets the work', (t) => {
  const chain = new TestChain(genesis);
  const write = chain.tx(client, { type: 'set_value', path: '/apps/a/x', value: 1 });
  const b1 = chain.block([write]);
  const work = createPendingWork(chain.chain);
  let asked = 0;
  work.quorum$.subscribe(() => asked++);
  work.cut(blockOf(chain, [write]));
  t.false(work.hasWork);
  const attest = (v: typeof v1) => recordOf(chain.tx(v, { type: 'attest', height: 1, hash: b1.hash, genesis: chain.ledger.genesisHash }));
  work.note(attest(v1));
  t.true(work.hasWork, 'the block with txs waits for its votes');
  t.is(asked, 0, '1 of 3');
  work.note(attest(v1));
  work.note(attest(v2));
  t.is(asked, 0, '2 of 3 (a repeated vote counts once)');
  work.note(attest(v3));
  t.is(asked, 1, '3 of 3: more than 2/3');
  work.cut(blockOf(chain, []));
  t.false(work.hasWork);
});

test('given a block of attestations only, when it is attested, then nothing waits; a cut marker is no work, a tx is', (t) => {
  const chain = new TestChain(genesis);
  const vote = chain.tx(v1, { type: 'attest', height: 1, hash: 'a'.repeat(64), genesis: chain.ledger.genesisHash });
  const b1 = chain.block([vote]);
  const work = createPendingWork(chain.chain);
  let asked = 0;
  work.quorum$.subscribe(() => asked++);
  work.cut(blockOf(chain, [vote]));
  for (const v of [v1, v2, v3]) work.note(recordOf(chain.tx(v, { type: 'attest', height: 1, hash: b1.hash, genesis: chain.ledger.genesisHash })));
  work.note(recordOf(chain.tx(v2, { type: 'cut', height: 2 })));
  t.false(work.hasWork);
  t.is(asked, 0);
  work.note(recordOf(chain.tx(client, { type: 'set_value', path: '/apps/a/y', value: 2 })));
  t.true(work.hasWork);
  work.complete();
});
