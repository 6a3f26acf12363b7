import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { participantsIn, sampleResultLine, sampleWorkers } from '../agents/sampleResult.ts';

// `ain up` as a person sees it on a terminal (a pseudo-terminal from util-linux's `script`), and
// as a pipe sees it. The sample's programs run as processes so the test needs no Docker engine.
const ain = join(process.cwd(), 'bin', 'ain.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Longer than the session's own bounds (an agent waits 60 s for a request to move), so a session
// that stalls fails with its own words (and the node's warnings on stderr), not this kill.
const runTimeoutMs = 150_000;

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: runTimeoutMs, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end();
  });
}

const onTerminal = (args: string[]) => ['-qfec', `stty cols 120 rows 60; exec node ${[ain, ...args].map((a) => `'${a}'`).join(' ')}`, '/dev/null'];

/**
 * `ain …` with stdout and stderr on a 120×60 pseudo-terminal; what it drew comes back as stdout.
 * (The session's steps and details take about 45 rows; a frame taller than the terminal cannot be
 * redrawn in place, and listr2 then shows the steps without their details.)
 */
function runOnTerminal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return run('script', onTerminal(args), { ...process.env, TERM: 'xterm-256color', ...env });
}

const ansi = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** The last frame listr2 drew (it redraws from the cursor's column 0, `ESC [ G`), then what came after, as text. */
const lastFrame = (drawn: string) => drawn.slice(drawn.lastIndexOf('\x1b[G')).replace(ansi, '').replace(/\r/g, '');

const stepTitles = [
  'Start the nodes',
  "A client's first txs",
  'Choose where the programs run',
  'Fund the agents',
  'registerJob',
  'Approve the applicants',
  'Warm the programs',
  'requestJob',
  'Workers run, the evaluator ranks',
  'acceptResult',
  'Settle',
];

let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ain-up-'));
});
test.after.always(() => rm(dir, { recursive: true, force: true }));

// One node and a small sample: its session goes through the same steps with the same details as a
// network's at the paper's scale (the network on a terminal is the Ctrl-C test's, and its lines
// and scale the pipe test's), at a fraction of the CPU.
test('ain up --once on a terminal draws the session as steps, each ticked with its details, then the result lines', async (t) => {
  t.timeout(runTimeoutMs + 10_000);
  const up = await runOnTerminal([
    'up',
    '--once',
    '--nodes',
    '1',
    '--evaluators',
    '1',
    '--workers',
    '3',
    '--port',
    '0',
    '--runtime',
    'process',
    // Beside this file's other sessions and CI's other files, the workers' runs and txs can take
    // several times what the session measured before the request (refunded for want of a result
    // at 4 and 5 s limits): this test is about what a terminal shows, not about meeting 3 s.
    '--time-limit',
    '15000',
    '--data',
    join(dir, 'tty'),
  ]);
  t.is(up.code, 0, up.stdout);
  t.true(up.stdout.includes('\x1b['), 'a terminal gets the steps drawn in place');
  const frame = lastFrame(up.stdout);
  const ticked = stepTitles.map((title) => frame.indexOf(`✔ ${title}\n`));
  t.true(
    ticked.every((at) => at >= 0),
    `every step is ticked:\n${frame}`,
  );
  t.deepEqual(
    [...ticked].sort((a, b) => a - b),
    ticked,
    'the steps are drawn in order',
  );
  t.notRegex(frame, /✖/);
  // Details under their steps.
  t.regex(frame, /✔ A client's first txs\n(  › .*\n)*  › POST \/v1\/txs  100 inc_value → 100 accepted/);
  t.regex(frame, /✔ registerJob\n  › registerJob: Registration complete\. Job ID is/);
  t.regex(frame, /✔ Approve the applicants\n(  › .*\n)*  › stats: 1 evaluator, 3 workers running\n/);
  // The paper's result lines, after the steps.
  const results = frame.slice(frame.indexOf('✔ Settle'));
  t.regex(results, /\n {2}X: (2|1\.9\d*|2\.0\d*)\n/); // 2 exactly when the GPU worker's float32 kernel wins
  // Every worker whose result met the time limit, and the payouts that count makes (sampleResult.ts).
  const participants = participantsIn(results) ?? 0;
  t.true(participants >= 1 && participants <= 3, results);
  t.regex(results, sampleResultLine(participants));
  t.regex(results, /settled; replay and check it all with: ain audit --data .*\nain up: done\./);
});

test('ain up on a terminal marks the step that failed with a cross and prints the error', async (t) => {
  const up = await runOnTerminal(['up', '--once', '--nodes', '1', '--port', '0', '--runtime', 'docker', '--data', join(dir, 'tty-fails')], {
    DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}`,
  });
  t.is(up.code, 1);
  const frame = lastFrame(up.stdout);
  t.regex(frame, /✔ A client's first txs\n/);
  t.regex(frame, /✖ Choose where the programs run\n {2}› No Docker engine answers/);
  t.notRegex(frame, /✔ Fund the agents/);
  t.regex(frame, /error RUNTIME_UNAVAILABLE: No Docker engine answers/);
});

test('ain up with a port of its network taken by another process says which, with PORT_IN_USE, before it writes or starts anything', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const taken = (blocker.address() as AddressInfo).port;
  // The blocker is n2's API port: the network's ports start one below it.
  const data = join(dir, 'port-taken');
  const up = await run('node', [ain, 'up', '--once', '--port', String(taken - 1), '--runtime', 'process', '--data', data]);
  t.is(up.code, 1, up.stderr);
  // (Another test's port may be in the range too: then it is named beside.)
  t.regex(
    up.stderr,
    new RegExp(
      `error PORT_IN_USE: Another process listens on ports? [^;]*\\b${taken} \\(n2's API\\)[^;]* on 127\\.0\\.0\\.1; stop it, or give ain up --port P`,
    ),
  );
  t.deepEqual(await readdir(data).catch(() => []), [], 'nothing written');
});

test('Ctrl-C on a terminal marks the running step interrupted, shows the cursor again and ends by the signal', async (t) => {
  const child = spawn('script', onTerminal(['up', '--once', '--port', '0', '--runtime', 'process', '--data', join(dir, 'tty-ctrl-c')]), {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, TERM: 'xterm-256color' },
  });
  let drawn = '';
  let typed = false;
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  child.stdout!.on('data', (chunk: Buffer) => {
    drawn += chunk.toString();
    // Ctrl-C typed at the terminal once the sample session is under way.
    if (!typed && drawn.includes('✔\x1b[39m Choose where the programs run')) {
      typed = true;
      child.stdin!.end('\x03');
    }
  });
  const code = await exited;
  clearTimeout(killer);
  t.is(code, 130, 'the command ends as SIGINT ends it');
  const frame = lastFrame(drawn);
  t.regex(frame, /✔ Choose where the programs run\n/);
  t.regex(frame, /✖ [^\n]+\n {2}› interrupted\n/);
  t.true(drawn.includes('\x1b[?25h'), 'the cursor is shown again');
});

