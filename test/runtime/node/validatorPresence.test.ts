import test from 'ava';
import { pino } from 'pino';
import { keyPairFromSeed, signPeerClaim } from '../../../log/index.ts';
import { AinError } from '../../../schemas/index.ts';
import { statusAnswerMaxBytes } from '../../../runtime/net/index.ts';
import { bootstrapGraceMs, createValidatorPresence, presenceWindowMs } from '../../../runtime/node/validatorPresence.ts';

// Which validator each peer is, from the signed claim in its status answer, and whether it answers:
// a transport whose peers answer as the test says, and a clock the test moves.

const genesisHash = 'c'.repeat(64);
const [a, b] = [keyPairFromSeed('11'.repeat(32)), keyPairFromSeed('22'.repeat(32))];
const [peerA, peerB, peerC] = [
  '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
  '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC',
];
const claimOf = (key: typeof a, peerId: string, over: { chain?: string; genesis?: string } = {}) =>
  signPeerClaim(key, { chain: over.chain ?? 'ain-test', shard: '/', peerId }, over.genesis ?? genesisHash);

function rig(bootstrap: string[] = []) {
  const clock = { ms: 1_000_000 };
  const set = new Set([a.address, b.address]);
  const answers = new Map<string, unknown>();
  const asked: string[] = [];
  const limits: (number | undefined)[] = [];
  const presence = createValidatorPresence({
    transport: {
      peers: () => [...answers.keys()],
      request: async (peer, _protocol, _bytes, options) => {
        asked.push(peer);
        limits.push(options?.maxAnswerBytes);
        const answer = answers.get(peer);
        if (answer instanceof Error) throw answer;
        return typeof answer === 'string' ? new TextEncoder().encode(answer) : new TextEncoder().encode(JSON.stringify(answer));
      },
    },
    statusProtocol: '/ain/ain-test/status/1',
    chain: 'ain-test',
    shard: '/',
    genesisHash,
    bootstrap,
    validators: () => set,
    now: () => clock.ms,
    logger: pino({ level: 'silent' }),
  });
  return { clock, answers, asked, limits, presence, set };
}

test('a peer that answers with its key’s claim is that validator, reachable until it has not answered for 10 s as of the last round', async (t) => {
  const { clock, answers, presence } = rig();
  answers.set(peerA, { height: 3, validator: claimOf(a, peerA) });
  answers.set(peerB, { height: 3 }); // no claim: a node of before, or not a validator
  t.is(presence.of(a.address), undefined, 'not known before it answered');
  await presence.poll();
  t.deepEqual(presence.of(a.address), { peerId: peerA, answeredMs: 1_000_000, reachable: true });
  t.is(presence.of(b.address), undefined);
  answers.set(peerA, new AinError('NET_TIMEOUT', 'no answer'));
  clock.ms += presenceWindowMs - 1;
  await presence.poll();
  t.true(presence.of(a.address)?.reachable);
  clock.ms += 1;
  t.true(presence.of(a.address)?.reachable, 'judged as of the last round: not asked since');
  await presence.poll();
  t.deepEqual(presence.of(a.address), { peerId: peerA, answeredMs: 1_000_000, reachable: false });
  answers.set(peerA, { validator: claimOf(a, peerA) });
  await presence.poll();
  t.true(presence.of(a.address)?.reachable, 'answering again');
});

test('a status is asked for with its own answer limit, so a peer cannot make every round read megabytes', async (t) => {
  const { answers, limits, presence } = rig();
  answers.set(peerA, { validator: claimOf(a, peerA) });
  answers.set(peerB, { height: 3 });
  await presence.poll();
  t.deepEqual(limits, [statusAnswerMaxBytes, statusAnswerMaxBytes]);
});

test('a node whose own rounds stopped (paused) calls no one down before it has asked again', async (t) => {
  const { clock, answers, presence } = rig();
  answers.set(peerA, { validator: claimOf(a, peerA) });
  await presence.poll();
  clock.ms += 20_000; // this process was stopped: no round ran
  t.true(presence.of(a.address)?.reachable);
  await presence.poll();
  t.true(presence.of(a.address)?.reachable, 'asked again, it answers');
});

test('a claim for another peer, chain or genesis, a forged signature, or garbage binds nothing, and throws nothing', async (t) => {
  const { answers, presence } = rig();
  answers.set(peerA, { validator: claimOf(a, peerB) }); // A passes on B's claim
  answers.set(peerB, { validator: claimOf(b, peerB, { genesis: 'd'.repeat(64) }) });
  answers.set(peerC, { validator: { ...claimOf(b, peerC), sig: claimOf(a, peerC).sig } });
  await presence.poll();
  t.is(presence.of(a.address), undefined);
  t.is(presence.of(b.address), undefined);
  answers.set(peerA, 'not json');
  answers.set(peerB, { validator: { from: b.address } });
  answers.set(peerC, { validator: claimOf(b, peerC, { chain: 'ain-other' }) });
  await t.notThrowsAsync(presence.poll());
  t.is(presence.of(b.address), undefined);
});

