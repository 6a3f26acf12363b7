import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { devGenesis } from '../../../actors/index.ts';
import type { KeyPair } from '../../../log/index.ts';
import { signAndSubmit } from '../../../runtime/client/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import type { Op } from '../../../schemas/index.ts';
import { startNodeProcess, until, type NodeProcess } from '../node/nodeProcess.ts';

// The architecture paper's console session (§3) with the ain verbs as child processes against a
// real node: registerJob, applyJob/approveNode, stats, requestJob, acceptResult, and ain watch.
// The evaluator's and workers' ops are signed here in the test, so each verb is seen alone (ain up runs them as agents).

const ain = join(process.cwd(), 'bin', 'ain.js');
const schemaText = `syntax = "proto3";
service Worker { rpc CalculateRoot (Request) returns (WorkerReply) {} }
service Evaluator { rpc EvaluateRoot (Request) returns (EvaluationResult) {} }
message Request { float y = 1; }
message WorkerReply { float x = 1; }
message EvaluationResult { repeated string node = 1; }
`;
const parties = ['admin', 'evaluator', 'w1', 'w2', 'client'] as const;
type Party = (typeof parties)[number];

let dir: string;
let node: NodeProcess;
const keys = {} as Record<Party, KeyPair>;
const keyFile = (party: Party) => join(dir, `${party}.key`);
const children = new Set<ChildProcess>();
/** The job the paper's session registers; the tests after it request it again. */
let sessionJob: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `ain …` in a child process (bounded: killed after 60 s); `onLine` sees stdout as it comes. */
function run(args: string[], onLine?: (line: string) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ain, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    children.add(child);
    let stdout = '';
    let stderr = '';
    createInterface({ input: child.stdout! }).on('line', (line) => ((stdout += line + '\n'), onLine?.(line)));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => (children.delete(child), resolve({ code, stdout, stderr })));
  });
}
const verb = (party: Party, ...args: string[]) => run([...args, '--key', keyFile(party), '--node', node.url]);

/** What the agents would do: sign one op and wait for its outcome (throws on a refusal). */
const send = (party: Party, op: Op) => signAndSubmit({ nodeUrl: node.url, key: keys[party], op, waitMs: 20_000 });

/** Until the request reaches `state` (block time passes its deadlines: the node cuts a block for them). */
async function untilState(request: string, state: string): Promise<void> {
  let seen = '';
  await until(async () => (seen = (await node.get(`/v1/jobs/${request}`)).state) === state, `request ${request.slice(0, 8)}… to be ${state} (it is ${seen})`);
}

