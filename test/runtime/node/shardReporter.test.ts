import test from 'ava';
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { blockHashOfShardHeader, genesisHashOf, readShard } from '../../../actors/index.ts';
import { proposalHashOf, txHashOf } from '../../../log/index.ts';
import { createShardReporter } from '../../../runtime/node/shardReporter.ts';
import type { BlockHeader, Certificate, Evidence, Op, Tx } from '../../../schemas/index.ts';
import { key, type TestChain } from '../../actors/ledger/chain.ts';
import { branchedParent, reportOpOf } from '../../actors/shard/childChain.ts';
import { until } from './nodeProcess.ts';

// The reporter of a child validator against a parent that folds its txs with the real ledger
// (an HTTP stand-in for a parent node: each tx submitted is a block of its own): it reports
// what the parent lacks, takes ALREADY_REPORTED as another validator's win, and gets past a
// parent URL that does not answer.

const owner = key(71);
const [c1, c2, c3, c4] = [key(72), key(73), key(74), key(75)];
const rules = { blockIntervalMs: 1000, reportPeriodMs: 60_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } };

interface FakeParent {
  readonly url: string;
  readonly chain: TestChain;
  readonly outcomes: string[];
  /** The requests in the order they came: `POST /v1/tx`, `GET /v1/tx/<hash>`, … */
  readonly requests: string[];
  /** Runs before each submitted tx is folded, in the same block: what another validator got in first. */
  before: (() => Tx[]) | null;
  /** Txs submitted wait here, not folded, until `flush` makes one block of them (a parent's block interval). */
  held: Tx[] | null;
  /** Folds the held txs in one block. */
  flush(): void;
  /** Answers GET /v1/shards/<path> without the validators (a parent that does not say). */
  hideValidators: boolean;
  close(): Promise<void>;
}