test('a validator whose node moved to another peer is that peer from its first answer there', async (t) => {
  const { clock, answers, presence } = rig();
  answers.set(peerA, { validator: claimOf(a, peerA) });
  await presence.poll();
  answers.delete(peerA);
  clock.ms += 1_000;
  answers.set(peerC, { validator: claimOf(a, peerC) });
  await presence.poll();
  t.deepEqual(presence.of(a.address), { peerId: peerC, answeredMs: 1_001_000, reachable: true });
});

test('a bootstrap peer silent for 30 s from start, or 10 s since it last answered, is named until it is a validator’s latest node', async (t) => {
  const { clock, answers, presence } = rig([peerA, peerB, peerC]);
  presence.start();
  t.teardown(() => presence.stop());
  answers.set(peerB, { height: 1 }); // answers, no claim
  answers.set(peerC, { validator: claimOf(b, peerC) });
  await presence.poll();
  answers.delete(peerB);
  clock.ms += presenceWindowMs;
  await presence.poll();
  t.deepEqual(presence.silentBootstrap(), [peerB], 'the one that answered, 10 s ago; the other may still be starting');
  clock.ms += bootstrapGraceMs - presenceWindowMs;
  await presence.poll();
  t.deepEqual(presence.silentBootstrap(), [peerA, peerB]);
  answers.set(peerB, { height: 1 });
  await presence.poll();
  t.deepEqual(presence.silentBootstrap(), [peerA]);
  answers.set(peerA, { validator: claimOf(a, peerA) });
  // b's node comes back under another peer id: the bootstrap address of the old one is stale.
  answers.delete(peerC);
  answers.set('12D3KooWDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD', { validator: claimOf(b, '12D3KooWDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD') });
  await presence.poll();
  clock.ms += presenceWindowMs;
  await presence.poll();
  t.deepEqual(presence.silentBootstrap(), [peerC], 'a known validator’s node is judged by its address; an outdated peer id of one is named');
});

test('only validators of the current set are kept: a claim by another key binds nothing, and one that left the set is forgotten', async (t) => {
  const { answers, presence, set } = rig();
  const outsider = keyPairFromSeed('33'.repeat(32));
  answers.set(peerA, { validator: claimOf(a, peerA) });
  answers.set(peerC, { validator: claimOf(outsider, peerC) });
  await presence.poll();
  t.true(presence.of(a.address)?.reachable);
  t.is(presence.of(outsider.address), undefined, 'not a validator');
  set.delete(a.address);
  await presence.poll();
  t.is(presence.of(a.address), undefined, 'no longer a validator');
});

test('peers gone for 10 s that no validator is bound to are forgotten: what is kept is bounded by the peers connected and the set', async (t) => {
  const { clock, answers, presence } = rig();
  answers.set(peerA, { validator: claimOf(a, peerA) });
  for (const [i, peer] of [peerB, peerC].entries()) answers.set(peer, { height: i });
  await presence.poll();
  t.is(presence.remembered(), 3);
  answers.delete(peerB);
  answers.delete(peerC);
  answers.delete(peerA);
  clock.ms += presenceWindowMs;
  await presence.poll();
  await presence.poll(); // forgotten as a round starts, judged as of the last one's end
  // The validator's node stays known (and silent); the others are gone.
  t.like(presence.of(a.address), { peerId: peerA, reachable: false });
  t.is(presence.remembered(), 1);
});

test('a claim taken once is taken again only byte for byte: its signature with another validator’s fields binds nothing', async (t) => {
  const { answers, presence } = rig();
  const own = claimOf(b, peerB);
  answers.set(peerB, { validator: own });
  await presence.poll();
  t.is(presence.of(b.address)?.peerId, peerB);
  // The same signature, with a's address and key: a forgery the cache must not take.
  answers.set(peerB, { validator: { ...own, from: a.address, pub: a.publicKey } });
  await presence.poll();
  t.is(presence.of(a.address), undefined);
  t.is(presence.of(b.address)?.peerId, peerB);
});

test('a peer that answers with another validator’s checked claim is that one’s node; the first goes silent, as its node no longer answers', async (t) => {
  const { clock, answers, presence } = rig();
  answers.set(peerA, { validator: claimOf(a, peerA) });
  await presence.poll();
  answers.set(peerA, { validator: claimOf(b, peerA) });
  await presence.poll();
  t.is(presence.of(b.address)?.peerId, peerA);
  clock.ms += presenceWindowMs;
  await presence.poll();
  t.like(presence.of(a.address), { peerId: peerA, reachable: false });
  t.like(presence.of(b.address), { peerId: peerA, reachable: true });
});

