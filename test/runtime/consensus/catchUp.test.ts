import test from 'ava';
import { pino } from 'pino';
import { createMemoryLog } from '../../../log/index.ts';
import { Subject } from 'rxjs';
import { createCatchUp, decidedAskPeer, type DecidedBlock } from '../../../runtime/consensus/catchUp.ts';
import type { PeerEvent, RequestHandler, Transport } from '../../../runtime/net/index.ts';
import type { Certificate, ProposedBlock } from '../../../schemas/index.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';
import { until } from '../node/nodeProcess.ts';
import { appendBlock, buildOn, certificateOf, genesis, newChain, validators } from '../../actors/chain/proposals.ts';
import type { Chain } from '../../../actors/index.ts';
import { commits, limits } from './proposalFixtures.ts';

// When a node asks a peer for decided blocks: at once when a peer's message is two or more
// heights ahead of its next, and only after a grace when it is one ahead (under load the slowest
// validator is often that far behind for a moment, and decides the block itself).

/** Catch-up against a peer with no blocks: who was asked, from which height. */
function catchUpWith(mayDecide?: () => boolean) {
  const { catchUp, asked, timeouts } = pipelineWith([], 64, { mayDecide });
  return { catchUp, asked, timeouts };
}

test('a peer two heights ahead is asked at once', (t) => {
  const { catchUp, asked, timeouts } = catchUpWith();
  catchUp.behind('peer-a', 3); // this node's next is 1: the peer decided 1 and 2
  t.deepEqual(asked, [{ peer: 'peer-a', from: 1 }]);
  t.deepEqual(timeouts, [undefined], "within the transport's usual time");
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

test('a peer one height ahead is asked at once when this node cannot decide the height itself (it holds no proposal of it)', (t) => {
  const { catchUp, asked } = catchUpWith(() => false);
  catchUp.behind('peer-a', 2);
  t.deepEqual(asked, [{ peer: 'peer-a', from: 1 }]);
});

test('a peer that said it was ahead yet sent no block is not asked on its claims for a while; another peer is', async (t) => {
  // A validator may sign a vote for a height far ahead, and a peer may lie in its status: each
  // claim would have this node ask it, and wait for its answer, again and again.
  const { catchUp, asked } = catchUpWith();
  catchUp.behind('peer-a', 1_000_000);
  t.deepEqual(asked, [{ peer: 'peer-a', from: 1 }]);
  await until(
    async () => {
      catchUp.behind('peer-a', 1_000_000);
      catchUp.behind('peer-b', 3);
      return asked.length > 1;
    },
    'an ask of the other peer (after the pause between asks)',
    10_000,
  );
  t.deepEqual(asked, [
    { peer: 'peer-a', from: 1 },
    { peer: 'peer-b', from: 1 },
  ]);
});

test('a peer’s claims wait after its answer appended nothing, even when the node’s own consensus moved the ledger meanwhile', async (t) => {
  // On a live chain the node decides blocks itself while it asks: that is not the peer's doing.
  let decided = false;
  const decideOnce = (own: Chain) => {
    if (!decided) appendBlock(own, buildOn(own, validators[0]!));
    decided = true;
  };
  const { catchUp, asked, chain } = pipelineWith([], 64, { whileAsked: decideOnce });
  catchUp.behind('peer-a', 1_000_000);
  t.deepEqual(asked, [{ peer: 'peer-a', from: 1 }]);
  await until(
    async () => {
      catchUp.behind('peer-a', 1_000_000);
      catchUp.behind('peer-b', chain.ledger.height + 3);
      return asked.length > 1;
    },
    'an ask of the other peer (after the pause between asks)',
    10_000,
  );
  t.is(chain.ledger.height, 1, 'the node decided block 1 itself while it asked');
  t.is(asked[1]!.peer, 'peer-b');
});

test('a peer that claimed a height and sits on its answer holds the fetch 2 s at most: another peer’s claim backed by a validator’s message then takes its place, and its claims wait', async (t) => {
  // A liar with a fresh peer id each time held this node's one fetch for the request's 5 s, again and again.
  const { blocks } = decidedChain(3);
  const { catchUp, asked, aborted, chain } = pipelineWith(blocks, 64, { stalling: ['liar'] });
  catchUp.behind('liar', 1_000_000);
  catchUp.behind('peer-b', 4);
  t.deepEqual(asked, [{ peer: 'liar', from: 1 }], 'one fetch at a time: the liar’s answer is awaited first');
  catchUp.behind('liar', 1_000_000);
  t.is(asked.length, 1, 'its own claim again does not ask it twice');
  await until(
    async () => {
      // A peer's word alone (its status) never takes the place of a stalled fetch: fresh liars would replace each other.
      catchUp.behind('liar-2', 1_000_000, 'status');
      catchUp.behind('peer-b', 4);
      return asked.length > 1;
    },
    'the ask of the other peer once the liar stalled',
    10_000,
  );
  t.false(
    asked.some((ask) => ask.peer === 'liar-2'),
    'a status claim did not replace it',
  );
  t.deepEqual(asked[1], { peer: 'peer-b', from: 1 });
  t.deepEqual(aborted, [{ peer: 'liar', code: 'NET_TIMEOUT' }], 'the stalled ask is stopped');
  // Its fetch ends once an answer is empty (after block 3): ask 4.
  await until(async () => chain.ledger.height === 3 && asked.some((ask) => ask.from === 4), 'the other peer’s blocks appended', 10_000);
  // Past the pause after a fetch, a claim is acted on again: the liar's first (were it heard), then another peer's.
  await until(
    async () => {
      catchUp.behind('liar', 1_000_000);
      catchUp.behind('peer-c', 5);
      return asked.some((ask) => ask.peer !== 'peer-b' && ask.from === 4);
    },
    'an ask after the pause',
    10_000,
  );
  t.deepEqual(asked.at(-1), { peer: 'peer-c', from: 4 });
  t.deepEqual(
    asked.filter((ask) => ask.peer === 'liar'),
    [{ peer: 'liar', from: 1 }],
    'the liar’s claims wait as an unfruitful peer’s',
  );
});

test('a block the others precommitted and this node lacks the proposal of is asked for at once, and again only after a pause', async (t) => {
  const { catchUp, asked, timeouts } = catchUpWith();
  catchUp.decidedElsewhere('peer-a', 2);
  t.deepEqual(asked, [], 'not a height past the next');
  catchUp.decidedElsewhere('peer-a', 1);
  t.deepEqual(asked, [{ peer: 'peer-a', from: 1 }], 'the next height: at once, without the grace or the pause after an ask');
  t.is(timeouts[0], 2_000, 'waiting 2 s at most: a slow peer does not hold up the asks after it');
  await until(
    async () => {
      catchUp.decidedElsewhere('peer-b', 1);
      return asked.length > 1;
    },
    'the second ask (the peer had not appended the block yet)',
    10_000,
  );
  t.deepEqual(asked[1], { peer: 'peer-b', from: 1 });
});

test('the asks for a block decided elsewhere alternate between the likeliest peer and the other connected peers in turn', (t) => {
  const connected = ['peer-a', 'peer-b', 'peer-c'];
  t.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((asked) => decidedAskPeer('peer-b', connected, asked)),
    ['peer-b', 'peer-a', 'peer-b', 'peer-c', 'peer-b', 'peer-a', 'peer-b', 'peer-c'],
  );
  t.is(decidedAskPeer('peer-a', ['peer-a'], 1), 'peer-a', 'no other peer: the likeliest again');
  t.is(decidedAskPeer('peer-d', [], 3), 'peer-d', 'none connected (the transport lost them): the peer that sent the message');
  t.deepEqual(
    [0, 1, 2, 3].map((asked) => decidedAskPeer('peer-d', ['peer-a', 'peer-b'], asked)),
    ['peer-a', 'peer-b', 'peer-a', 'peer-b'],
    'a preferred peer no longer connected: the connected ones in turn',
  );
});

// Fetching as a pipeline: the next range is asked for while one is checked and appended, and a
// block's records go to the verify threads while the block before it is appended; a peer's bogus
// block costs at most one block of verifies before its certificate is found not to hold.

/** `count` blocks decided on a chain of their own: what a peer sends (records, certificate), and the roots they fold to. */
function decidedChain(count: number): { blocks: DecidedBlock[]; roots: string[] } {
  const source = newChain();
  const blocks: DecidedBlock[] = [];
  const roots: string[] = [];
  let certificate: Certificate | null = null;
  for (let height = 1; height <= count; height++) {
    const proposer = validators[height % validators.length]!;
    const block = buildOn(source, proposer, { certificate, nonce: Math.floor((height - 1) / validators.length) + 1 });
    appendBlock(source, block);
    certificate = certificateOf(height, block.hash);
    blocks.push({ height, records: block.records, certificate });
    roots.push(source.ledger.tree.root());
  }
  return { blocks, roots };
}

function pipelineWith(
  blocks: readonly DecidedBlock[],
  blocksPerAnswer: number,
  {
    connected = [] as string[],
    maxTxs = limits.maxTxs,
    caughtUp = (): boolean => true,
    mayDecide = undefined as (() => boolean) | undefined,
    whileAsked = undefined as ((chain: Chain) => void) | undefined,
    /** Peers that never answer a request for blocks (until it is aborted). */
    stalling = [] as string[],
  } = {},
) {
  const chain = newChain();
  const events: string[] = [];
  const asked: { peer: string; from: number }[] = [];
  /** Each ask's time limit (undefined: the transport's default). */
  const timeouts: (number | undefined)[] = [];
  /** The asks of stalling peers that were aborted, with the reason's code. */
  const aborted: { peer: string; code: unknown }[] = [];
  const peerEvents$ = new Subject<PeerEvent>();
  let failed: unknown;
  const handlers = new Map<string, RequestHandler>();
  const kept = new Map<number, Certificate>(); // the commit store: the certificate the next block is judged by
  const transport = {
    peerEvents$,
    peers: () => connected,
    request: async (peer: string, protocol: string, bytes: Uint8Array, options?: { timeoutMs?: number; signal?: AbortSignal }) => {
      if (protocol.endsWith('status')) {
        events.push('status');
        return Buffer.from(JSON.stringify({ height: blocks.length }));
      }
      const { from } = JSON.parse(Buffer.from(bytes).toString()) as { from: number };
      whileAsked?.(chain);
      events.push(`ask ${from}`);
      asked.push({ peer, from });
      timeouts.push(options?.timeoutMs);
      if (stalling.includes(peer))
        return new Promise((_, reject) =>
          options?.signal?.addEventListener('abort', () => {
            const reason = options.signal!.reason as { code?: unknown };
            aborted.push({ peer, code: reason.code });
            reject(reason);
          }),
        );
      return Buffer.from(JSON.stringify({ blocks: blocks.slice(from - 1, from - 1 + blocksPerAnswer) }));
    },
    handle: async (protocol: string, handler: RequestHandler) => void handlers.set(protocol, handler),
    unhandle: async () => {},
  } as unknown as Transport;
  const catchUp = createCatchUp({
    logger: pino({
      level: 'warn',
      hooks: {
        logMethod(args) {
          failed = args[0]; // the fetch's failure, as the node logs it
        },
      },
    }),
    genesis,
    log: createMemoryLog(),
    chain,
    blockStore: createBlockStore(),
    transport,
    commits: { ...commits, get: (height: number) => kept.get(height) },
    limits: { ...limits, maxTxs },
    caughtUp,
    ...(mayDecide === undefined ? {} : { mayDecide }),
    heldOf: async (height) => {
      events.push(`verify ${height}`);
      return new Map();
    },
    appendDecided: async (height, records, certificate) => {
      events.push(`append ${height}`);
      kept.set(height, certificate);
      await new Promise((resolve) => setImmediate(resolve)); // the log's write and the fold take a while
      appendBlock(chain, { records: records.map((r) => Buffer.from(r).toString()) } as ProposedBlock);
      events.push(`appended ${height}`);
    },
  });
  return { catchUp, chain, events, asked, timeouts, aborted, peerEvents$, failed: () => failed, handlers };
}

test('fetched blocks are appended in order while the next range is asked and the next block verified; the roots are the peer’s', async (t) => {
  const { blocks, roots } = decidedChain(5);
  const { catchUp, chain, events } = pipelineWith(blocks, 3);
  catchUp.behind('peer-a', 6);
  await until(async () => chain.ledger.height === 5 && events.includes('ask 6'), 'the 5 blocks appended and an empty answer', 10_000);
  t.is(chain.ledger.tree.root(), roots[4]!);
  t.deepEqual(
    events.filter((e) => e.startsWith('append ')),
    ['append 1', 'append 2', 'append 3', 'append 4', 'append 5'],
  );
  const at = (event: string) => events.indexOf(event);
  t.true(at('ask 4') < at('append 1'), 'the next range was asked before the first block was appended');
  t.true(at('verify 2') < at('appended 1'), 'block 2 went to the verify threads while block 1 was appended');
  t.true(at('verify 3') < at('appended 2'));
  t.true(at('verify 4') < at('appended 3'), 'the first block of the next answer, which had come, while the last of this one was appended');
  t.true(at('verify 5') < at('appended 4'), 'in the next answer too');
});

test('a peer’s bogus block after good ones costs one block of verifies: nothing after it is verified or appended', async (t) => {
  const { blocks } = decidedChain(6);
  const bogus = blocks.map((b) => (b.height >= 3 ? { ...b, certificate: certificateOf(b.height, 'c'.repeat(64)) } : b));
  const { catchUp, chain, events, failed } = pipelineWith(bogus, 64);
  catchUp.behind('peer-a', 7);
  await until(async () => failed() !== undefined, 'the fetch to fail', 10_000);
  t.is(chain.ledger.height, 2);
  t.deepEqual(
    events.filter((e) => !e.startsWith('ask')),
    ['verify 1', 'verify 2', 'append 1', 'appended 1', 'verify 3', 'append 2', 'appended 2'],
  );
  t.regex(JSON.stringify(failed()), /BAD_COMMIT/);
});

test('a next block larger than the chain’s blocks is not verified ahead: its certificate is checked first, and fails', async (t) => {
  const { blocks } = decidedChain(2);
  const padded = { ...blocks[1]!, records: [...blocks[1]!.records.slice(0, -1), ...blocks[1]!.records.slice(0, 3), blocks[1]!.records.at(-1)!] };
  t.true(blocks[1]!.records.length <= 6 && padded.records.length > 6);
  const { catchUp, chain, events, failed } = pipelineWith([blocks[0]!, padded], 64, { maxTxs: 6 });
  catchUp.behind('peer-a', 3);
  await until(async () => failed() !== undefined, 'the fetch to fail', 10_000);
  t.is(chain.ledger.height, 1);
  t.deepEqual(
    events.filter((e) => !e.startsWith('ask')),
    ['verify 1', 'append 1', 'appended 1'],
  );
  t.regex(JSON.stringify(failed()), /BAD_COMMIT/);
});

test('a peer gets at most four answers of decided blocks at once; a fifth ask meanwhile is refused OVERLOADED, another peer’s is answered', async (t) => {
  const { catchUp, handlers } = pipelineWith([], 64);
  await catchUp.start();
  t.teardown(() => catchUp.stop());
  const serve = [...handlers].find(([protocol]) => protocol.endsWith('decided-by-range'))![1];
  const ask = (peer: string) => serve(Buffer.from(JSON.stringify({ from: 1, count: 64 })), peer, new AbortController().signal);
  const asks = [ask('peer-a'), ask('peer-a'), ask('peer-a'), ask('peer-a'), ask('peer-a'), ask('peer-b')];
  const settled = await Promise.allSettled(asks);
  t.deepEqual(
    settled.map((s) => s.status),
    ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
  );
  t.like((settled[4] as PromiseRejectedResult).reason, { code: 'OVERLOADED' });
  t.is((await ask('peer-a')).length > 0, true, 'answered again once the others were');
});

test('peers connected before catch-up starts are asked where their chain stands as it starts', async (t) => {
  const { blocks } = decidedChain(2);
  const { catchUp, chain, events } = pipelineWith(blocks, 64, { connected: ['peer-a'] });
  await catchUp.start();
  t.teardown(() => catchUp.stop());
  t.is(events[0], 'status', 'asked as catch-up started, not at the poll 2 s later');
  await until(async () => chain.ledger.height === 2, 'the 2 blocks fetched', 10_000);
  t.is(events[1], 'ask 1');
});

test('a node still reading its log as catch-up starts asks its connected peers as soon as it is done, all at once', async (t) => {
  const { blocks } = decidedChain(2);
  let replayed = false;
  const { catchUp, chain, events } = pipelineWith(blocks, 64, { connected: ['peer-a', 'peer-b'], caughtUp: () => replayed });
  await catchUp.start();
  t.teardown(() => catchUp.stop());
  t.deepEqual(events, [], 'nothing asked while the log is read');
  replayed = true;
  await until(async () => chain.ledger.height === 2, 'the 2 blocks fetched', 10_000);
  t.deepEqual(events.slice(0, 2), ['status', 'status'], 'both peers asked together, not one per poll');
});

test('a peer that connects is asked where its chain stands at once, and a node behind it fetches', async (t) => {
  const { blocks } = decidedChain(2);
  const { catchUp, chain, events, peerEvents$ } = pipelineWith(blocks, 64);
  await catchUp.start();
  t.teardown(() => catchUp.stop());
  t.deepEqual(events, [], 'nothing asked before the peer connects (the poll comes later)');
  peerEvents$.next({ type: 'connect', peer: 'peer-a' });
  t.deepEqual(events, ['status'], 'asked as it connected');
  await until(async () => chain.ledger.height === 2, 'the 2 blocks fetched', 10_000);
  t.is(events[1], 'ask 1');
});
