import test from 'ava';
import { Subject, take, toArray, firstValueFrom } from 'rxjs';
import { applyReadModels, createReadModels, createStateTree, type JobEvent } from '../../../projections/index.ts';
import type { BlockView } from '../../../runtime/node/blockStore.ts';
import { createStreamHub, type StreamBlock, type FramedEvent } from '../../../runtime/streams/index.ts';
import { isAinError } from '../../../schemas/index.ts';

// The hub over hand-made blocks: replay from a height then live with no gap or duplicate at the
// seam, bounded history (STREAM_GAP), filtered streams, value streams that speak only on change.

const owner = '0x' + '1'.repeat(40);
const worker = '0x' + '2'.repeat(40);
const job = 'a'.repeat(64);

// The read models the blocks below are folded into, as a chain folds them (one per test file run:
// each test's blocks name jobs of their own or none).
const readModels = createReadModels();

/** A block and what it changed in the read models: what a chain's step hands the hub. */
function view(height: number, jobEvents: JobEvent[] = [], finalized = height - 1): StreamBlock {
  const block: BlockView = {
    hash: height.toString(16).padStart(64, '0'),
    header: { height } as BlockView['header'],
    txs: [],
    finalized: { height: finalized, hash: '0'.repeat(64) },
    jobEvents,
    triggers: [],
  };
  return {
    view: block,
    readModels: applyReadModels(readModels, jobEvents),
    consensus: { proposalHash: '0'.repeat(64), commit: null, evidence: [], validators: [] },
  };
}

function setup(historyBlocksMax = 100, firstHeight = 1, more: { eventBytesMax?: number } = {}) {
  const blocks$ = new Subject<StreamBlock>();
  const tree = createStateTree({ owner, rules: { '/apps': true } });
  const encoded: string[] = [];
  const hub = createStreamHub({ blocks$, tree, historyBlocksMax, firstHeight, onEncoded: (event) => encoded.push(event), ...more });
  return { blocks$, tree, hub, encoded };
}

const ids = (events: FramedEvent[]) => events.map((e) => e.id);

test('an event stream replays from a height, then goes live: every block once, in order', (t) => {
  const { blocks$, hub } = setup();
  for (let h = 1; h <= 5; h++) blocks$.next(view(h));
  const got: FramedEvent[] = [];
  hub.open('blocks', 3).subscribe((e) => got.push(e));
  t.deepEqual(ids(got), [3, 4, 5]);
  for (let h = 6; h <= 8; h++) blocks$.next(view(h));
  t.deepEqual(ids(got), [3, 4, 5, 6, 7, 8]);
  const liveOnly: FramedEvent[] = [];
  hub.open('blocks').subscribe((e) => liveOnly.push(e));
  blocks$.next(view(9));
  t.deepEqual(ids(liveOnly), [9]);
  const ahead: FramedEvent[] = [];
  hub.open('blocks', 12).subscribe((e) => ahead.push(e));
  for (let h = 10; h <= 12; h++) blocks$.next(view(h));
  t.deepEqual(ids(ahead), [12]);
});

test('a resume older than the held history is STREAM_GAP; unknown names are NOT_FOUND', (t) => {
  const { blocks$, hub } = setup(3);
  for (let h = 1; h <= 6; h++) blocks$.next(view(h));
  t.is(hub.lowest, 4);
  t.throws(() => hub.open('blocks', 2), { message: /hold the blocks it folded since it started, the last 3 at most: height 4 on; height 2 is older/ });
  t.throws(() => hub.open('nonsense'), { message: /There is no stream "nonsense"/ });
  const badAddress = t.throws(() => hub.open('accounts/0xzz'));
  t.true(isAinError(badAddress, 'BAD_ADDRESS'), String(badAddress));
  t.regex(badAddress!.message, /accounts\/<address> takes an address, "0x" followed by 40 lowercase hex characters; "0xzz" is not one/);
  t.throws(() => hub.open('blocks/extra'), { message: /There is no stream/ });
  const got: FramedEvent[] = [];
  hub.open('blocks', 4).subscribe((e) => got.push(e));
  t.deepEqual(ids(got), [4, 5, 6]);
});

test('jobs, one job, nodes, reputation and dashboard streams carry what each block changed', async (t) => {
  const { blocks$, hub } = setup();
  const base = { job, time: 1000, height: 1 };
  blocks$.next(
    view(1, [
      { ...base, type: 'jobRegistered', admin: owner },
      { ...base, type: 'nodeApplied', node: worker, role: 'worker' },
    ]),
  );
  blocks$.next(view(2));
  blocks$.next(view(3, [{ ...base, height: 3, type: 'nodeApproved', node: worker, role: 'worker', parent: owner }]));
  const all = await firstValueFrom(hub.open('jobs', 1).pipe(take(2), toArray()));
  t.deepEqual(ids(all), [1, 3]);
  const nodes = await firstValueFrom(hub.open('nodes', 1).pipe(take(2), toArray()));
  t.is((nodes[1]!.data as { events: JobEvent[] }).events[0]!.type, 'nodeApproved');
  const one = await firstValueFrom(hub.open(`jobs/${job}`, 1).pipe(take(1), toArray()));
  t.is(one[0]!.id, 1);
  const reputation = await firstValueFrom(hub.open(`reputation/${worker}`, 1).pipe(take(2), toArray()));
  t.deepEqual(
    reputation.map((e) => (e.data as { entries: { status: string | null; parent: string | null }[] }).entries[0]!.parent),
    [null, owner],
  );
  const dashboard = await firstValueFrom(hub.open('dashboard', 3).pipe(take(1)));
  t.is((dashboard.data as { jobs: Record<string, { workers: number }> }).jobs[job]!.workers, 1);
});

