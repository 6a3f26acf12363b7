import test from 'ava';
import { createChain, loadChainSnapshot, parseGenesis, type Chain, type ChainStep } from '../../../actors/index.ts';
import { blockHashOf, checkRecord, decodeTxRecord, type CheckedRecord, encodeTxRecord, signTx, type KeyPair } from '../../../log/index.ts';
import type { Op } from '../../../schemas/index.ts';
import { key } from '../ledger/chain.ts';

// The chain step: records in (each with its boundary verdict), sealed blocks with their outcomes,
// hash and read-model change out; a snapshot resumes to the same steps.

const admin = key(71);
const worker = key(72);
const genesisInput = {
  chain: 'ain-test',
  owner: admin.address,
  accounts: { [admin.address]: { balance: '1000', stake: '10' }, [worker.address]: { balance: '1000' } },
  proposers: [admin.address],
  block: {},
};
const genesis = parseGenesis(genesisInput);
const schemaText = 'syntax = "proto3"; service Worker { rpc Calc (Req) returns (Res); } message Req { double y = 1; } message Res { double x = 1; }';

/** A log of signed records, offsets from 0, checked as a node checks them. */
function logOf(entries: readonly { from: KeyPair; op: Op; time?: number }[]): CheckedRecord[] {
  const nonces = new Map<string, number>();
  return entries.map(({ from, op, time = 1000 }, offset) => {
    const nonce = (nonces.get(from.address) ?? 0) + 1;
    nonces.set(from.address, nonce);
    const record = decodeTxRecord(offset, encodeTxRecord(signTx({ key: from, op, nonce, time, chain: genesis.chain })));
    return { record, verdict: checkRecord(record, genesis) };
  });
}

const pushAll = (chain: Chain, records: readonly CheckedRecord[]): ChainStep[] => records.flatMap((r) => chain.push(r) ?? []);

const log = logOf([
  { from: admin, op: { type: 'registerJob', job_specification: schemaText } },
  { from: admin, op: { type: 'cut', height: 1 }, time: 2000 },
  { from: worker, op: { type: 'send', to: admin.address, amount: '5' } },
  { from: admin, op: { type: 'cut', height: 2 }, time: 3000 },
  { from: worker, op: { type: 'set_value', path: '/apps/w', value: 1 } },
  { from: admin, op: { type: 'cut', height: 3 }, time: 4000 },
]);
const jobId = log[0]!.record.hash;

test('given records and cut markers, when pushed one by one, then each marker closes a sealed block whose hash the next one goes on from', (t) => {
  const chain = createChain({ genesis });
  t.is(chain.push(log[0]!), null);
  t.is(chain.pendingCount, 1);
  t.deepEqual(chain.pending, [log[0]!.record]);
  const first = chain.push(log[1]!)!;
  t.like(first.block.header, {
    height: 1,
    time: 2000,
    prevHash: chain.ledger.genesisHash,
    firstOffset: 0,
    lastOffset: 1,
    stateRoot: first.result.stateRoot,
    outcomeRoot: first.result.outcomeRoot,
  });
  t.is(first.hash, blockHashOf(first.block.header));
  t.deepEqual(
    first.result.outcomes.map((o) => o.code),
    ['ok', 'ok'],
  );
  t.is(chain.pendingCount, 0);
  t.deepEqual(chain.position, { height: 2, prevHash: first.hash, prevTime: 2000, clockMs: 2000, lastOffset: 1 });
  const rest = pushAll(chain, log.slice(2));
  t.deepEqual(
    rest.map((s) => s.block.header.prevHash),
    [first.hash, rest[0]!.hash],
  );
  t.is(chain.ledger.height, 3);
  t.is(chain.ledger.tree.root(), rest[1]!.block.header.stateRoot);
});

test('the read models are folded in the step: a block with job events says what it changed, one without says null', (t) => {
  const chain = createChain({ genesis });
  const [registered, sent] = pushAll(chain, log);
  t.is(registered!.result.jobEvents[0]!.type, 'jobRegistered');
  t.like(registered!.readModels!.reputation[0], { job: jobId, node: admin.address, role: 'admin', status: 'approved' });
  t.truthy(registered!.readModels!.jobs[jobId]);
  t.is(sent!.readModels, null);
  t.is(chain.readModels.reputation.jobs[jobId]!.admin, admin.address);
  t.is(chain.readModels.reputation.kFactor, 32);
});

test('a record that failed its boundary check is refused in its block and closes none, even when it reads as a cut marker', (t) => {
  const chain = createChain({ genesis });
  const [registered, marker, realMarker] = logOf([
    { from: admin, op: { type: 'registerJob', job_specification: schemaText } },
    { from: admin, op: { type: 'cut', height: 1 } },
    { from: admin, op: { type: 'cut', height: 1 } },
  ]);
  const forged: CheckedRecord = { record: marker!.record, verdict: { code: 'BAD_SIGNATURE', message: 'forged' } };
  t.truthy(forged.record.cut);
  t.is(chain.push(registered!), null);
  t.is(chain.push(forged), null, 'the refused marker does not cut');
  const step = chain.push(realMarker!)!;
  t.deepEqual(
    step.result.outcomes.map((o) => o.code),
    ['ok', 'BAD_SIGNATURE', 'ok'],
  );
});

