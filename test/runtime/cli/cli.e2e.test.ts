import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { checkTx } from '../../../log/index.ts';
import { nodeProcessFlags } from '../../../runtime/config/index.ts';
import { samplePayouts } from '../agents/sampleResult.ts';

const ain = join(process.cwd(), 'bin', 'ain.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
/** `ain …` (bounded: killed after `timeoutMs`), in `env` when given. */
function run(args: string[], input?: string, timeoutMs = 60_000, env?: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('node', [ain, ...args], { timeout: timeoutMs, ...(env === undefined ? {} : { env }) }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(input ?? '');
  });
}

/** `ain up` runs a whole sample session beside this file's other tests: bounded as upCommand.e2e bounds it. */
const upTimeoutMs = 150_000;

let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ain-cli-'));
});
test.after.always(() => rm(dir, { recursive: true, force: true }));

test('ain keys new --out writes a 0600 key file; without --out it prints the key', async (t) => {
  const out = join(dir, 'k1.key');
  const made = await run(['keys', 'new', '--out', out]);
  t.is(made.code, 0, made.stderr);
  t.regex(made.stdout, /0x[0-9a-f]{40}/);
  t.is((await stat(out)).mode & 0o777, 0o600);
  const printed = JSON.parse((await run(['keys', 'new'])).stdout);
  t.regex(printed.privateKey, /^[0-9a-f]{64}$/);
});

test('ain tx sign prints an envelope that verifies; bad ops and unsafe keys get their codes', async (t) => {
  const key = join(dir, 'k2.key');
  await run(['keys', 'new', '--out', key]);
  const signed = await run([
    'tx',
    'sign',
    '--key',
    key,
    '--op',
    '{"type":"send","to":"0x00000000000000000000000000000000000000a1","amount":"5"}',
    '--nonce',
    '9',
  ]);
  t.is(signed.code, 0, signed.stderr);
  const tx = JSON.parse(signed.stdout);
  t.is(tx.nonce, 9);
  t.notThrows(() => checkTx(tx, { chain: 'ain-local' }));
  const fromStdin = await run(['tx', 'sign', '--key', key], '{"type":"stake","amount":"1"}');
  t.is(JSON.parse(fromStdin.stdout).op.type, 'stake');

  const badOp = await run(['tx', 'sign', '--key', key, '--op', '{"type":"send","to":"nobody","amount":"5"}']);
  t.is(badOp.code, 1);
  t.regex(badOp.stderr, /^error BAD_SCHEMA: op field "to"/);
  const badJson = await run(['tx', 'sign', '--key', key, '--op', '{oops']);
  t.regex(badJson.stderr, /^error BAD_JSON/);
  await chmod(key, 0o644);
  const unsafe = await run(['tx', 'sign', '--key', key, '--op', '{"type":"stake","amount":"1"}', '--json']);
  t.is(unsafe.code, 1);
  t.is(JSON.parse(unsafe.stderr).code, 'KEY_FILE_UNSAFE');
});

test('ain tx sign refuses an op with a key named __proto__ or a key twice, as a node would, naming where', async (t) => {
  const key = join(dir, 'k3.key');
  await run(['keys', 'new', '--out', key]);
  const proto = await run(['tx', 'sign', '--key', key, '--op', '{"type":"set_value","path":"/apps/x","value":{"\\u005f_proto__":1}}']);
  t.is(proto.code, 1);
  t.regex(proto.stderr, /^error BAD_SCHEMA: the op field "value\.__proto__": a key named "__proto__" is refused/);
  const twice = await run(['tx', 'sign', '--key', key], '{"type":"set_value","path":"/apps/x","value":1,"value":2}');
  t.is(twice.code, 1);
  t.regex(twice.stderr, /^error BAD_SCHEMA: the op field "value": the key appears more than once/);
});

