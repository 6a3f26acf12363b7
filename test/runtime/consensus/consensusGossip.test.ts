import test from 'ava';
import fc from 'fast-check';
import { checkConsensusSignature, generateKeyPair, signProposal, signVote, type KeyPair } from '../../../log/index.ts';
import { CheckedMessages, judgeConsensusMessage, resentMinMs } from '../../../runtime/consensus/index.ts';
import { ProposedBlock } from '../../../schemas/index.ts';

const v1 = generateKeyPair();
const v2 = generateKeyPair();
const stranger = generateKeyPair();
const hash = 'ab'.repeat(32);
const genesis = '9e'.repeat(32);
/** A validator of heights 2–4 that left the set at 5 (by unstaking, say). */
const left = generateKeyPair();
const view = {
  chain: 'ain-local',
  shard: '/',
  genesis,
  height: () => 5,
  isValidator: (a: string) => a === v1.address || a === v2.address,
  // The set of height 1 was pruned.
  wasValidatorAt: (a: string, height: number) => (height < 2 ? undefined : a === v1.address || a === v2.address || (height < 5 && a === left.address)),
};
const bytesOf = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const vote = (key = v1, height = 5, chain = 'ain-local') => signVote(key, { chain, shard: '/', height, round: 0, kind: 'prevote', hash }, genesis);

test('a vote of a validator of the current height, well signed, is accepted and decoded', (t) => {
  const judged = judgeConsensusMessage('votes', bytesOf({ n: 1, vote: vote() }), view);
  t.is(judged.validation, 'accept');
  t.deepEqual(judged.message, { vote: vote() });
});

test('provably invalid messages are rejected: not JSON, wrong shape, another chain, a forged signature; a stranger at the current height is ignored (a peer a height behind may hold it a validator), not counted against the peer', (t) => {
  const forged = { ...vote(), hash: 'cd'.repeat(32) };
  for (const [what, bytes] of [
    ['not JSON', new Uint8Array([0xff, 0x7b])],
    ['no n', bytesOf({ vote: vote() })],
    ['extra field', bytesOf({ n: 1, vote: vote(), more: 1 })],
    [
      'a proposal on the votes topic',
      bytesOf({ n: 1, proposal: signProposal(v1, { chain: 'ain-local', shard: '/', height: 5, round: 0, validRound: -1, block: { hash } }, genesis) }),
    ],
    ['another chain', bytesOf({ n: 1, vote: vote(v1, 5, 'ain-other') })],
    ['forged', bytesOf({ n: 1, vote: forged })],
  ] as const) {
    t.is(judgeConsensusMessage('votes', bytes, view).validation, 'reject', what);
  }
  t.like(judgeConsensusMessage('votes', bytesOf({ n: 1, vote: vote(v1, 5, 'ain-other') }), view), { cause: 'chain' });
  t.like(judgeConsensusMessage('votes', bytesOf({ n: 1, vote: forged }), view), { cause: 'signature' });
  t.like(judgeConsensusMessage('votes', bytesOf({ n: 1, vote: vote(stranger) }), view), { validation: 'ignore', cause: 'signer' });
});

test('a vote or proposal signed for another genesis of this chain and shard (an earlier incarnation of a shard path) is rejected: its signature does not verify here', (t) => {
  const earlier = 'e0'.repeat(32);
  const old = signVote(v1, { chain: 'ain-local', shard: '/', height: 5, round: 0, kind: 'prevote', hash }, earlier);
  t.true(checkConsensusSignature(old, earlier));
  t.like(judgeConsensusMessage('votes', bytesOf({ n: 1, vote: old }), view), { validation: 'reject', cause: 'signature' });
  const proposal = signProposal(v1, { chain: 'ain-local', shard: '/', height: 5, round: 0, validRound: -1, block: { hash } }, earlier);
  t.like(judgeConsensusMessage('proposals', bytesOf({ n: 1, proposal }), view), { validation: 'reject', cause: 'signature' });
});

test('stale heights and strangers at future heights are ignored, not punished', (t) => {
  t.like(judgeConsensusMessage('votes', bytesOf({ n: 1, vote: vote(v1, 4) }), view), { validation: 'ignore', cause: 'past_height' });
  t.like(judgeConsensusMessage('votes', bytesOf({ n: 1, vote: vote(stranger, 6) }), view), { validation: 'ignore', cause: 'signer' });
  t.is(judgeConsensusMessage('votes', bytesOf({ n: 1, vote: vote(v2, 6) }), view).validation, 'accept');
});

test('a vote two or more heights ahead is delivered (catch-up takes the hint) but not passed on', (t) => {
  for (const height of [7, 1_000_000]) {
    const judged = judgeConsensusMessage('votes', bytesOf({ n: 1, vote: vote(v2, height) }), view);
    t.is(judged.validation, 'keep', `height ${height}`);
    t.deepEqual(judged.message, { vote: vote(v2, height) });
  }
});