test('given a snapshot taken between blocks, through JSON, when the tail is pushed into a chain made from it, then every step is the same as without the stop', (t) => {
  const whole = pushAll(createChain({ genesis }), log);
  const head = createChain({ genesis });
  pushAll(head, log.slice(0, 2));
  const snapshot = JSON.parse(JSON.stringify(head.snapshot()));
  t.like(snapshot, { height: 1, blockHash: whole[0]!.hash, position: { height: 2, lastOffset: 1 } });
  t.is(snapshot.readModels.reputation.jobs[jobId].admin, admin.address);
  const resumed = createChain({ genesis, snapshot });
  const tail = pushAll(resumed, log.slice(2));
  t.deepEqual(JSON.parse(JSON.stringify(tail)), JSON.parse(JSON.stringify(whole.slice(1))));
  t.deepEqual(
    resumed.snapshot(),
    (() => {
      const again = createChain({ genesis });
      pushAll(again, log);
      return again.snapshot();
    })(),
  );
});

test('a snapshot is refused (BAD_SNAPSHOT) when its heights or block hash disagree, its read models are missing, or they use another Elo K', (t) => {
  const chain = createChain({ genesis });
  pushAll(chain, log.slice(0, 2));
  const good = chain.snapshot();
  t.notThrows(() => loadChainSnapshot(good, genesis));
  const refused = (snapshot: unknown, pattern: RegExp) => {
    const error = t.throws(() => loadChainSnapshot(snapshot as typeof good, genesis));
    t.is((error as { code?: string }).code, 'BAD_SNAPSHOT');
    t.regex(error!.message, pattern);
  };
  refused({ ...good, height: 2 }, /heights disagree/);
  refused({ ...good, blockHash: 'ab'.repeat(32) }, /block hash/);
  const { readModels: _dropped, ...older } = good;
  refused(older, /read models \(projections/);
  refused({ ...good, readModels: { ...good.readModels, reputation: { ...good.readModels.reputation, kFactor: 16 } } }, /Elo K 16, the genesis says 32/);
  const fresh = createChain({ genesis }).snapshot();
  const { readModels: _none, ...atGenesis } = fresh;
  t.is(loadChainSnapshot(atGenesis, genesis).readModels.reputation.kFactor, 32, 'at height 0 there is nothing to lose');
});

test('close applies a block of exactly the records given (a hand-made block): cut markers inside close nothing, an empty one takes no offset', (t) => {
  const chain = createChain({ genesis });
  const step = chain.close(log.slice(0, 4), { time: 5000 });
  t.like(step.block.header, { height: 1, firstOffset: 0, lastOffset: 3, time: 5000, proposer: admin.address });
  t.deepEqual(
    step.result.outcomes.map((o) => o.code),
    ['ok', 'ok', 'ok', 'ok'],
  );
  const empty = chain.close([], { time: 6000 });
  t.like(empty.block.header, { height: 2, firstOffset: 4, lastOffset: 4, prevHash: step.hash });
  t.is(chain.position.lastOffset, 3);
  t.is(chain.push(log[4]!), null);
  t.throws(() => chain.close([], { time: 7000 }), { message: /pending/ });
});

test('given a key that staked after the genesis, when its cut marker comes for the next height, then it closes the block as a proposer’s does (consensus picks validators by stake)', (t) => {
  const chain = createChain({ genesis });
  const staked = logOf([
    { from: worker, op: { type: 'stake', amount: '10' } },
    { from: admin, op: { type: 'cut', height: 1 }, time: 2000 },
    { from: worker, op: { type: 'send', to: admin.address, amount: '1' } },
    { from: worker, op: { type: 'cut', height: 2 }, time: 3000 },
  ]);
  const [first, second] = pushAll(chain, staked);
  t.deepEqual(
    first!.result.outcomes.map((o) => o.code),
    ['ok', 'ok'],
  );
  t.is(second?.block.header.proposer, worker.address, 'the staker’s marker closed block 2');
  t.deepEqual(
    second!.result.outcomes.map((o) => o.code),
    ['ok', 'ok'],
  );
});

test('given a key with no stake, when its cut marker comes, then it closes nothing and its outcome is NOT_PROPOSER', (t) => {
  const chain = createChain({ genesis });
  const steps = pushAll(
    chain,
    logOf([
      { from: worker, op: { type: 'cut', height: 1 }, time: 2000 },
      { from: admin, op: { type: 'cut', height: 1 }, time: 2500 },
    ]),
  );
  t.is(steps.length, 1);
  t.is(steps[0]!.block.header.proposer, admin.address);
  t.deepEqual(
    steps[0]!.result.outcomes.map((o) => o.code),
    ['NOT_PROPOSER', 'ok'],
  );
});
