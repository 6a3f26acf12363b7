import test from 'ava';
import { Subject } from 'rxjs';
import type { KeyPair } from '../../../log/index.ts';
import type { BlockView } from '../../../runtime/blocks/index.ts';
import { createStreamHub, type StreamBlock, type FramedEvent } from '../../../runtime/streams/index.ts';
import { streamEventData, type JobEventType, type Op, type ReportedBlock, type ShardEventType, type StreamEventName } from '../../../schemas/index.ts';
import type { AppliedBlock } from '../../actors/ledger/chain.ts';
import { admin, client, evaluator, newChain, one, schemaText, stranger, w1, w2, w3 } from '../../actors/job/jobWorld.ts';
import { key } from '../../actors/ledger/chain.ts';
import { ChildChain } from '../../actors/shard/childChain.ts';

const shardValidator = key(77);
const shardRules = { blockIntervalMs: 1000, reportPeriodMs: 5000, timeouts: { proposeMs: 100, prevoteMs: 100, precommitMs: 100, roundDeltaMs: 10 } };

// The stream payloads are a wire format (schemas/streams): every event a hub serves over a real
// chain — the job protocol end to end, refunds, a challenge, a drop, a trigger, finality, value
// streams — parses, as the bytes of its frame, with the schema of its kind.

function viewOf(block: AppliedBlock): BlockView {
  const { header, hash, outcomes, finalized, jobEvents, triggers } = block;
  // The hub reads only the number of txs; their hashes are not part of any stream's event.
  return {
    hash,
    header,
    txs: outcomes.map((outcome, i) => ({ offset: header.firstOffset + i, hash: '0'.repeat(64), outcome })),
    finalized,
    jobEvents,
    triggers,
  };
}

/** The data of an event as a client reads it: the JSON of its SSE frame. */
function wireData(event: FramedEvent): unknown {
  const frame = event.frame.toString('utf8');
  const line = frame.split('\n').find((l) => l.startsWith('data: '))!;
  return JSON.parse(line.slice('data: '.length)) as unknown;
}

/** A chain and a hub fed each block as it is applied, like a node's follower feeds its hub. */
function world() {
  const chain = newChain({ rankWindowMs: 2000, resolveWindowMs: 30_000 });
  const blocks$ = new Subject<StreamBlock>();
  const hub = createStreamHub({ blocks$, tree: chain.ledger.tree });
  let fed = 0;
  const feed = () => {
    for (; fed < chain.blocks.length; fed++)
      blocks$.next({
        view: viewOf(chain.blocks[fed]!),
        readModels: chain.blocks[fed]!.readModels,
        consensus: chain.blocks[fed]!.consensus,
        shardEvents: chain.blocks[fed]!.shardEvents,
      });
  };
  const step = (from: KeyPair, op: Op, time?: number) => {
    const done = one(chain, from, op, time);
    feed();
    if (done.code !== 'ok') throw new Error(`${op.type}: ${done.code}`);
    return done.id;
  };
  const pass = (ms: number) => {
    chain.block([], chain.time + ms);
    feed();
  };
  return { chain, hub, step, pass, feed };
}

function runSession({ chain, step, pass, feed }: ReturnType<typeof world>): { job: string; request: string } {
  const job = step(admin, { type: 'registerJob', job_specification: schemaText, fee: '3', challenge_fee: '5' });
  for (const [who, role] of [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker'],
    [w3, 'worker'],
  ] as const) {
    step(who, { type: 'applyJob', job_id: job, role, test_result: { x: 2 } });
    step(admin, { type: 'approveNode', job_id: job, node: who.address, role });
  }
  // Settled: requested, accepted, submitted, a worker rejected, ranked, accepted.
  const request = step(client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000 });
  step(evaluator, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
  for (const w of [w1, w2, w3]) step(w, { type: 'acceptJob', request_id: request, role: 'worker' });
  step(client, { type: 'rejectWorker', request_id: request, worker: w3.address, reason: 'its reputation' });
  for (const w of [w1, w2]) step(w, { type: 'submitResult', request_id: request, result: { x: 2 } });
  pass(60_000);
  step(evaluator, { type: 'rank', request_id: request, ranking: [w2.address, w1.address] });
  step(client, { type: 'acceptResult', request_id: request });
  // Challenged, the challenge upheld: refunded.
  const challenged = step(client, { type: 'requestJob', job_id: job, job_input: { y: 9 }, reward: ['0', '10'], time_limit: 5000 });
  step(evaluator, { type: 'acceptJob', request_id: challenged, role: 'evaluator', deposit: '20' });
  step(w1, { type: 'acceptJob', request_id: challenged, role: 'worker' });
  step(w1, { type: 'submitResult', request_id: challenged, result: { x: 3 } });
  pass(5000);
  step(evaluator, { type: 'rank', request_id: challenged, ranking: [w1.address] });
  step(client, { type: 'challenge', request_id: challenged, reason: '3 * 3 is not 9' });
  step(admin, { type: 'resolveChallenge', request_id: challenged, uphold: true });
  // Nobody accepts in time: refunded by a deadline, in a block of no txs.
  step(client, { type: 'requestJob', job_id: job, job_input: { y: 1 }, reward: ['0', '1'], time_limit: 1000 });
  pass(2000);
  step(admin, { type: 'drop', job_id: job, node: w3.address, reason: 'rejected by a client' });
  // A function on a path, and a write that fires it.
  step(admin, { type: 'set_rule', path: '/apps/echo', value: { write: true } });
  step(admin, {
    type: 'set_function',
    path: '/apps/echo/$id',
    value: { reply: { runtime: 'nodejs', code: `blob://sha256:${'c'.repeat(64)}`, owner: admin.address } },
  });
  step(stranger, { type: 'set_value', path: '/apps/echo/r1', value: { text: 'hello' } });
  step(stranger, { type: 'send', to: client.address, amount: '7' });
  // A shard: branched, reported, stalled, forked (its validator signed two blocks 1), closed.
  const branch = chain.tx(admin, { type: 'branch', path: '/apps/sh', validators: [{ address: shardValidator.address, stake: '1' }], rules: shardRules });
  chain.block([branch]);
  feed();
  const [honest, fork] = [new ChildChain(branch, [shardValidator]), new ChildChain(branch, [shardValidator])];
  const report = (b: ReportedBlock): Op => ({ type: 'report', shard: '/apps/sh', header: b.header, certificate: b.certificate });
  step(shardValidator, report(honest.next()));
  pass(shardRules.reportPeriodMs);
  step(shardValidator, report(fork.next([], fork.time + 1001)));
  step(admin, { type: 'closeShard', shard: '/apps/sh' });
  // The only validator attests the latest block: it is final in the next.
  const last = chain.blocks.at(-1)!;
  step(admin, { type: 'attest', height: last.header.height, hash: last.hash, genesis: chain.ledger.genesisHash });
  feed();
  return { job, request };
}