test('unknown commands and flags are usage errors (exit 2)', async (t) => {
  t.is((await run(['fly'])).code, 2);
  t.is((await run(['keys', 'new', '--bogus'])).code, 2);
  t.regex((await run(['help'])).stdout, /ain node --data DIR/);
  // A command's --help (or -h) prints its own usage, and runs nothing.
  const netHelp = await run(['net', 'init', '--help']);
  t.is(netHelp.code, 0, netHelp.stderr);
  t.regex(netHelp.stdout, /^ {2}ain net init --validators N --dir D/);
  t.regex(netHelp.stdout, /ain net status --dir D/);
  t.notRegex(netHelp.stdout, /^ {2}ain node /m);
  t.regex((await run(['node', '-h'])).stdout, /^ {2}ain node --data DIR .*\n(.*\n)* {2}ain node --data DIR1 --data DIR2/);
  const noVerb = await run(['net']);
  t.is(noVerb.code, 2);
  t.regex(noVerb.stderr, /^ain: "ain net" needs a verb; use "ain net init/);
  const level = await run(['node', '--data', 'unused', '--log-level', 'loud']);
  t.is(level.code, 2);
  t.regex(level.stderr, /--log-level is one of fatal, error, warn, info, debug, trace, silent, not "loud"/);
  const kafkaAudit = await run(['audit', '--kafka', '127.0.0.1:9']);
  t.is(kafkaAudit.code, 2, kafkaAudit.stderr);
  t.regex(kafkaAudit.stderr, /ain audit --kafka needs the chain’s genesis: --genesis FILE, or --data DIR/);
  const netInit = await run(['net', 'init', '--validators', '0', '--dir', 'unused']);
  t.is(netInit.code, 2, netInit.stderr);
  t.regex(netInit.stderr, /--validators is 1 to 64, not 0/);
  // A data dir that does not exist beside the nodes ain net init wrote is a mistyped node, not a new dev chain.
  const net = join(dir, 'typo-net');
  await mkdir(join(net, 'n1'), { recursive: true });
  await mkdir(join(net, 'n2'));
  await writeFile(join(net, 'owner.key'), '');
  const typo = await run(['node', '--data', join(net, 'n3')]);
  t.is(typo.code, 2, typo.stderr);
  t.regex(typo.stderr, /typo-net\/n3 does not exist, and .*typo-net holds the nodes ain net init wrote \(n1, n2\): start one of those/);
  await t.throwsAsync(stat(join(net, 'n3')), undefined, 'nothing was made');
  // Nor is the network's own directory a node's, or a data dir to audit.
  for (const args of [
    ['node', '--data', net],
    ['audit', '--data', net],
  ]) {
    const whole = await run(args);
    t.is(whole.code, 2, whole.stderr);
    t.regex(whole.stderr, /typo-net is the directory of a network ain net init wrote, not one of its nodes \(n1, n2\): .* --data .*typo-net\/n1\./);
  }
  await t.throwsAsync(stat(join(net, 'genesis.json')), undefined, 'no dev chain was made there');
  const noPort = await run(['audit', '--kafka', '127.0.0.1', '--genesis', 'unused']);
  t.is(noPort.code, 2, noPort.stderr);
  t.regex(noPort.stderr, /--kafka takes host:port of each broker, e.g. 127.0.0.1:9092; "127.0.0.1" is not one/);
});

// Serial (ava runs these first): each run is a CLI start, slow beside the concurrent ain up sessions.
test.serial("ain up's sample: --evaluators and --workers take whole numbers from 1, --time-limit whole ms from 1000 (before anything starts)", async (t) => {
  for (const [flag, value, max] of [
    ['--workers', '0', 64],
    ['--workers', 'many', 64],
    ['--workers', '65', 64],
    ['--evaluators', '17', 16],
    ['--evaluators', '2.5', 16],
  ] as const) {
    const r = await run(['up', '--once', flag, value, '--data', join(dir, 'up-flags')]);
    t.is(r.code, 2, `${flag} ${value}: ${r.stderr}${r.stdout}`);
    t.true(r.stderr.includes(`${flag} must be a whole number from 1 to ${max}, got "${value}".`), r.stderr);
  }
  for (const value of ['999', '3600001', '2s']) {
    const r = await run(['up', '--once', '--time-limit', value, '--data', join(dir, 'up-flags')]);
    t.is(r.code, 2, `--time-limit ${value}: ${r.stderr}${r.stdout}`);
    t.true(r.stderr.includes(`--time-limit must be a whole number of milliseconds from 1000 to 3600000, got "${value}".`), r.stderr);
  }
  t.regex((await run(['help'])).stdout, /ain up \[--nodes N\] \[--evaluators N\] \[--workers N\]/);
});

test('ain node serves txs from ain tx submit, and stops cleanly on SIGTERM', async (t) => {
  const data = join(dir, 'node');
  const child = spawn('node', [ain, 'node', '--data', data, '--port', '0', '--block-interval-ms', '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const seen: Record<string, unknown>[] = [];
  let url: string | undefined;
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node did not start within 90 s')), 90_000);
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      seen.push(entry);
      if (entry.msg === 'node started') {
        url = entry.url as string;
        clearTimeout(timer);
        resolve();
      }
    });
  });
  try {
    await started;
    const key = join(dir, 'k3.key');
    await run(['keys', 'new', '--out', key]);
    const tx = (await run(['tx', 'sign', '--key', key, '--op', '{"type":"set_value","path":"/apps/cli/x","value":1}'])).stdout;
    const submitted = await run(['tx', 'submit', '--node', url!], tx);
    t.is(submitted.code, 0, submitted.stderr);
    t.is(typeof JSON.parse(submitted.stdout).offset, 'number');
    const refused = await run(['tx', 'submit', '--node', url!], tx.replace('"nonce": ', '"nonce": 1'));
    t.is(refused.code, 1);
    t.regex(refused.stderr, /error BAD_SIGNATURE/);
    for (let i = 0; i < 200 && !seen.some((e) => e.msg === 'block'); i++) await new Promise((r) => setTimeout(r, 25));
    t.true(
      seen.some((e) => e.msg === 'block'),
      'the node logs each block it cuts',
    );
  } finally {
    child.kill('SIGTERM');
  }
  t.is(await exited, 0);
  t.true(seen.some((e) => e.msg === 'node stopped'));
  // Started as `node bin/ain.js`, without the V8 flags a node runs with: it says so, once, first.
  const missing = seen.filter((e) => String(e.msg).startsWith('node was started without'));
  t.deepEqual(
    missing.map((e) => e.missing),
    [[...nodeProcessFlags]],
  );
});