/**
 * `ain up` (no --once) into a pipe, until the network is said to keep running: then `whileUp`
 * with its output so far and the nodes' URLs, then SIGINT as Ctrl-C sends it; what it printed.
 */
async function runUntilUp(args: string[], whileUp: (stdout: string, urls: string[]) => Promise<void>): Promise<Run> {
  const child = spawn('node', [ain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let [stdout, stderr] = ['', ''];
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : 128))));
  // The same ceiling as run()'s: a session that hangs is killed, and fails with what it printed.
  const killer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
  const up = await new Promise<string[] | undefined>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const urls = /^ain up: the network keeps running; submit txs to any node \(([^)]*)\)/m.exec(stdout)?.[1];
      if (urls !== undefined) resolve(urls.split(', '));
    });
    void exited.then(() => resolve(undefined));
  });
  try {
    if (up !== undefined) await whileUp(stdout, up);
  } finally {
    child.kill('SIGINT');
    const code = await exited;
    clearTimeout(killer);
    if (up === undefined) stderr += `\n(ain up ended with ${code} before the network was up)`;
  }
  return { code: await exited, stdout, stderr };
}

test('ain up into a pipe prints plain lines: the four validators, the demo across them, the sample; every worker’s run log reads from the client’s node', async (t) => {
  t.timeout(runTimeoutMs + 30_000);
  let logs: { request: string; logs: { worker: string; status: string; ref: string | null; lines: unknown[] }[] } | undefined;
  const data = join(dir, 'pipe');
  // A longer time limit than the sample's 3 s for the tty test's reason (above).
  const up = await runUntilUp(['up', '--port', '0', '--runtime', 'process', '--time-limit', '10000', '--data', data], async (_, urls) => {
    // The workers kept their logs on the nodes they use (spread over all four); the client reads
    // each from the node it talks to (n2), which asks its peers for those it does not store.
    const requests = (await (await fetch(`${urls[1]}/v1/requests`)).json()) as { requests: { id: string }[] };
    const logsRun = await run('node', [ain, 'logs', requests.requests[0]!.id, '--node', urls[1]!, '--key', join(data, 'agents', 'client.key'), '--json']);
    t.is(logsRun.code, 0, logsRun.stderr);
    logs = JSON.parse(logsRun.stdout) as typeof logs;
  });
  t.is(up.code, 0, `Ctrl-C stops the network and ain up in order:\n${up.stdout}\n${up.stderr}`);
  t.truthy(logs, up.stderr);
  // The four share this machine's cores: each checks txs on its own thread (AIN_VERIFY_THREADS=none
  // unless this process has that variable, which ain up passes on).
  for (const n of process.env.AIN_VERIFY_THREADS === undefined ? ['n1', 'n2', 'n3', 'n4'] : []) {
    const started = (await readFile(join(data, n, 'node.log'), 'utf8')).split('\n').filter((line) => line.includes('"msg":"node started"'));
    t.true(started.length > 0, `${n} started`);
    for (const line of started) t.is((JSON.parse(line) as { verifyThreads?: unknown }).verifyThreads, 'none', `${n}: ${line.slice(0, 300)}`);
  }
  // One log entry per worker that accepted: all 12 as a rule, fewer on a machine loaded enough
  // that some saw the request only after its time limit.
  t.true(logs!.logs.length >= 1 && logs!.logs.length <= sampleWorkers, `${logs!.logs.length} logs`);
  // Every worker that submitted (a result, or its run's failure) named its log, and the client read
  // it from n2; one still running when the request settled (it missed the time limit) has none yet.
  const submitted = logs!.logs.filter((log) => log.status !== 'running');
  for (const log of submitted) t.true(log.ref !== null && log.lines.length >= 2, `${log.worker}'s run log: ${JSON.stringify(log).slice(0, 300)}`);
  t.notRegex(up.stdout, /\x1b|✔|›/, up.stdout);
  // Every worker whose result met the time limit, and the payouts that count makes (sampleResult.ts).
  const participants = participantsIn(up.stdout) ?? 0;
  t.true(participants >= 1 && participants <= sampleWorkers, up.stdout);
  t.true(submitted.length >= participants, `${submitted.length} logs for ${participants} participants`);
  const expected = [
    /^ain up: 4 validators agreeing over libp2p \(CometBFT's algorithm\), each its own process and log \(data in .*\)$/,
    /^ {2}n1 at http:\/\/127\.0\.0\.1:\d+, n2 at http:\/\/127\.0\.0\.1:\d+, n3 at http:\/\/127\.0\.0\.1:\d+, n4 at http:\/\/127\.0\.0\.1:\d+; the client talks to n2, the agents spread over all$/,
    /^ {2}the dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(every node serves one at \/; ain ui prints or opens it\)$/,
    /^ {2}the genesis owner via n1 set a rule on \/apps\/demo\/\$user and sent 1000 AIN to the client 0x[0-9a-f]{8}…$/,
    /^ {2}POST \/v1\/tx {3}set_value \/apps\/demo\/…\/hello → accepted, hash [0-9a-f]{16}…$/,
    /^ {2}POST \/v1\/txs {2}100 inc_value → 100 accepted, durable before the answer$/,
    /^ {2}POST \/v1\/tx {3}a tx changed after signing → refused: BAD_SIGNATURE$/,
    /^ {2}block \d+: \d+ txs, proposed by n[1-4], txRoot [0-9a-f]{16}…, stateRoot [0-9a-f]{16}…$/,
    /^ {2}outcomes: hello ok; a write to another's path RULE_DENIED$/,
    /^ {2}block \d+ is final \(at least 3 of 4 validators precommitted it, and every node holds their certificate\); counter = 4950$/,
    /^The papers' sample job, Calculate Root \(examples\/root\): its programs run as processes \(--runtime process\)$/,
    /^ {2}funded an admin, 3 evaluators, 12 workers and a client \(1000 AIN each\)$/,
    /^ {2}registerJob: Registration complete\. Job ID is [0-9a-f]{64}$/,
    /^ {2}stats: 3 evaluators, 12 workers running$/,
    /^ {2}the worker and evaluator programs run on the process runtime$/,
    /^ {2}requestJob \{"job_id":"[0-9a-f]{10}…","job_input":\{"y":4\},"reward":\["10","10"\],"reward_function":"winnerOnly","time_limit":\d+000\}$/,
    /^ {4}client: requesting$/,
    /^ {4}client: waiting$/,
    /^ {4}client: accepting$/,
    /^ {4}client: settling$/,
    /^ {2}X: (2|1\.9\d*|2\.0\d*)$/,
    sampleResultLine(participants),
    /^ {2}request [0-9a-f]{16}… settled; replay and check it all with: ain audit --data .*n1$/,
    /^ain up: the network keeps running; submit txs to any node \(http:\/\/127\.0\.0\.1:\d+(, http:\/\/127\.0\.0\.1:\d+){3}\)\. Ctrl-C stops it\.$/,
  ];
  // Each of these lines, in this order; a line the session adds later (a block cut while --once
  // stops the node, a new detail) may come between them, as a plain indented line.
  const lines = up.stdout.trimEnd().split('\n');
  let next = 0;
  for (const line of lines) {
    if (next < expected.length && expected[next]!.test(line)) next++;
    else t.regex(line, /^ {2,4}\S/, `an extra line is a plain detail line: ${line}\n(the next line wanted: ${expected[next]})\n${up.stdout}`);
  }
  t.is(next, expected.length, `no line matched ${expected[next]}:\n${up.stdout}`);
});
