import test from 'ava';
import { pino } from 'pino';
import { createMemoryLog } from '../../../log/index.ts';
import { createCatchUp } from '../../../runtime/consensus/catchUp.ts';
import type { Transport } from '../../../runtime/net/index.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';
import { until } from '../node/nodeProcess.ts';
import { genesis, newChain } from '../../actors/chain/proposals.ts';
import { commits, limits } from './proposalFixtures.ts';

// When a node asks a peer for decided blocks: at once when a peer's message is two or more
// heights ahead of its next, and only after a grace when it is one ahead (under load the slowest
// validator is often that far behind for a moment, and decides the block itself).

function catchUpWith() {
  const asked: { peer: string; from: number }[] = [];
  const transport = {
    request: async (peer: string, _protocol: string, bytes: Uint8Array) => {
      asked.push({ peer, from: (JSON.parse(Buffer.from(bytes).toString()) as { from: number }).from });
      return Buffer.from('{"blocks":[]}');
    },
  } as unknown as Transport;
  const catchUp = createCatchUp({
    logger: pino({ level: 'silent' }),
    genesis,
    log: createMemoryLog(),
    chain: newChain(),
    blockStore: createBlockStore(),
    transport,
    commits,
    limits,
    caughtUp: () => true,
    appendDecided: async () => {},
  });
  return { catchUp, asked };
}

test('a peer two heights ahead is asked at once', (t) => {
  const { catchUp, asked } = catchUpWith();
  catchUp.behind('peer-a', 3); // this node's next is 1: the peer decided 1 and 2
  t.deepEqual(asked, [{ peer: 'peer-a', from: 1 }]);
});

test('a peer one height ahead is asked only once the node has stayed behind it for the grace', async (t) => {
  const { catchUp, asked } = catchUpWith();
  catchUp.behind('peer-a', 2); // the peer decided 1, which this node is deciding
  catchUp.behind('peer-a', 2);
  t.deepEqual(asked, [], 'not at once');
  // Its messages keep coming while the node stays at the same height: past the grace, it asks.
  await until(
    async () => {
      catchUp.behind('peer-a', 2);
      return asked.length > 0;
    },
    'the ask after the grace',
    10_000,
  );
  t.deepEqual(asked, [{ peer: 'peer-a', from: 1 }]);
});