/** Starts a node (`command args`), waits for its `node started` line, stops it with SIGTERM: how it ended, its log lines, its stderr. */
async function startAndStop(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ ended: string; seen: string[]; stderr: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(env === undefined ? {} : { env }) });
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(code === null ? `signal ${signal}` : `code ${code}`)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const seen: string[] = [];
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node did not start within 90 s')), 90_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      seen.push(line);
      if ((JSON.parse(line) as { msg?: string }).msg !== 'node started') return;
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    await started;
  } finally {
    child.kill('SIGTERM');
  }
  return { ended: await exited, seen, stderr };
}

test('ain node run through bin/ain.js’s #! line has the V8 flags a node runs with (it says nothing of them)', async (t) => {
  const { ended, seen, stderr } = await startAndStop(ain, ['node', '--data', join(dir, 'node-shebang'), '--port', '0']);
  // A failure says how it ended, what it said last on stdout (its log) and on stderr.
  t.is(ended, 'code 0', `${seen.slice(-8).join('\n')}\n${stderr.slice(-4000)}`);
  t.false(
    seen.some((line) => line.includes('node was started without')),
    seen.join('\n'),
  );
});

test('a SIGTERM while ain node’s code still loads stops it in order once it has started: exit 0, "node stopped" in its log', async (t) => {
  // The fixture says on stderr when bin/ain.js keeps early signals: the SIGTERM goes then.
  const sayer = join(process.cwd(), 'test', 'fixtures', 'sayEarlySignals.js');
  const child = spawn('node', [...nodeProcessFlags, '--import', sayer, ain, 'node', '--data', join(dir, 'node-early-sigterm'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(code === null ? `signal ${signal}` : `code ${code}`)));
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  let stderr = '';
  const kept = new Promise<void>((resolve) =>
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('ain: early signals kept')) resolve();
    }),
  );
  await Promise.race([kept, exited]);
  t.true(
    lines.every((line) => !line.includes('node started')),
    'sent before the node started',
  );
  child.kill('SIGTERM');
  t.is(await exited, 'code 0', `${lines.slice(-8).join('\n')}\n${stderr.slice(-2000)}`);
  const messages = lines.map((line) => (JSON.parse(line) as { msg?: string }).msg);
  t.true(messages.includes('node started') && messages.includes('node stopped'), messages.join(' | '));
});

