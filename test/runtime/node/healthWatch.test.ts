import test from 'ava';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { createHealthWatch, finalityStallMs, type HealthWatchOptions } from '../../../runtime/node/healthWatch.ts';
import type { ConsensusStall, ForeignSignature } from '../../../runtime/consensus/index.ts';
import type { Tx } from '../../../schemas/index.ts';
import { stakedGenesis, TestChain } from '../../actors/ledger/chain.ts';

// What GET /v1/health lists, from a real ledger folded by createChain: four validators of stakes
// 40, 30, 20 and 10; a block is final once later blocks hold attestations of more than 70 of it.
const { validators, genesis } = stakedGenesis([41, 42, 43, 44]);
/** A height consensus has not decided for 10 s, as ConsensusService.stalled gives it. */
const stallOf = (fields: Partial<ConsensusStall>): ConsensusStall => ({
  height: 7,
  round: 0,
  step: 'propose',
  sinceMs: 990_000,
  heard: 50n,
  total: 100n,
  unheard: [],
  quorumHeard: false,
  ...fields,
});

/** A chain, a clock, and a watch of it whose log lines are kept. */
function rig(overrides: Partial<HealthWatchOptions> = {}) {
  const chain = new TestChain(genesis);
  const clock = { ms: 1_000_000 };
  const blocks$ = new Subject<{ header: { height: number } }>();
  const work = new Map<number, boolean>();
  const lines: { level: string; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: string; msg: string }) });
  const watch = createHealthWatch({
    logger,
    now: () => clock.ms,
    address: validators[0]!.address,
    genesisHash: 'a'.repeat(64),
    log: {},
    ledger: chain.ledger,
    blocks$,
    holdsWork: (height) => work.get(height),
    caughtUp: () => true,
    ...overrides,
  });
  watch.start();
  /** Folds a block of these txs, as the node's follower would apply it now. */
  const block = (txs: Tx[], holdsWork: boolean) => {
    const applied = chain.block(txs);
    work.set(applied.header.height, holdsWork);
    blocks$.next({ header: { height: applied.header.height } });
    return applied;
  };
  const attest = (i: number, height: number, hash: string) => chain.tx(validators[i]!, { type: 'attest', height, hash, genesis: chain.ledger.genesisHash });
  const write = () => chain.tx(validators[0]!, { type: 'set_value', path: `/apps/x/${chain.ledger.height}`, value: 1 });
  return { chain, clock, watch, block, attest, write, lines };
}

test('an idle chain: its last blocks of attestations alone are not final, and that is no problem however long it lasts', (t) => {
  const { clock, watch, block, attest, write } = rig();
  const b1 = block([write()], true);
  const b2 = block([attest(0, 1, b1.hash), attest(1, 1, b1.hash)], false); // 70 of 100: block 1 final
  block([attest(0, 2, b2.hash)], false); // block 2's attestations: 40, and nothing cuts the rest
  clock.ms += 10 * finalityStallMs;
  t.deepEqual(watch.problems(), []);
});

test('a block with txs not final 10 s after it was applied: FINALITY_STALLED, naming the validators whose attestation no block holds; it clears once final', (t) => {
  const { clock, watch, block, attest, write, lines } = rig();
  const b1 = block([write()], true);
  block([attest(0, 1, b1.hash), attest(3, 1, b1.hash), attest(2, 1, 'f'.repeat(64))], false); // 50 of 100, and a vote for another hash
  clock.ms += finalityStallMs - 1;
  t.deepEqual(watch.problems(), [], 'not yet 10 s');
  clock.ms += 1;
  const [problem, ...more] = watch.problems();
  t.deepEqual(more, []);
  t.is(problem?.code, 'FINALITY_STALLED');
  t.deepEqual(problem?.missing, [validators[1]!.address, validators[2]!.address].sort());
  t.is(problem?.since, 1_000_000);
  t.regex(
    problem?.message ?? '',
    /^Block 1, which holds txs, is not final 10 s after this node applied it: .* with 50 of 100 AIN staked, and finality needs more than 2\/3; none by 0x/,
  );
  watch.look();
  t.like(lines.at(-1), { level: 40, problem: 'FINALITY_STALLED' } as object);
  watch.look();
  t.is(lines.length, 1, 'said once while it lasts');
  block([attest(1, 1, b1.hash)], false); // 80 of 100
  t.deepEqual(watch.problems(), []);
  watch.look();
  t.like(lines.at(-1), { level: 30, problem: 'FINALITY_STALLED' } as object);
  t.is(lines.at(-1)!.msg, 'the blocks with txs are final again');
});