test('the consensus stream has an event for every block, changed or not, replayed and live; consensus/<x> is NOT_FOUND', (t) => {
  const { blocks$, hub } = setup();
  for (let h = 1; h <= 3; h++) blocks$.next(view(h));
  const got: FramedEvent[] = [];
  hub.open('consensus', 2).subscribe((e) => got.push(e));
  blocks$.next(view(4));
  t.deepEqual(ids(got), [2, 3, 4]);
  t.true(got.every((e) => e.event === 'consensus'));
  t.like(got[0]!.data, { height: 2, hash: view(2).view.hash, commit: null, evidence: [], validators: [] });
  t.throws(() => hub.open('consensus/0x1'), { message: /There is no stream "consensus\/0x1"; streams: .*consensus/ });
});

test('value streams send the current value, then again only at blocks that change it', (t) => {
  const { blocks$, tree, hub } = setup();
  blocks$.next(view(1));
  const got: FramedEvent[] = [];
  hub.open('state/apps/x').subscribe((e) => got.push(e));
  const setX = (value: number, height: number) => {
    tree.writeSystem('/apps/x', value);
    tree.root();
    blocks$.next(view(height));
  };
  setX(1, 2);
  blocks$.next(view(3)); // unchanged
  setX(1, 4); // the same value again: no change
  setX(2, 5);
  t.deepEqual(
    got.map((e) => [e.id, (e.data as { value: unknown }).value]),
    [
      [1, null],
      [2, 1],
      [5, 2],
    ],
  );
  const account: FramedEvent[] = [];
  hub.open(`accounts/${worker}`).subscribe((e) => account.push(e));
  t.like(account[0]!.data, { address: worker, balance: '0', nonce: 0 });
  t.throws(() => hub.open('state/bad//path'), { message: /path/i });
});

test('a node restored at height 20 holds nothing below 21: older resumes are STREAM_GAP even before its first block', (t) => {
  const { blocks$, hub } = setup(100, 21);
  t.throws(() => hub.open('blocks', 18), { message: /height 21 on; height 18 is older/ });
  const got: FramedEvent[] = [];
  hub.open('blocks', 21).subscribe((e) => got.push(e));
  blocks$.next(view(21));
  t.deepEqual(ids(got), [21]);
});

test('closing the hub ends every open stream with SHUTTING_DOWN', (t) => {
  const { blocks$, hub } = setup();
  blocks$.next(view(1));
  const errors: string[] = [];
  hub.open('blocks', 1).subscribe({ error: (e: { code: string }) => errors.push(e.code) });
  hub.open('state/apps/x').subscribe({ error: (e: { code: string }) => errors.push(e.code) });
  hub.close();
  hub.close();
  t.deepEqual(errors, ['SHUTTING_DOWN', 'SHUTTING_DOWN']);
});

test('subscribers of one value share each event: built and framed once per block, the same bytes for all', (t) => {
  const { blocks$, tree, hub, encoded } = setup(100, 1, { eventBytesMax: 200 });
  blocks$.next(view(1));
  const got: FramedEvent[][] = [[], [], []];
  for (const list of got) hub.open('state/apps/x').subscribe((e) => list.push(e));
  const blocks: FramedEvent[][] = [[], []];
  for (const list of blocks) hub.open('blocks').subscribe((e) => list.push(e));
  tree.writeSystem('/apps/x', { a: 1, b: 'two' });
  tree.root();
  blocks$.next(view(2));
  t.is(got[0]![1], got[1]![1]);
  t.is(got[0]![1], got[2]![1]);
  t.is(blocks[0]![0], blocks[1]![0]);
  t.deepEqual(got[0]![1]!.data, { path: '/apps/x', value: { a: 1, b: 'two' }, height: 2 });
  const frames = got.flatMap((list) => list.map((e) => e.frame)).concat(blocks.map((list) => list[0]!.frame));
  t.is(frames[1], frames[3]);
  t.is(frames[1]!.toString(), 'id: 2\nevent: state\ndata: {"path":"/apps/x","value":{"a":1,"b":"two"},"height":2}\n\n');
  t.deepEqual(encoded.sort(), ['block', 'state', 'state']);
});

test('a value larger than one event is RESULT_TOO_LARGE: at once when opened, as the stream error when it grows', (t) => {
  const { blocks$, tree, hub } = setup(100, 1, { eventBytesMax: 100 });
  blocks$.next(view(1));
  const errors: string[] = [];
  const got: FramedEvent[] = [];
  hub.open('state/apps/x').subscribe({ next: (e) => got.push(e), error: (e: { code: string }) => errors.push(e.code) });
  tree.writeSystem('/apps/x', 'y'.repeat(200));
  tree.root();
  blocks$.next(view(2));
  t.is(got.length, 1);
  t.deepEqual(errors, ['RESULT_TOO_LARGE']);
  t.throws(() => hub.open('state/apps/x'), {
    message: /more than 100 bytes of JSON, more than one stream event carries; follow the paths below it \(state\/apps\/x\/<key>\)/,
  });
  t.notThrows(() => hub.open('state/apps/other'));
});