/** An evaluator and both workers take the request and submit (w1 the better answer). */
async function work(request: string): Promise<void> {
  await send('evaluator', { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
  await Promise.all(
    (['w1', 'w2'] as const).map(async (worker, i) => {
      await send(worker, { type: 'acceptJob', request_id: request, role: 'worker' });
      await send(worker, { type: 'submitResult', request_id: request, result: { x: 2 + i / 10 } });
    }),
  );
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ain-job-verbs-'));
  const data = join(dir, 'node');
  await mkdir(data);
  for (const party of parties) {
    const made = await run(['keys', 'new', '--out', keyFile(party)]);
    if (made.code !== 0) throw new Error(made.stderr);
    keys[party] = await readKeyFile(keyFile(party));
  }
  // The parties hold AIN from genesis: funding them from the node's key would race the node's own
  // cut markers and attestations for that key's nonces.
  await run(['keys', 'new', '--out', join(data, 'node.key')]);
  const genesis = devGenesis((await readKeyFile(join(data, 'node.key'))).address, { chain: 'ain-local' });
  for (const party of parties) genesis.accounts[keys[party].address] = { balance: '1000', stake: '0' };
  await writeFile(join(data, 'genesis.json'), JSON.stringify(genesis));
  node = await startNodeProcess(data, ['--block-interval-ms', '50']);
});

test.after.always(async () => {
  for (const child of children) child.kill('SIGKILL');
  await node?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

test.serial(
  'the paper’s session: registerJob, applyJob/approveNode, stats, requestJob, a worker’s challenge rejected, acceptResult; a waiting requestJob reports the settlement',
  async (t) => {
    t.timeout(150_000);
    await writeFile(join(dir, 'job_schema.proto'), schemaText);
    await writeFile(join(dir, 'test_data.json'), JSON.stringify({ request: { y: 9 }, workers: [{ node: 'close', response: { x: 2.999 } }] }));
    const registered = await verb(
      'admin',
      'registerJob',
      join(dir, 'job_schema.proto'),
      '--fee',
      '1',
      '--challenge-fee',
      '5',
      '--test-data',
      join(dir, 'test_data.json'),
    );
    t.is(registered.code, 0, registered.stderr);
    const job = /Job ID is ([0-9a-f]{64})/.exec(registered.stdout)?.[1];
    t.truthy(job, registered.stdout);
    sessionJob = job!;

    const roles = { evaluator: 'evaluator', w1: 'worker', w2: 'worker' } as const;
    const testResults = { evaluator: '{"node":["close"]}', w1: '{"x":3.001}', w2: '{"x":2.99}' };
    const applied = await Promise.all(
      Object.entries(roles).map(([party, role]) =>
        verb(party as Party, 'applyJob', job!, '--role', role, '--test-result', testResults[party as Party & keyof typeof testResults]),
      ),
    );
    for (const a of applied) t.is(a.code, 0, a.stderr);
    for (const [party, role] of Object.entries(roles)) {
      const approved = await verb('admin', 'approveNode', job!, keys[party as Party].address, '--role', role);
      t.is(approved.code, 0, approved.stderr);
      t.regex(approved.stdout, new RegExp(`Approved ${keys[party as Party].address} as ${role}`));
    }
    const stats = await run(['stats', job!, '--node', node.url]);
    t.is(stats.stdout, '1 evaluator, 2 workers running\n', stats.stderr);
    const statsJson = JSON.parse((await run(['stats', job!, '--node', node.url, '--json'])).stdout);
    t.like(statsJson, { job, stats: '1 evaluator, 2 workers running', dashboard: { evaluators: 1, workers: 2 } });

    const input = JSON.stringify({ job_id: job, job_input: { y: 4 }, reward: [10, 10], time_limit: 5000 });
    // --dry-run: what the request would lock and find; nothing on the ledger changes.
    const before = await node.get(`/v1/accounts/${keys.client.address}`);
    const dry = await verb('client', 'requestJob', input, '--dry-run');
    t.is(dry.code, 0, dry.stderr);
    t.deepEqual(dry.stdout.split('\n').slice(0, 5), [
      'Dry run: nothing was signed or sent.',
      '  input: matches Request (Worker.CalculateRoot)',
      '  locks 21 AIN: reward 10 for the evaluator and 10 for the workers (winnerOnly), fee 1; a challenge would lock 5 more',
      '  balance 1000 AIN, 979 after the request',
      '  eligible now: 1 evaluator (of 1 approved), 2 workers (of 2 approved)',
    ]);
    const dryJson = JSON.parse((await verb('client', 'requestJob', input, '--dry-run', '--json')).stdout);
    t.like(dryJson, { job, client: keys.client.address, locked: '21', balanceAfter: '979', workers: { eligible: 2 }, input: { checked: true } });
    const badInput = await verb(
      'client',
      'requestJob',
      JSON.stringify({ job_id: job, job_input: { y: 'four' }, reward: [10, 10], time_limit: 5000 }),
      '--dry-run',
    );
    t.is(badInput.code, 1);
    t.regex(badInput.stderr, /^error BAD_JOB_REQUEST: The job input does not match Request, the request of Worker\.CalculateRoot: /);
    const tooDear = await verb('client', 'requestJob', JSON.stringify({ job_id: job, job_input: { y: 4 }, reward: [10, 5000], time_limit: 5000 }), '--dry-run');
    t.is(tooDear.code, 1);
    t.regex(tooDear.stdout, /balance 1000 AIN, -4011 after the request/);
    t.regex(tooDear.stderr, /^error INSUFFICIENT_FUNDS: /);
    const after = await node.get(`/v1/accounts/${keys.client.address}`);
    // What a dry run could have changed; the height and when the bandwidth window refills follow the clock.
    const held = (account: typeof before) => ({ ...account, height: 0, bandwidth: { ...account.bandwidth, refillsAt: 0 } });
    t.deepEqual(held(after), held(before), 'the dry runs changed nothing: balance, nonce and bandwidth used as they were');

    // Request 1: --no-wait returns with the id; the test plays the agents; the client accepts with the CLI.
    const requested = await verb('client', 'requestJob', input, '--no-wait');
    t.is(requested.code, 0, requested.stderr);
    const request = /Request ID is ([0-9a-f]{64})/.exec(requested.stdout)?.[1];
    t.truthy(request, requested.stdout);
    await work(request!);
    await untilState(request!, 'ranking');
    await send('evaluator', { type: 'rank', request_id: request!, ranking: [keys.w1.address, keys.w2.address] });
    // A contracted worker disputes the ranking too; the evaluator's parent admin rejects it and takes its fee.
    const disputed = await verb('w2', 'challenge', request!, '--reason', 'my x is closer');
    t.is(disputed.code, 0, disputed.stderr);
    const kept = await verb('admin', 'resolveChallenge', request!, '--reject');
    t.is(kept.code, 0, kept.stderr);
    t.regex(kept.stdout, /is rejected: the ranking stands/);
    t.like(await node.get(`/v1/accounts/${keys.w2.address}`), { balance: '995' });
    const accepted = await verb('client', 'acceptResult', request!);
    t.is(accepted.code, 0, accepted.stderr);
    t.regex(accepted.stdout, /settled in block \d+/);
    t.like(await node.get(`/v1/jobs/${request}`), { state: 'settled', ranking: [keys.w1.address, keys.w2.address] });
    t.like(await node.get(`/v1/accounts/${keys.w1.address}`), { balance: '1010' });

    // A refused outcome: the request is settled, so accepting again is ILLEGAL_TRANSITION.
    const again = await verb('client', 'acceptResult', request!);
    t.is(again.code, 1);
    t.regex(again.stderr, /^error ILLEGAL_TRANSITION: /);

    // Request 2: the CLI waits and reports each state and the settlement while the test plays the rest.
    let second: string | undefined;
    const printed: string[] = [];
    const waiting = run(['requestJob', input, '--key', keyFile('client'), '--node', node.url, '--wait-ms', '90000'], (line) => {
      printed.push(line);
      second ??= /Request ID is ([0-9a-f]{64})/.exec(line)?.[1];
    });
    await until(async () => second !== undefined, 'the waiting requestJob to print its request id', 30_000);
    // Meanwhile `ain watch blocks` sees the blocks this makes, in order. It starts from the next
    // height: a CLI process may come up after the chain has moved on (and gone idle) on a busy machine.
    const next = ((await node.get('/v1/health')).height as number) + 1;
    const watching = run(['watch', 'blocks', '--count', '3', '--from', String(next), '--node', node.url]);
    await work(second!);
    await untilState(second!, 'ranking');
    // The time limit passing makes no job event: the CLI sees it by reading the request, as it happens.
    await until(async () => printed.some((line) => line.startsWith('ranking: ')), 'the waiting requestJob to print the ranking state', 10_000);
    await send('evaluator', { type: 'rank', request_id: second!, ranking: [keys.w1.address, keys.w2.address] });
    await send('client', { type: 'acceptResult', request_id: second! });
    const done = await waiting;
    t.is(done.code, 0, done.stderr);
    const lines = done.stdout.split('\n');
    // Every step, in order, however fast they came: the CLI follows the request's stream from its block.
    const steps = lines.filter((l) => /^[a-z]+:? /.test(l)).map((l) => l.split(/:? /)[0]);
    t.deepEqual(steps, ['accepted', 'running', 'ranking', 'ranked', 'settled'], done.stdout);
    t.true(lines.includes(`ranked: ${keys.w1.address}, ${keys.w2.address} (best first, by evaluator ${keys.evaluator.address})`), done.stdout);
    t.is(lines.filter((l) => /^ {2}worker 0x[0-9a-f]{40} (accepted|submitted a result)$/.test(l)).length, 3, 'the second worker’s accept and both results');
    t.true(lines.includes(`Result (best, from ${keys.w1.address}): {"x":2}`), done.stdout);
    // The paper's line: reward [10, 10] with winnerOnly pays the evaluator 10 and the best worker 10.
    t.true(
      lines.includes(
        `Total 2 workers participated. Evaluator ${keys.evaluator.address} received 10, worker ${keys.w1.address} received 10, admin ${keys.admin.address} received 1 (fee), evaluator ${keys.evaluator.address} received 20 (deposit back).`,
      ),
      done.stdout,
    );

    const watched = await watching;
    t.is(watched.code, 0, watched.stderr);
    const ids = watched.stdout
      .trim()
      .split('\n')
      .map((line) => {
        t.regex(line, /^\d+ block \{.*"height":\d+/);
        return Number(line.split(' ')[0]);
      });
    t.deepEqual(ids, [next, next + 1, next + 2]);
  },
);

test.serial(
  'asking before paying: --min-rating, --prefer and --avoid make the allow-list from reputation; --retry requests again after each refund',
  async (t) => {
    t.timeout(90_000);
    const input = (timeLimitMs: number) => JSON.stringify({ job_id: sessionJob, job_input: { y: 4 }, reward: [10, 10], time_limit: timeLimitMs });
    // The session ranked w1 above w2 twice: w1 rates above 1500, w2 below.
    const { nodes } = await node.get(`/v1/jobs/${sessionJob}/reputation`);
    t.true(nodes[keys.w1.address].rating > 1500 && nodes[keys.w2.address].rating < 1500, JSON.stringify(nodes));
    const dry = await verb('client', 'requestJob', input(5000), '--dry-run', '--min-rating', '1500');
    t.is(dry.code, 0, dry.stderr);
    const lines = dry.stdout.split('\n');
    t.is(lines[0], `Workers allowed (worker_node, 1): ${keys.w1.address}`);
    t.regex(lines[1]!, new RegExp(`^  left out: ${keys.w2.address}, rated \\d+(\\.\\d+)? \\(2 games\\), below 1500$`));
    t.is(lines[2], 'Dry run: nothing was signed or sent.');
    const empty = await verb('client', 'requestJob', input(5000), '--dry-run', '--min-rating', '1500', '--avoid', keys.w1.address);
    t.is(empty.code, 1);
    t.regex(empty.stderr, /^error NO_ELIGIBLE_WORKERS: No worker of job [0-9a-f]{64} passes --min-rating, --prefer and --avoid/);

    // Nobody evaluates in this test: each attempt is refunded (noEvaluator) once its time limit passes.
    const balance = (await node.get(`/v1/accounts/${keys.client.address}`)).balance;
    const retried = await verb('client', 'requestJob', input(300), '--retry', '1', '--prefer', keys.w2.address);
    t.is(retried.code, 1, retried.stderr);
    const out = retried.stdout.split('\n');
    t.is(out[0], `Workers allowed (worker_node, 2): ${keys.w2.address}, ${keys.w1.address}`);
    t.true(out.includes('Attempt 1 of 2:') && out.includes('Attempt 2 of 2:'), retried.stdout);
    const refunds = out.filter((l) => /^Attempt \d \(request [0-9a-f]{64}\) was refunded \(noEvaluator\): It was refunded to the client/.test(l));
    t.is(refunds.length, 2, retried.stdout);
    t.is(out.filter((l) => l !== '').at(-1), 'Every attempt was refunded (2 of 2); not requesting again.');
    const ids = refunds.map((l) => /request ([0-9a-f]{64})/.exec(l)![1]!);
    for (const id of ids) t.like(await node.get(`/v1/jobs/${id}`), { state: 'refunded', workersAllowed: [keys.w2.address, keys.w1.address] });
    t.is((await node.get(`/v1/accounts/${keys.client.address}`)).balance, balance, 'refunds give everything back');
    // A request that locks all but 1 AIN leaves less than its challenge fee of 5: ain watch warns.
    const all = JSON.stringify({ job_id: sessionJob, job_input: { y: 4 }, reward: [String(BigInt(balance) - 3n), '1'], time_limit: 30_000 });
    t.is((await verb('client', 'requestJob', all, '--no-wait')).code, 0);
    const watched = await run(['watch', `accounts/${keys.client.address}`, '--count', '1', '--node', node.url]);
    t.is(watched.code, 0, watched.stderr);
    t.regex(
      watched.stderr,
      new RegExp(`^ain watch: warning: ${keys.client.address} holds 1 AIN, less than the 5 AIN of challenge fees its 1 open request\\(s\\) may still lock`),
    );
    const over = await verb('client', 'requestJob', input(300), '--retry', '1', '--budget', '20');
    t.is(over.code, 1);
    t.regex(over.stderr, /^error BUDGET_EXHAUSTED: The request locks 21 AIN, more than the --budget of 20 AIN/);
  },
);

test.serial('ain watch jobs --from 1 --json is the blocks’ jobEvents; ain watch blocks --from 1 replays from the start', async (t) => {
  t.timeout(60_000);
  const height = (await node.get('/v1/health')).height as number;
  const expected = [];
  for (let h = 1; h <= height; h++) {
    const block = await node.get(`/v1/blocks/${h}`);
    if (block.jobEvents.length > 0) expected.push({ id: h, event: 'jobs', data: { height: h, events: block.jobEvents } });
  }
  t.true(expected.length >= 10, 'the session made job events');
  const watched = await run(['watch', 'jobs', '--from', '1', '--count', String(expected.length), '--json', '--node', node.url]);
  t.is(watched.code, 0, watched.stderr);
  t.deepEqual(
    watched.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
    expected,
  );

  const blocks = await run(['watch', 'blocks', '--from', '1', '--count', '3', '--node', node.url]);
  t.deepEqual(
    blocks.stdout
      .trim()
      .split('\n')
      .map((line) => Number(line.split(' ')[0])),
    [1, 2, 3],
  );
});

test.serial('ain watch ends cleanly on SIGTERM', async (t) => {
  t.timeout(30_000);
  let child: ChildProcess | undefined;
  let first = false;
  const watching = run(['watch', `accounts/${keys.w1.address}`, '--node', node.url], () => (first = true));
  await until(async () => first, 'the account stream to print its value', 20_000);
  for (const c of children) if (c.spawnargs.includes('watch')) child = c;
  child!.kill('SIGTERM');
  const { code, stdout } = await watching;
  t.is(code, 0);
  t.regex(stdout, new RegExp(`"address":"${keys.w1.address}"`));
});

test.serial(
  'mistakes: a bad requestJob argument, an unknown stream, a proto too long to inline, bad test data, rejecting or challenging blind an unknown request, a verdict without one',
  async (t) => {
    t.timeout(60_000);
    await writeFile(join(dir, 'job_schema.proto'), schemaText);
    await writeFile(join(dir, 'bad_test_data.json'), JSON.stringify({ request: { y: 9 }, answer: 3 }));
    const [badSchema, badJson, unknownStream, tooLong, badTestData, unknownRequest, blindUnknown, verdictless] = await Promise.all([
      verb('client', 'requestJob', '{"job_id":"zz","job_input":{},"reward":["10"],"time_limit":1000}'),
      verb('client', 'requestJob', '{job_id: 0xabcde}'),
      run(['watch', 'nosuch', '--node', node.url]),
      writeFile(join(dir, 'big.proto'), 'x'.repeat(3073)).then(() => verb('admin', 'registerJob', join(dir, 'big.proto'))),
      verb('admin', 'registerJob', join(dir, 'job_schema.proto'), '--test-data', join(dir, 'bad_test_data.json')),
      verb('client', 'rejectWorker', 'f'.repeat(64), keys.w1.address, '--reason', 'its reputation'),
      verb('client', 'blindChallenge', 'f'.repeat(64), '--reward', '9'),
      verb('admin', 'blindVerdict', 'f'.repeat(64)),
    ]);
    t.is(blindUnknown.code, 1);
    t.regex(blindUnknown.stderr, /^error UNKNOWN_JOB: /);
    t.is(verdictless.code, 2);
    t.regex(verdictless.stderr, /blindVerdict needs exactly one of --uphold or --reject/);
    t.is(unknownRequest.code, 1);
    t.regex(unknownRequest.stderr, /^error UNKNOWN_JOB: /);
    t.is(badTestData.code, 1);
    t.regex(badTestData.stderr, /^error BAD_SCHEMA: registerJob field "test_data".*answer/);
    t.is(badSchema.code, 1);
    t.regex(badSchema.stderr, /^error BAD_SCHEMA: requestJob field "job_id"/);
    t.is(badJson.code, 1);
    t.regex(badJson.stderr, /^error BAD_JSON: /);
    t.is(unknownStream.code, 1);
    t.regex(unknownStream.stderr, /^error NOT_FOUND: There is no stream "nosuch"/);
    t.is(tooLong.code, 2);
    t.regex(tooLong.stderr, /3073 characters.*at most 3072.*ain blob put/);
  },
);