test('while the node replays its log at start, old blocks are no stall; a block replayed waits from the start of the watch', (t) => {
  let caughtUp = false;
  const { clock, watch, block, attest, write } = rig({ caughtUp: () => caughtUp });
  const b1 = block([write()], true);
  block([attest(0, 1, b1.hash)], false);
  clock.ms += 2 * finalityStallMs;
  t.deepEqual(watch.problems(), [], 'replaying');
  caughtUp = true;
  t.is(watch.problems()[0]?.code, 'FINALITY_STALLED');
});

test('its Kafka brokers not answering, its key slashed, and consensus stalled are each said; a network validator is not judged on attestations', (t) => {
  const stall = stallOf({ round: 2, step: 'prevote', unheard: [validators[2]!.address, validators[3]!.address] });
  const { clock, watch, block, attest, write, chain } = rig({
    log: { outage: () => ({ sinceMs: 999_000, message: 'Kafka topic t at 127.0.0.1:9 does not answer: ECONNREFUSED' }) },
    consensus: { stalled: () => stall },
  });
  const b1 = block([write()], true);
  block([attest(0, 1, b1.hash), attest(0, 1, 'e'.repeat(64))], false); // two hashes for one height: slashed
  t.true((chain.ledger.tree.get(`/accounts/${validators[0]!.address}/slashed`) as boolean | null) === true, 'the equivocation slashed it');
  clock.ms += 2 * finalityStallMs;
  const problems = watch.problems();
  t.deepEqual(
    problems.map((p) => p.code),
    ['LOG_UNAVAILABLE', 'CONSENSUS_STALLED', 'VALIDATOR_SLASHED'],
  );
  t.is(problems[0]!.message, 'Kafka topic t at 127.0.0.1:9 does not answer: ECONNREFUSED; since then the node takes no tx and cuts no block.');
  t.is(problems[0]!.since, 999_000);
  t.regex(
    problems[1]!.message,
    /^No block decided here at height 7 for 30 s \(round 2, prevote\): the validators reached in the last 10 s \(their nodes answer this one, or their votes come\) hold 50 of 100 power/,
  );
  t.deepEqual(problems[1]!.missing, stall.unheard);
  t.regex(problems[2]!.message, new RegExp(`^This node's key ${validators[0]!.address} was slashed`));
});

test('a validator behind its peers says it catches up, not that the others are down', (t) => {
  const stall = stallOf({ heard: 10n, unheard: ['0xa'], aheadHeight: 40 });
  const { watch } = rig({ consensus: { stalled: () => stall } });
  const [problem] = watch.problems();
  t.regex(problem?.message ?? '', /a peer is at height 40: this node is behind, and fetches the blocks decided up to it$/);
  t.is(problem?.missing, undefined);
});