test('two nodes answering with one validator’s claim are both its claimants: two nodes run one key', async (t) => {
  const { clock, answers, presence } = rig();
  answers.set(peerA, { validator: claimOf(a, peerA) });
  answers.set(peerC, { validator: claimOf(a, peerC) });
  await presence.poll();
  t.deepEqual(presence.claimants(a.address), [peerA, peerC].sort());
  answers.delete(peerC);
  clock.ms += presenceWindowMs;
  await presence.poll();
  t.deepEqual(presence.claimants(a.address), [], 'the other stopped');
});

test('a validator whose node comes back under another peer id (a data dir made again, a standby) is no shared key', async (t) => {
  const { clock, answers, presence } = rig();
  answers.set(peerA, { validator: claimOf(a, peerA) });
  await presence.poll();
  clock.ms += 2_000;
  await presence.poll();
  answers.delete(peerA);
  clock.ms += 3_000;
  answers.set(peerC, { validator: claimOf(a, peerC) });
  for (let i = 0; i < 3; i++) {
    await presence.poll();
    t.deepEqual(presence.claimants(a.address), [], `round ${i}`);
    clock.ms += 2_000;
  }
  t.like(presence.of(a.address), { peerId: peerC, reachable: true });
});

test('many other peers do not starve a validator’s: it is asked every round, the others in turns, those asked longest ago first', async (t) => {
  const { answers, asked, presence } = rig();
  answers.set(peerA, { validator: claimOf(a, peerA) });
  const others = Array.from({ length: 80 }, (_, i) => `12D3KooW${String(i).padStart(44, 'Z')}`);
  for (const peer of others) answers.set(peer, { height: 1 });
  const rounds: string[][] = [];
  for (let i = 0; i < 3; i++) {
    asked.length = 0;
    await presence.poll();
    rounds.push([...asked]);
  }
  t.true(
    rounds.every((round) => round.includes(peerA)),
    'the validator’s peer every round',
  );
  t.true(
    rounds.every((round) => round.length <= 33),
    'at most 32 others a round',
  );
  t.deepEqual(new Set(rounds.flat()), new Set([peerA, ...others]), 'every other peer within three rounds');
});

test('a standby that answered as the key while its node was down, and the node back after: one after the other, no shared key', async (t) => {
  const { clock, answers, presence } = rig();
  answers.set(peerA, { validator: claimOf(a, peerA) });
  await presence.poll();
  answers.delete(peerA);
  clock.ms += presenceWindowMs;
  answers.set(peerC, { validator: claimOf(a, peerC) }); // the standby takes over
  await presence.poll();
  clock.ms += 2_000;
  await presence.poll();
  answers.delete(peerC);
  clock.ms += 2_000;
  answers.set(peerA, { validator: claimOf(a, peerA) }); // the first node back, the standby stopped
  for (let i = 0; i < 3; i++) {
    await presence.poll();
    t.deepEqual(presence.claimants(a.address), [], `round ${i}`);
    clock.ms += 2_000;
  }
});

test('a bootstrap peer that answers for this chain and shard from another genesis is listed with its hash, until it answers with this one or has not for 10 s; another peer saying so is not taken', async (t) => {
  const { clock, answers, presence } = rig([peerA, peerB]);
  answers.set(peerA, { chain: 'ain-test', shard: '/', genesis: 'd'.repeat(64), height: 9 });
  answers.set(peerB, { chain: 'ain-other', shard: '/', genesis: 'e'.repeat(64) }); // another chain id: not this one's rival
  answers.set(peerC, { chain: 'ain-test', shard: '/', genesis: 'f'.repeat(64) }); // no bootstrap peer: its word only
  await presence.poll();
  t.deepEqual(presence.otherGenesis(), [{ peer: peerA, genesis: 'd'.repeat(64) }]);
  answers.set(peerA, { chain: 'ain-test', shard: '/', genesis: genesisHash });
  await presence.poll();
  t.deepEqual(presence.otherGenesis(), [], 'its node now runs this genesis');
  answers.set(peerA, { chain: 'ain-test', shard: '/', genesis: 'd'.repeat(64) });
  await presence.poll();
  answers.set(peerA, new AinError('NET_TIMEOUT', 'no answer'));
  clock.ms += presenceWindowMs;
  await presence.poll();
  t.deepEqual(presence.otherGenesis(), [], 'silent for 10 s: no longer reached');
});