test('evidence of a height past the one being decided is ignored (no block acts on it), not passed on', (t) => {
  const slot = (height: number, c: string) =>
    signVote(v1, { chain: 'ain-local', shard: '/', height, round: 0, kind: 'precommit', hash: c.repeat(64) }, genesis);
  const judged = (height: number) => judgeConsensusMessage('evidence', bytesOf({ n: 1, evidence: { a: slot(height, 'a'), b: slot(height, 'b') } }), view);
  t.is(judged(view.height()).validation, 'accept', 'the height being decided');
  t.like(judged(view.height() + 1), { validation: 'ignore', cause: 'future_height' });
  t.like(judged(100_000), { validation: 'ignore', cause: 'future_height' });
});

test('a message sent again with a new n is accepted from the checked cache; a changed signature is checked, and rejected', (t) => {
  let nowMs = 0;
  const checked = new CheckedMessages(2, () => nowMs);
  const sent = vote();
  t.is(judgeConsensusMessage('votes', bytesOf({ n: 1, vote: sent }), view, checked).validation, 'accept');
  t.true(checked.has(CheckedMessages.keyOf(bytesOf({ n: 99, vote: sent }))!), 'the key leaves n out');
  nowMs += resentMinMs;
  t.is(judgeConsensusMessage('votes', bytesOf({ n: 2, vote: sent }), view, checked).validation, 'accept');
  const flipped = { ...sent, sig: (sent.sig[0] === 'a' ? 'b' : 'a') + sent.sig.slice(1) };
  t.is(judgeConsensusMessage('votes', bytesOf({ n: 3, vote: flipped }), view, checked).validation, 'reject');
  for (const height of [6, 7]) judgeConsensusMessage('votes', bytesOf({ n: 4, vote: vote(v2, height) }), view, checked);
  t.false(checked.has(CheckedMessages.keyOf(bytesOf({ n: 1, vote: sent }))!), 'bounded: the oldest went');
});

test('a copy of a message taken less than resentMinMs before is ignored undecoded and goes no further; later, a copy is taken again', (t) => {
  let nowMs = 0;
  const checked = new CheckedMessages(undefined, () => nowMs);
  const sent = vote();
  t.is(judgeConsensusMessage('votes', bytesOf({ n: 1, vote: sent }), view, checked).validation, 'accept');
  nowMs += resentMinMs - 1;
  const again = judgeConsensusMessage('votes', bytesOf({ n: 2, vote: sent }), view, checked);
  t.like(again, { validation: 'ignore', cause: 'resent' });
  t.is(again.message, undefined, 'not decoded');
  nowMs += resentMinMs;
  t.is(judgeConsensusMessage('votes', bytesOf({ n: 3, vote: sent }), view, checked).validation, 'accept');
  // Only a copy of what was taken: another message is judged as ever.
  t.is(judgeConsensusMessage('votes', bytesOf({ n: 4, vote: vote(v2) }), view, checked).validation, 'accept');
  // A copy in other bytes (fields in another order, other spaces) is a copy all the same, by its content:
  // keyed by bytes alone, each re-encoding of a real vote cost every node a verify and went on (an attacker's probe).
  const { sig, ...fields } = sent;
  for (const [n, text] of [
    `{"vote":${JSON.stringify(sent)},"n":5}`,
    `{"n": 6, "vote": ${JSON.stringify(sent, null, 1)}}`,
    `{"n":7,"vote":${JSON.stringify({ sig, ...Object.fromEntries(Object.entries(fields).reverse()) })}}`,
  ].entries()) {
    const copy = judgeConsensusMessage('votes', new TextEncoder().encode(text), view, checked);
    t.like(copy, { validation: 'ignore', cause: 'resent' }, `re-encoding ${n}`);
  }
  nowMs += resentMinMs;
  t.is(
    judgeConsensusMessage('votes', new TextEncoder().encode(`{"vote":${JSON.stringify(sent)},"n":8}`), view, checked).validation,
    'accept',
    'later, taken again',
  );
});