test('validators whose nodes answered before and not in the last 10 s: VALIDATORS_UNREACHABLE, with the stake of those that answer; silent bootstrap peers too; it clears once they answer', (t) => {
  const reach = new Map<string, { peerId: string; answeredMs: number; reachable: boolean }>();
  let bootstrap: string[] = [];
  const { clock, watch, lines } = rig({
    presence: { of: (address) => reach.get(address), claimants: () => [], silentBootstrap: () => bootstrap, otherGenesis: () => [] },
    bootstrapAddresses: ['/ip4/127.0.0.1/tcp/24181/p2p/12D3KooWfour', '/ip4/127.0.0.1/tcp/24182/p2p/12D3KooWfive'],
  });
  const [, v1, v2, v3] = validators.map((v) => v.address) as [string, string, string, string];
  reach.set(v1, { peerId: '12D3KooWone', answeredMs: clock.ms, reachable: true });
  reach.set(v2, { peerId: '12D3KooWtwo', answeredMs: clock.ms, reachable: true });
  // The fourth was never reached directly (behind relays): neither answering nor silent.
  t.deepEqual(watch.problems(), []);
  watch.look();
  reach.set(v2, { peerId: '12D3KooWtwo', answeredMs: clock.ms - 25_000, reachable: false });
  const [problem, ...more] = watch.problems();
  t.deepEqual(more, []);
  t.is(problem?.code, 'VALIDATORS_UNREACHABLE');
  t.deepEqual(problem?.missing, [v2]);
  t.is(problem?.since, clock.ms - 25_000);
  t.is(
    problem?.message,
    `The node of validator ${v2} (peer 12D3KooWtwo, last answered 25 s ago) does not answer this node; the validators that do, this one included, hold 70 of 100 AIN staked: more than 2/3, so blocks are still decided, but not once validators holding 4 AIN or more of it stop too. Are they running, and reachable from here? (GET /v1/net lists the peers and validators.)`,
  );
  watch.look();
  t.like(lines.at(-1), { level: 40, problem: 'VALIDATORS_UNREACHABLE', missing: [v2] } as object);
  // Another down: what answers is 2/3 or less. And a bootstrap peer whose validator is not known.
  reach.set(v1, { peerId: '12D3KooWone', answeredMs: clock.ms - 11_000, reachable: false });
  bootstrap = ['12D3KooWfour'];
  const [worse] = watch.problems();
  t.deepEqual(worse?.missing, [v1, v2].sort());
  watch.look();
  t.like(
    lines.at(-1),
    { level: 40, problem: 'VALIDATORS_UNREACHABLE', missing: [v1, v2].sort(), peers: ['12D3KooWfour'] } as object,
    'said again: another is down',
  );
  t.deepEqual(worse?.peers, ['12D3KooWfour']);
  t.regex(
    worse?.message ?? '',
    /hold 40 of 100 AIN staked: 2\/3 or less, even with the 10 staked by validators this node never reached directly, so no block can be decided until more answer; the bootstrap peer \/ip4\/127\.0\.0\.1\/tcp\/24181\/p2p\/12D3KooWfour \(no validator's node here, or not yet known as one\) does not answer this node: none in the 30 s since it started, or none for 10 s since the last \(a node whose p2p\.key was made anew answers under another peer id: its address in this node's bootstrap list is then out of date\)\./,
  );
  reach.set(v1, { peerId: '12D3KooWone', answeredMs: clock.ms, reachable: true });
  reach.set(v2, { peerId: '12D3KooWtwo', answeredMs: clock.ms, reachable: true });
  bootstrap = [];
  t.deepEqual(watch.problems(), []);
  watch.look();
  t.like(lines.at(-1), {
    level: 30,
    problem: 'VALIDATORS_UNREACHABLE',
    msg: 'the validators and bootstrap peers this node reached before answer again',
  } as object);
  // The one never reached directly might make up the rest: the node does not say no block can be decided.
  reach.set(v1, { peerId: '12D3KooWone', answeredMs: clock.ms - 11_000, reachable: false });
  reach.set(v2, { peerId: '12D3KooWtwo', answeredMs: clock.ms, reachable: true });
  t.regex(
    watch.problems()[0]?.message ?? '',
    /hold 60 of 100 AIN staked: 2\/3 or less; with the 10 staked by validators this node never reached directly \(behind relays, say\), whose nodes may be up, it is more\. Are they/,
  );
  t.is(reach.has(v3), false);
});