async function fakeParent(parent: TestChain): Promise<FakeParent> {
  const landed = new Map<string, { hash: string; height: number; index: number; outcome: { code: string; message?: string } }>();
  const fold = (txs: Tx[]) => {
    const first = fake.before?.() ?? [];
    const block = parent.block([...first, ...txs]);
    for (const [i, tx] of txs.entries()) {
      const outcome = block.outcomes[first.length + i]!;
      fake.outcomes.push(outcome.code);
      landed.set(txHashOf(tx), { hash: txHashOf(tx), height: block.header.height, index: first.length + i, outcome });
    }
  };
  const fake: FakeParent = {
    url: '',
    chain: parent,
    outcomes: [],
    requests: [],
    before: null,
    held: null,
    hideValidators: false,
    flush() {
      const txs = fake.held ?? [];
      fake.held = fake.held === null ? null : [];
      if (txs.length > 0) fold(txs);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((request, response) => {
    const answer = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const url = request.url ?? '';
    fake.requests.push(`${request.method} ${url.startsWith('/v1/tx/') ? '/v1/tx/<hash>' : url}`);
    if (url === '/v1/status') return answer(200, { chain: 'ain-test', shard: '/', maxTxBytes: 4608 });
    if (url === '/v1/shards/apps/x') {
      const { state, context } = readShard(parent.ledger.tree, '/apps/x')!;
      return answer(200, {
        status: state,
        genesis: context.genesis,
        last: context.last,
        fork: context.fork,
        ...(fake.hideValidators ? {} : { validators: context.validators }),
      });
    }
    if (url.startsWith('/v1/accounts/')) return answer(200, { nonce: 0 });
    if (url.startsWith('/v1/tx/')) {
      const found = landed.get(url.slice('/v1/tx/'.length));
      return found === undefined ? answer(404, { code: 'NOT_FOUND', message: 'not in a block' }) : answer(200, found);
    }
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const tx = JSON.parse(text) as Tx;
      if (fake.held === null) fold([tx]);
      else fake.held.push(tx);
      answer(202, { hash: txHashOf(tx), offset: 0 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return Object.assign(fake, { url: `http://127.0.0.1:${(server.address() as { port: number }).port}` });
}

function setup() {
  const { parent, child } = branchedParent(owner, [c1!, c2!, c3!], rules);
  const commits$ = new Subject<unknown>();
  const headers = new Map<number, BlockHeader>();
  const certificates = new Map<number, Certificate>();
  /** The child decides a block: the node holds its header and certificate, and tells the reporter. */
  const decide = () => {
    const { header, certificate } = child.next();
    const { lastRoot: _, ...sealed } = header;
    headers.set(header.height, sealed);
    certificates.set(header.height, certificate);
    commits$.next({ height: header.height });
  };
  const evidence: Evidence[] = [];
  const reporterOf = (urls: string[], signer = c1!) =>
    createShardReporter({
      logger: pino({ level: 'silent' }),
      now: Date.now,
      key: signer,
      genesis: child.chain.genesis,
      genesisHash: genesisHashOf(child.chain.genesis),
      blocks: { get: (height) => (headers.has(height) ? ({ header: headers.get(height)! } as never) : undefined) },
      height: () => headers.size,
      commits$,
      certificateOf: async (height) => certificates.get(height),
      parent: { urls, retryMsMax: 250, staggerMs: 0, landMs: 5000 },
      evidence: async (e) => void evidence.push(e),
    });
  return { parent, child, decide, reporterOf, evidence };
}

const lastOn = (parent: TestChain) => readShard(parent.ledger.tree, '/apps/x')!.context.last.height;

test('it reports every decided block the parent lacks, past a parent URL that does not answer', async (t) => {
  const { parent, decide, reporterOf } = setup();
  const fake = await fakeParent(parent);
  t.teardown(() => fake.close());
  for (let i = 0; i < 3; i++) decide();
  const reporter = reporterOf(['http://127.0.0.1:9', fake.url]);
  reporter.start();
  t.teardown(() => reporter.stop());
  await until(async () => lastOn(parent) === 3, 'the parent to record child block 3');
  for (let i = 0; i < 4; i++) decide();
  await until(async () => lastOn(parent) === 7, 'the parent to record child block 7');
  t.true(
    fake.outcomes.every((code) => code === 'ok'),
    fake.outcomes.join(),
  );
  // The reporter learns its report's outcome when it next asks for it.
  await until(async () => reporter.status().reportedHere === 7, 'the reporter to see its report land');
  t.like(reporter.status(), { parent: fake.url, reported: 7, reportedHere: 7, problem: null });
  await reporter.stop();
});

test('a child ahead by more blocks than one report fits is reported in one round: its reports all sent before the first outcome is asked', async (t) => {
  const { parent, decide, reporterOf } = setup();
  const fake = await fakeParent(parent);
  t.teardown(() => fake.close());
  for (let i = 0; i < 5; i++) decide();
  const reporter = reporterOf([fake.url]);
  reporter.start();
  t.teardown(() => reporter.stop());
  await until(async () => lastOn(parent) === 5, 'the parent to record child block 5');
  // Its last report's outcome, which it asks for once all are sent.
  await until(async () => reporter.status().reportedHere === 5, 'the reporter to see its last report land');
  // The parent takes 4608 bytes a tx: two blocks with their certificates a report.
  const posts = fake.requests.filter((r) => r === 'POST /v1/tx');
  t.true(posts.length >= 2, `${posts.length} reports`);
  t.deepEqual(
    fake.outcomes,
    posts.map(() => 'ok'),
  );
  t.true(fake.requests.indexOf('GET /v1/tx/<hash>') > fake.requests.lastIndexOf('POST /v1/tx'), fake.requests.join(', '));
  await reporter.stop();
});

test('a report another validator got in first is ALREADY_REPORTED, and it goes on with the next blocks', async (t) => {
  const { parent, child, decide, reporterOf } = setup();
  const fake = await fakeParent(parent);
  t.teardown(() => fake.close());
  decide();
  decide();
  // c2 reports blocks 1 and 2 in the same parent block, just before c1's report of them.
  const rival = (): Tx[] => {
    fake.before = null;
    const [b1, b2] = child.blocks;
    const op: Op = { type: 'report', shard: '/apps/x', header: b1!.header, certificate: b1!.certificate, next: [b2!] };
    return [parent.tx(c2!, op)];
  };
  fake.before = rival;
  const reporter = reporterOf([fake.url]);
  reporter.start();
  t.teardown(() => reporter.stop());
  await until(async () => fake.outcomes.length === 1, 'the first report');
  t.deepEqual(fake.outcomes, ['ALREADY_REPORTED']);
  t.is(lastOn(parent), 2);
  decide();
  await until(async () => lastOn(parent) === 3, 'the parent to record child block 3');
  t.deepEqual(fake.outcomes, ['ALREADY_REPORTED', 'ok']);
  await reporter.stop();
});

test('a tip another validator reported with roots of its own goes again, this chain’s own, with the block after it: the parent links on', async (t) => {
  // The certificate covers the proposal, not the roots: the parent records the forged block, and
  // block 2, which links to the real one, would be BAD_PREV_HASH there for good.
  const { parent, child, decide, reporterOf } = setup();
  const fake = await fakeParent(parent);
  t.teardown(() => fake.close());
  decide();
  const [b1] = child.blocks;
  const forged = { ...b1!.header, stateRoot: 'ee'.repeat(32) };
  const recorded = parent.block([parent.tx(c2!, { type: 'report', shard: '/apps/x', header: forged, certificate: b1!.certificate })]);
  t.deepEqual(parent.codes(recorded), ['ok']);
  t.is(readShard(parent.ledger.tree, '/apps/x')!.context.last.stateRoot, 'ee'.repeat(32));
  decide();
  const reporter = reporterOf([fake.url]);
  reporter.start();
  t.teardown(() => reporter.stop());
  await until(async () => lastOn(parent) === 2, 'the parent to record child block 2');
  const { last } = readShard(parent.ledger.tree, '/apps/x')!.context;
  t.is(last.height, 2);
  t.is(last.hash, blockHashOfShardHeader(child.blocks[1]!.header), 'this chain’s block 2, linked to its own block 1');
  t.is(readShard(parent.ledger.tree, '/apps/x')!.state, 'reporting');
  t.deepEqual(fake.outcomes, ['ok'], 'one report: block 1 restated, block 2 recorded');
  await reporter.stop();
});

test('a shard the parent holds forked: the equivocations its certificate and the child’s own prove go to consensus once, and no more reports', async (t) => {
  const { parent, child, decide, reporterOf, evidence } = setup();
  const fake = await fakeParent(parent);
  t.teardown(() => fake.close());
  decide();
  decide();
  const [b1, b2] = child.blocks;
  // Another block 2, certified in round 0 by all three validators, reported by c2 after the real one.
  const forged = { ...b2!.header, time: b2!.header.time + 7 };
  const { lastRoot, ...sealed } = forged;
  const { chain, shard, height, prevHash, txRoot, recordsRoot, time, proposer } = sealed;
  const other = proposalHashOf({ chain, shard, height, prevHash, txRoot, recordsRoot, time, proposer, lastRoot });
  parent.block([
    parent.tx(c2!, reportOpOf('/apps/x', b1!, b2!)),
    parent.tx(c3!, reportOpOf('/apps/x', { header: forged, certificate: child.certify(2, other) })),
  ]);
  t.is(readShard(parent.ledger.tree, '/apps/x')!.state, 'forked');
  const reporter = reporterOf([fake.url]);
  reporter.start();
  t.teardown(() => reporter.stop());
  await until(async () => /forked/.test(reporter.status().problem ?? ''), 'the reporter to find the shard forked');
  await until(async () => reporter.status().problem !== null && fake.requests.filter((r) => r === 'GET /v1/shards/apps/x').length >= 2, 'a second look');
  t.deepEqual(evidence.map((e) => e.a.from).sort(), [c1!.address, c2!.address, c3!.address].sort(), 'each validator once, on the first look only');
  t.false(fake.requests.includes('POST /v1/tx'), 'no report to a forked shard');
  await reporter.stop();
});

/** A parent that holds txs for a block, and a reporter with two reports held there: child block 1's, then block 2's, sent before the first landed. */
async function twoInFlight(t: { teardown(fn: () => unknown): void }) {
  const { parent, decide, reporterOf } = setup();
  const fake = await fakeParent(parent);
  t.teardown(() => fake.close());
  fake.held = [];
  decide();
  const reporter = reporterOf([fake.url]);
  reporter.start();
  t.teardown(() => reporter.stop());
  await until(async () => fake.held!.length === 1, 'the report of child block 1');
  decide();
  await until(async () => fake.held!.length === 2, 'the report of child block 2, before the first landed');
  return { parent, fake, reporter };
}

test('a block decided while a report is in flight is reported at once, in a report that links to it: both land in one parent block', async (t) => {
  const { parent, fake, reporter } = await twoInFlight(t);
  t.is(lastOn(parent), 0, 'nothing folded yet');
  fake.flush();
  t.deepEqual(fake.outcomes, ['ok', 'ok']);
  t.is(lastOn(parent), 2);
  await until(async () => reporter.status().reportedHere === 2, 'the reporter to see its last report land');
  await reporter.stop();
});

test('a report in flight that is lost: the one sent after it is REPORT_GAP, and both blocks go again from what the parent holds', async (t) => {
  const { parent, fake, reporter } = await twoInFlight(t);
  // The parent loses the first (a mempool that dropped it): the second does not link.
  fake.held!.shift();
  fake.flush();
  t.deepEqual(fake.outcomes, ['REPORT_GAP']);
  fake.held = null;
  await until(async () => lastOn(parent) === 2, 'child blocks 1 and 2 reported again');
  t.deepEqual(fake.outcomes, ['REPORT_GAP', 'ok']);
  await reporter.stop();
});

test('a validator the parent does not count reports nothing; a report refused for good anyway is tried again after a pause that grows', async (t) => {
  const { parent, decide, reporterOf } = setup();
  const fake = await fakeParent(parent);
  t.teardown(() => fake.close());
  decide();
  const outside = reporterOf([fake.url], c4!);
  outside.start();
  await until(async () => fake.requests.filter((r) => r === 'GET /v1/shards/apps/x').length >= 2, 'two looks at the parent');
  await outside.stop();
  t.false(fake.requests.includes('POST /v1/tx'), 'no report from outside the set');
  // A parent that does not say who its validators are: the refusals back off.
  fake.hideValidators = true;
  const reporter = reporterOf([fake.url], c4!);
  reporter.start();
  t.teardown(() => reporter.stop());
  await until(async () => reporter.status().failures >= 3, 'three refusals in a row');
  t.true(fake.outcomes.length >= 3 && fake.outcomes.every((code) => code === 'NOT_VALIDATOR'), fake.outcomes.join());
  t.regex(reporter.status().problem ?? '', /NOT_VALIDATOR/);
  await reporter.stop();
});