test('a checked message cannot lend its key to a changed one: a field put first, then changed, is checked again and rejected', (t) => {
  // A real vote re-encoded with `round` (or `hash`) first and `n` last: it verifies (the signature
  // is over canonical JSON). Its twin with that first field changed has the same bytes after the
  // first comma; before the key required `{"n":` digits `,` at the start, it was taken unchecked.
  const checked = new CheckedMessages();
  const { round, hash: voted, ...rest } = vote();
  const tail = JSON.stringify({ hash: voted, ...rest }).slice(1, -1);
  const encoded = (first: string) => new TextEncoder().encode(`{"vote":{${first},${tail}},"n":1}`);
  t.is(judgeConsensusMessage('votes', encoded(`"round":${round}`), view, checked).validation, 'accept');
  t.like(judgeConsensusMessage('votes', encoded('"round":65535'), view, checked), { validation: 'reject', cause: 'signature' });
  const noHash = JSON.stringify({ round, ...rest }).slice(1, -1);
  const swapped = (first: string) => new TextEncoder().encode(`{"vote":{${first},${noHash}},"n":1}`);
  t.like(
    judgeConsensusMessage('votes', swapped(`"hash":"${voted}"`), view, checked),
    { validation: 'ignore', cause: 'resent' },
    'the same vote: a copy by its content',
  );
  t.like(judgeConsensusMessage('votes', swapped('"hash":null'), view, checked), { validation: 'reject', cause: 'signature' });
  // Only the start publish writes has a key; any other is checked every time.
  const sent = vote();
  t.is(typeof CheckedMessages.keyOf(bytesOf({ n: 7, vote: sent })), 'string');
  for (const other of [
    `{"vote":${JSON.stringify(sent)},"n":7}`,
    `{ "n":7,"vote":${JSON.stringify(sent)}}`,
    `{"n":7 ,"vote":${JSON.stringify(sent)}}`,
    '{"n":,"vote":1}',
    '{"n":',
  ]) {
    t.is(CheckedMessages.keyOf(new TextEncoder().encode(other)), undefined, other.slice(0, 20));
  }
});