// Node 20 loads an ES module that a CommonJS one require()s through a facade that once failed an
// assertion inside Node's loader (an `ain audit` child died before auditing). package.json's
// overrides keep the two such packages on the node's path CommonJS; Node's own trace of
// require(esm) says whether any is left, in a node from start to stop and in an audit of its dir.
// Both run the compiled build (`npm test` builds it first; deployed images run it): under tsx's
// loader such a require() never reaches Node's.
test('ain node and ain audit load no ES module through require()', async (t) => {
  const data = join(dir, 'node-require-esm');
  const env = { ...process.env, AIN_COMPILED: '1', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --trace-require-module=all`.trim() };
  const { ended, stderr } = await startAndStop('node', [ain, 'node', '--data', data, '--port', '0'], env);
  t.is(ended, 'code 0', stderr);
  const audit = await run(['audit', '--data', data, '--json'], undefined, 60_000, env);
  t.is(audit.code, 0, audit.stderr);
  for (const said of [stderr, audit.stderr]) t.notRegex(said, /using require\(\)/);
});

// One node, the runtime left to ain up, the sample at a small scale, as NDJSON: its log events
// carry the lines a terminal gets. The network of four at the paper's scale, into a pipe, is
// upCommand.e2e's (every line of it).
test('ain up --once --json --nodes 1 (one dev node) gives NDJSON events, the sample’s result among them', async (t) => {
  const up = await run(
    // A time limit well past the sample's 3 s: among CI's files the workers' runs and txs can take
    // several times what the session measures before its request (see upCommand.e2e).
    ['up', '--once', '--json', '--nodes', '1', '--evaluators', '2', '--workers', '3', '--time-limit', '10000', '--port', '0', '--data', join(dir, 'up-json')],
    undefined,
    upTimeoutMs,
  );
  t.is(up.code, 0, up.stderr);
  const events = up.stdout
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as {
          event: string;
          message?: string;
          state?: string;
          participants?: number;
          x?: number;
          payouts?: { kind: string; amount: string }[];
        },
    );
  t.true(events.every((e) => e.event === 'log' || e.event === 'sample'));
  const lines = events.flatMap((e) => (e.event === 'log' ? [e.message] : [])).join('\n');
  t.regex(lines, /100 accepted/);
  t.regex(lines, /refused: BAD_SIGNATURE/);
  t.regex(lines, /outcomes: hello ok; a write to another's path RULE_DENIED/);
  t.regex(lines, /block \d+ is final .* counter = 4950/);
  // The papers' sample job, by agents, end to end.
  t.regex(lines, /Registration complete\. Job ID is [0-9a-f]{64}/);
  t.regex(lines, /stats: 2 evaluators, 3 workers running/);
  const sample = events.find((e) => e.event === 'sample')!;
  t.is(sample.state, 'settled', JSON.stringify(sample)); // a refund lists what each worker came to (workerLines)
  // Every worker whose result met the time limit, and the payouts that count makes (sampleResult.ts).
  const participants = sample.participants ?? 0;
  t.true(participants >= 1 && participants <= 3, JSON.stringify(sample));
  // The evaluator's 10, the best worker's 10, the fee and the deposit back (sampleResult.ts).
  t.deepEqual(
    sample.payouts!.map((p) => [p.amount, p.kind]),
    samplePayouts.map((p) => [p.amount, p.kind]),
  );
  t.true(Math.abs(sample.x! * sample.x! - 4) < 0.01);
});

test('ain tx submit to a node that is not there is NODE_UNREACHABLE', async (t) => {
  const r = await run(['tx', 'submit', '--node', 'http://127.0.0.1:9'], '{}');
  t.is(r.code, 1);
  t.regex(r.stderr, /NODE_UNREACHABLE/);
});