function check(t: import('ava').ExecutionContext, events: FramedEvent[]): Set<string> {
  const kinds = new Set<string>();
  for (const event of events) {
    kinds.add(event.event);
    const schema = streamEventData[event.event as StreamEventName];
    if (schema === undefined) {
      t.fail(`an event of unknown kind ${event.event}`);
      continue;
    }
    const parsed = schema.safeParse(wireData(event));
    if (!parsed.success) t.fail(`${event.event} event ${event.id}: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
  }
  return kinds;
}

test('every event a hub serves for a chain parses with the schema of its kind', (t) => {
  const w = world();
  const { hub, chain } = w;
  const live: FramedEvent[] = [];
  // Value streams start with the value now, so they are open before the first block.
  const values = [
    `accounts/${client.address}`,
    `accounts/${w1.address}`,
    `accounts/${stranger.address}`,
    'state/apps/echo',
    'state/',
    `state/accounts/${admin.address}`,
  ];
  for (const name of [
    ...values,
    'blocks',
    'finality',
    'jobs',
    'nodes',
    'shards',
    'reputation',
    `reputation/${w1.address}`,
    'dashboard',
    'triggers',
    'consensus',
  ]) {
    hub.open(name).subscribe((e) => live.push(e));
  }
  const { job, request } = runSession(w);
  // Event streams replayed from the first block: what a reader resuming with ?from=1 gets.
  const replayed: FramedEvent[] = [];
  for (const name of [
    'blocks',
    'finality',
    'jobs',
    `jobs/${job}`,
    `jobs/${request}`,
    'nodes',
    'shards',
    'shards/apps/sh',
    'reputation',
    `reputation/${w2.address}`,
    'dashboard',
    'triggers',
    'consensus',
  ]) {
    hub.open(name, 1).subscribe((e) => replayed.push(e));
  }
  // A request's stream: its job events replayed, then what its workers report while it runs (live only).
  const ofRequest: FramedEvent[] = [];
  hub.open(`requests/${request}`, 1).subscribe((e) => ofRequest.push(e));
  hub.progress(request, w1.address, { type: 'progress', fraction: 0.5, message: 'half way' });
  hub.progress(request, w1.address, { type: 'log', stream: 'stderr', line: 'step 1' });
  hub.progress('f'.repeat(64), w1.address, { type: 'progress', fraction: 1 }); // another request's: not on this stream
  t.deepEqual(
    ofRequest.map((e) => e.event),
    [...chain.blocks.filter((b) => b.jobEvents.some((e) => 'request' in e && e.request === request)).map(() => 'jobs'), 'progress', 'progress'],
  );
  replayed.push(...ofRequest);
  const kinds = check(t, [...live, ...replayed]);
  t.deepEqual(
    [...kinds].sort(),
    Object.keys(streamEventData)
      .filter((k) => k !== 'error')
      .sort(),
    'every kind of event was served',
  );

  const jobEvents = new Set<JobEventType>(chain.blocks.flatMap((b) => b.jobEvents.map((e) => e.type)));
  const all: JobEventType[] = [
    'jobRegistered',
    'nodeApplied',
    'nodeApproved',
    'nodeDropped',
    'requested',
    'accepted',
    'submitted',
    'workerRejected',
    'ranked',
    'challenged',
    'challengeResolved',
    'settled',
    'refunded',
  ];
  t.deepEqual(
    all.filter((type) => !jobEvents.has(type)),
    [],
    'the session produced every kind of job event',
  );
  const shardEvents = new Set<ShardEventType>(chain.blocks.flatMap((b) => b.shardEvents.map((e) => e.type)));
  t.deepEqual([...shardEvents].sort(), ['branched', 'ended', 'forked', 'reported', 'stalled'], 'the session produced every kind of shard event');
  t.true(chain.blocks.at(-1)!.finalized.height > 0, 'a block became final');
});

test('a malformed event fails its schema with the field at fault', (t) => {
  const w = world();
  const events: FramedEvent[] = [];
  w.hub.open('jobs').subscribe((e) => events.push(e));
  w.step(admin, { type: 'registerJob', job_specification: schemaText });
  const data = wireData(events[0]!) as { events: { admin: string }[] };
  data.events[0]!.admin = 'alice';
  const parsed = streamEventData.jobs.safeParse(data);
  t.false(parsed.success);
  t.deepEqual(parsed.error?.issues[0]?.path, ['events', 0, 'admin']);
  t.false(streamEventData.jobs.safeParse({ ...(wireData(events[0]!) as object), extra: 1 }).success, 'an unknown field is refused');
});