/** JSON of `value` with each object's keys rotated by the next of `turns` (so `n` may come first, last or between), spaced or not. */
function encodedAs(value: unknown, turns: readonly number[], spaced: boolean): string {
  let next = 0;
  const encode = (v: unknown): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(encode).join(',')}]`;
    const keys = Object.keys(v);
    const turn = turns.length === 0 ? 0 : turns[next++ % turns.length]! % keys.length;
    const order = [...keys.slice(turn), ...keys.slice(0, turn)];
    return `{${order.map((key) => `${JSON.stringify(key)}:${spaced ? ' ' : ''}${encode((v as Record<string, unknown>)[key])}`).join(',')}}`;
  };
  return encode(value);
}

test('property: whatever bytes carry a well-signed vote or proposal, and whatever was taken before, nothing taken has a signature that fails', (t) => {
  // Each run: a real message of v1 or v2, encoded with its keys in some order and sent with some n,
  // several times, some with one signed field changed after signing; all judged in turn by one
  // cache, the clock moving on by some amount between them.
  // A few real messages, so a run sends one several times, in other bytes.
  const signed = fc.constantFrom(
    ...[v1, v2].flatMap((key) => [
      { vote: signVote(key, { chain: 'ain-local', shard: '/', height: 5, round: 0, kind: 'prevote', hash }, genesis) },
      { vote: signVote(key, { chain: 'ain-local', shard: '/', height: 6, round: 1, kind: 'precommit', hash: null }, genesis) },
      { proposal: signProposal(key, { chain: 'ain-local', shard: '/', height: 5, round: 0, validRound: -1, block: { hash } }, genesis) },
    ]),
  );
  const change = fc.option(
    fc.record({
      field: fc.constantFrom('round', 'height', 'hash', 'kind', 'validRound'),
      to: fc.constantFrom(0, 1, 7, 65535, null, 'prevote', 'precommit', 'ef'.repeat(32)),
    }),
    { freq: 2 },
  );
  const style = fc.record({ n: fc.constantFrom(1, 2), turns: fc.array(fc.nat(8), { maxLength: 2 }), spaced: fc.boolean() });
  // One real message a run, sent several times: mostly in the run's bytes, some with a field changed.
  const run = fc.record({
    message: signed,
    style,
    sends: fc.array(fc.record({ change, restyle: fc.option(style, { freq: 2 }), afterMs: fc.constantFrom(0, 1, resentMinMs, 10_000) }), {
      minLength: 1,
      maxLength: 8,
    }),
  });
  fc.assert(
    fc.property(run, ({ message, style: base, sends }) => {
      let nowMs = 0;
      const checked = new CheckedMessages(undefined, () => nowMs);
      for (const { change, restyle, afterMs } of sends) {
        nowMs += afterMs;
        const { n, turns, spaced } = restyle ?? base;
        const inner = 'vote' in message ? { ...message.vote } : { ...message.proposal };
        if (change !== null && change.field in inner) (inner as Record<string, unknown>)[change.field] = change.to;
        const wire = 'vote' in message ? { n, vote: inner } : { n, proposal: inner };
        const kind = 'vote' in message ? 'votes' : 'proposals';
        const judged = judgeConsensusMessage(kind, new TextEncoder().encode(encodedAs(wire, turns, spaced)), view, checked);
        if (judged.message === undefined) continue;
        const taken = 'vote' in judged.message ? judged.message.vote : 'proposal' in judged.message ? judged.message.proposal : undefined;
        if (taken === undefined || !checkConsensusSignature(taken, genesis)) return false;
      }
      return true;
    }),
    { numRuns: 4000 },
  );
  t.pass();
});

test('evidence on gossip: two votes of one slot with different hashes is accepted; votes of two rounds, or a vote its validator did not sign, are rejected with the reason', (t) => {
  const precommit = (round: number, c: string) =>
    signVote(v1, { chain: 'ain-local', shard: '/', height: 4, round, kind: 'precommit', hash: c.repeat(64) }, genesis);
  const judged = (evidence: unknown) => judgeConsensusMessage('evidence', bytesOf({ n: 1, evidence }), view);
  t.is(judged({ a: precommit(0, 'a'), b: precommit(0, 'b') }).validation, 'accept');
  t.like(judged({ a: precommit(0, 'a'), b: precommit(1, 'b') }), {
    validation: 'reject',
    cause: 'schema',
    reason: "not a message of ain's schema for the evidence topic",
  });
  t.like(judged({ a: precommit(0, 'a'), b: { ...precommit(0, 'b'), sig: precommit(0, 'a').sig } }), {
    validation: 'reject',
    cause: 'signature',
    reason: `a signature does not verify for this chain (genesis ${genesis.slice(0, 16)}…)`,
  });
});

test('evidence is judged by the set that voted on its height: a validator that left since answers for it; a signer never in that set is rejected; a height whose set this node pruned is ignored', (t) => {
  const evidence = (key: KeyPair, height: number) => {
    const slot = (c: string) => signVote(key, { chain: 'ain-local', shard: '/', height, round: 0, kind: 'prevote', hash: c.repeat(64) }, genesis);
    return bytesOf({ n: 1, evidence: { a: slot('a'), b: slot('b') } });
  };
  t.false(view.isValidator(left.address), 'no validator of the current height');
  t.is(judgeConsensusMessage('evidence', evidence(left, 4), view).validation, 'accept');
  t.like(judgeConsensusMessage('evidence', evidence(left, 5), view), {
    validation: 'reject',
    cause: 'signer',
    reason: `signed by ${left.address}, no validator of height 5`,
  });
  t.like(judgeConsensusMessage('evidence', evidence(stranger, 3), view), {
    validation: 'reject',
    cause: 'signer',
    reason: `signed by ${stranger.address}, no validator of height 3`,
  });
  t.like(judgeConsensusMessage('evidence', evidence(v1, 1), view), {
    validation: 'ignore',
    cause: 'expired',
    reason: 'evidence of height 1, whose validator set this node no longer keeps',
  });
});

test('a proposal a peer made to cost its check is refused by its shape before its signature is: nested deeper than any message, or a block of other fields than a node proposes', (t) => {
  const nodeView = { ...view, proposalBlock: ProposedBlock };
  const header = { chain: 'ain-local', shard: '/', height: 5, prevHash: hash, txRoot: hash, recordsRoot: hash, time: 1, proposer: v1.address, lastRoot: hash };
  const proposalOf = (block: Record<string, unknown>) => ({
    n: 1,
    proposal: { chain: 'ain-local', shard: '/', height: 5, round: 0, validRound: -1, block, proposer: v1.address, pub: v1.publicKey, sig: 'ee'.repeat(64) },
  });
  // 100,000 levels of brackets: JSON.parse alone took seconds and a gigabyte; refused in one pass over the text.
  const deep = new TextEncoder().encode(
    JSON.stringify(proposalOf({ hash })).replace('"block":{', `"block":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)},`),
  );
  t.like(judgeConsensusMessage('proposals', deep, nodeView), { validation: 'reject', cause: 'schema' });
  // A block of other fields (here 50,000 keys, which its signature check would sort and serialize).
  const wide = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]));
  t.like(judgeConsensusMessage('proposals', bytesOf(proposalOf({ hash, header, records: ['r'], wide })), nodeView), { validation: 'reject', cause: 'schema' });
  // A block of a node's shape goes on to its signature (forged here).
  t.like(judgeConsensusMessage('proposals', bytesOf(proposalOf({ hash, header, records: ['r'] })), nodeView), { validation: 'reject', cause: 'signature' });
  // Without a block shape (the simulations' view) any object with a hash is taken as far as its signature.
  t.like(judgeConsensusMessage('proposals', bytesOf(proposalOf({ hash, other: 1 })), view), { validation: 'reject', cause: 'signature' });
});
