import test from 'ava';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import type { ChainSnapshot } from '../../../actors/index.ts';
import type { BlockView } from '../../../runtime/node/blockStore.ts';
import type { NodeSnapshot, SnapshotStore } from '../../../runtime/node/snapshotStore.ts';
import { createSnapshotWriter } from '../../../runtime/node/snapshotWriter.ts';

/** A chain that has applied blocks up to `height`, a store of its blocks whose history holds them once `flush()` is called, and a store of snapshots in memory. */
function given({ fromHeight = 0, everyBlocks = 3, failWrites = false, logger = pino({ level: 'silent' }) } = {}) {
  let height = fromHeight;
  const views: BlockView[] = [];
  let flush!: () => void;
  const flushed = new Promise<void>((resolve) => (flush = resolve));
  const written: number[] = [];
  const blocks$ = new Subject<BlockView>();
  const chain = {
    snapshot: () => ({ height, blockHash: `hash${height}`, position: { height: height + 1 }, ledger: {}, readModels: {} }) as unknown as ChainSnapshot,
    get ledger() {
      return { height } as never;
    },
  };
  const blocks = {
    latest: () => views.at(-1),
    flushed: () => flushed,
  };
  const store = {
    write: async (snapshot: NodeSnapshot) => {
      if (failWrites) throw new Error('disk full');
      written.push(snapshot.height);
    },
  } as unknown as SnapshotStore;
  const writer = createSnapshotWriter({ chain, blocks, blocks$, store, everyBlocks, fromHeight, logger });
  /** The follower applies the next block. */
  const apply = () => {
    height++;
    const view = { header: { height } } as BlockView;
    views.push(view);
    blocks$.next(view);
  };
  return { writer, apply, written, flush, blocks$ };
}

test('given snapshots every 3 blocks, when blocks are applied, then one is written at each third block once the history holds it, and a last one at stop', async (t) => {
  const { writer, apply, written, flush, blocks$ } = given({ fromHeight: 10, everyBlocks: 3 });
  writer.start();
  for (let i = 0; i < 7; i++) apply();
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(written, [], 'no snapshot before the history holds its block');
  flush();
  blocks$.complete(); // the follower stopped
  await writer.stop();
  t.deepEqual(written, [13, 16, 17]);
});

test('given blocks past the last snapshot, when stopped, then a last snapshot of the chain as it stands is written before stop resolves', async (t) => {
  const { writer, apply, written, flush, blocks$ } = given({ everyBlocks: 100 });
  writer.start();
  apply();
  apply();
  blocks$.complete(); // the follower stopped
  const stopped = writer.stop();
  flush();
  await stopped;
  t.deepEqual(written, [2]);
});

test('given no block since the last snapshot, when stopped, then nothing more is written', async (t) => {
  const { writer, written } = given({ fromHeight: 5 });
  writer.start();
  await writer.stop();
  t.deepEqual(written, []);
});

test('a snapshot that cannot be written is logged, and the node goes on: stop still resolves', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>));
  const { writer, apply, flush } = given({ everyBlocks: 1, failWrites: true, logger: pino({ level: 'error' }, stream) });
  writer.start();
  apply();
  flush();
  await t.notThrowsAsync(writer.stop());
  t.deepEqual(
    lines.map((line) => [line.height, line.msg]),
    [[1, 'could not write a snapshot; the log still holds everything']],
  );
});