test('two nodes answering as one validator key: VALIDATOR_KEY_SHARED, naming the peers; this node’s own key answered by any other peer too', (t) => {
  const claimants = new Map<string, string[]>();
  const own = { peerId: '12D3KooWsix', answeredMs: 0, reachable: false };
  const { watch, lines } = rig({
    presence: {
      of: (address) => (address === validators[0]!.address ? own : undefined),
      claimants: (address) => claimants.get(address) ?? [],
      silentBootstrap: () => [],
      otherGenesis: () => [],
    },
  });
  const [self, v1] = validators.map((v) => v.address) as [string, string];
  t.deepEqual(watch.problems(), [], 'one node a key; another peer answered as this one long ago');
  claimants.set(v1, ['12D3KooWone', '12D3KooWtwo']);
  own.reachable = true;
  const [problem, ...more] = watch.problems();
  t.deepEqual(more, []);
  t.is(problem?.code, 'VALIDATOR_KEY_SHARED');
  t.deepEqual(problem?.missing, [self, v1].sort());
  t.deepEqual(problem?.peers, ['12D3KooWone', '12D3KooWsix', '12D3KooWtwo']);
  t.regex(problem?.message ?? '', new RegExp(`this node's key ${self}: peer 12D3KooWsix`));
  t.regex(problem?.message ?? '', /its stake is slashed for it: stop all but one, and give the others keys of their own\.$/);
  watch.look();
  t.like(lines.at(-1), { level: 40, problem: 'VALIDATOR_KEY_SHARED' } as object);
  claimants.clear();
  own.reachable = false;
  watch.look();
  t.like(lines.at(-1), { level: 30, problem: 'VALIDATOR_KEY_SHARED', msg: 'one node answers and signs as each validator again' } as object);
});

test('peers that answer for this chain id from another genesis: GENESIS_MISMATCH, naming them and both hashes; it clears once none does', (t) => {
  let foreign: { peer: string; genesis: string }[] = [{ peer: '12D3KooWother', genesis: 'b'.repeat(64) }];
  const { watch, lines } = rig({ presence: { of: () => undefined, claimants: () => [], silentBootstrap: () => [], otherGenesis: () => foreign } });
  const [problem, ...more] = watch.problems();
  t.deepEqual(more, []);
  t.like(problem, { code: 'GENESIS_MISMATCH', peers: ['12D3KooWother'] });
  t.regex(
    problem?.message ?? '',
    /^The bootstrap peer 12D3KooWother runs this chain id from another genesis \(bbbbbbbbbbbbbbbb…\) than this node's \(aaaaaaaaaaaaaaaa…\): .* If this node's genesis.json is the odd one, start it on a new data dir/,
  );
  watch.look();
  foreign = [];
  t.deepEqual(watch.problems(), []);
  watch.look();
  t.deepEqual(lines.map((l) => l.msg).filter((m) => /genesis/.test(m)).length, 2, 'said when it appeared, and when it cleared');
});

test('a signature of this node’s key it never made: VALIDATOR_KEY_SHARED, saying it signs nothing meanwhile; it clears once consensus no longer holds it', (t) => {
  let foreign: ForeignSignature | undefined = { height: 9, round: 1, step: 'prevote', via: 'gossip', heardMs: 995_000 };
  const { watch, lines } = rig({ consensus: { stalled: () => undefined, foreignSignature: () => foreign } });
  const [problem, ...more] = watch.problems();
  t.deepEqual(more, []);
  t.like(problem, { code: 'VALIDATOR_KEY_SHARED', since: 995_000, missing: [validators[0]!.address] });
  t.regex(
    problem!.message,
    new RegExp(
      `^Another node signs with this node's validator key ${validators[0]!.address}: a prevote of height 9, round 1 from a peer 5 s ago is none this node signed .*this node signs nothing until 2 heights are decided past the last such signature: stop the other node`,
    ),
  );
  watch.look();
  t.like(lines.at(-1), { level: 40, problem: 'VALIDATOR_KEY_SHARED' });
  foreign = undefined;
  t.deepEqual(watch.problems(), []);
  watch.look();
  t.like(lines.at(-1), { level: 30, problem: 'VALIDATOR_KEY_SHARED', msg: 'one node answers and signs as each validator again' });
});
