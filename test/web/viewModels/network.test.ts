import test from 'ava';
import fc from 'fast-check';
import type { ConsensusEvent } from '../../../schemas/index.ts';
import { applyNetwork, initialNetwork, networkBlocksMax, validatorRows } from '../../../web/viewModels/index.ts';

// The overview's network panel: a view model folded from GET /v1/net and the `consensus` stream of a
// three-validator network, without a node or a browser.

const hex = (n: number) => n.toString(16).padStart(64, '0');
const addr = (n: number) => '0x' + n.toString(16).padStart(40, '0');
const net = { peers: ['p1', 'p2'], validators: [1, 2, 3].map((n) => ({ address: addr(n), stake: String(n * 100) })) };

/** Block `height` proposed round-robin, carrying the certificate of the block before it (decided in round `round`, signed by the first `signers`). */
function consensus(height: number, over: Partial<ConsensusEvent> = {}, round = 0, signers = 3): ConsensusEvent {
  return {
    height,
    hash: hex(height),
    time: height * 1000,
    proposer: addr((height % 3) + 1),
    proposal: hex(1000 + height),
    commit:
      height === 1
        ? null
        : {
            height: height - 1,
            round,
            hash: hex(999 + height),
            signers: [1, 2, 3].slice(0, signers).map((n) => ({ address: addr(n), power: String(n * 100) })),
            power: '600',
            total: '600',
          },
    evidence: [],
    validators: [],
    ...over,
  };
}

test('network: peers and validators with stake and voting power; each block’s proposer, and its round and signers from the next certificate', (t) => {
  let state = applyNetwork(initialNetwork, { type: 'net', net });
  t.like(state, { onNetwork: true, peers: ['p1', 'p2'], peerCount: 2 });
  t.deepEqual(
    validatorRows(state).map((v) => [v.address, v.stake, v.power]),
    [
      [addr(3), '300', 0.5],
      [addr(2), '200', 0.3333],
      [addr(1), '100', 0.1666],
    ],
  );
  state = applyNetwork(state, { type: 'consensus', data: consensus(4) });
  t.like(state.blocks[0], { height: 4, proposer: addr(2), round: null, signers: null });
  state = applyNetwork(state, { type: 'consensus', data: consensus(5, {}, 2, 2) });
  t.like(state.blocks[0], { height: 4, round: 2, signers: 2 });
  t.deepEqual(
    validatorRows(state).map((v) => [v.address, v.proposed]),
    [
      [addr(3), 1],
      [addr(2), 1],
      [addr(1), 0],
    ],
  );
  // A block's stake changes move the set: one validator unbonded all, another staked more.
  state = applyNetwork(state, {
    type: 'consensus',
    data: consensus(6, {
      validators: [
        { address: addr(1), before: '100', after: '0' },
        { address: addr(2), before: '200', after: '300' },
      ],
    }),
  });
  t.deepEqual(
    validatorRows(state).map((v) => [v.address, v.power]),
    [
      [addr(2), 0.5],
      [addr(3), 0.5],
    ],
  );
});

test('network: whatever order and repeats blocks come in, the panel keeps the latest ones once each, ascending', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 150 }), (heights) => {
      const state = heights.reduce((s, h) => applyNetwork(s, { type: 'consensus', data: consensus(h) }), initialNetwork);
      const listed = state.blocks.map((b) => b.height);
      const want = [...new Set(heights)].sort((a, b) => a - b).slice(-networkBlocksMax);
      return JSON.stringify(listed) === JSON.stringify(want);
    }),
  );
  t.is(applyNetwork(initialNetwork, { type: 'consensus', data: consensus(1) }).onNetwork, false, 'a single node’s blocks, no GET /v1/net');
});

test('network: each read of GET /v1/net says anew which validators’ nodes answer; one the node never reached has no reach', (t) => {
  const reached = {
    peers: ['p1', 'p2'],
    validators: [
      { address: addr(1), stake: '100', peerId: 'p1', reachable: true, answeredAt: 5 },
      { address: addr(2), stake: '200', peerId: 'p2', reachable: false, answeredAt: 1 },
      { address: addr(3), stake: '300' },
    ],
  };
  let state = applyNetwork(initialNetwork, { type: 'net', net: reached });
  t.deepEqual(
    validatorRows(state).map((v) => [v.address, v.reach]),
    [
      [addr(3), null],
      [addr(2), { peerId: 'p2', reachable: false }],
      [addr(1), { peerId: 'p1', reachable: true }],
    ],
  );
  state = applyNetwork(state, { type: 'net', net: { ...reached, validators: reached.validators.map((v) => ({ ...v, reachable: true })) } });
  t.true(validatorRows(state).every((v) => v.reach === null || v.reach.reachable));
});
