import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { generateKeyPair, signTx, txHashOf } from '../../../log/index.ts';
import { createLibp2pTransport, protocolOf, topicOf } from '../../../runtime/net/index.ts';
import { isAinError, NetAnswer } from '../../../schemas/index.ts';
import { freePort, startNodeProcess, until, type NodeProcess } from './nodeProcess.ts';

// Two nodes written by `ain net init` find each other over libp2p on 127.0.0.1, and a third peer
// (this test process) reads node 1's status and blocks over the request protocols: the same
// genesis and the same blocks its HTTP API serves. A peer's bad requests are refused with a code
// (the same one whichever protocol they came by) and the node goes on serving. (Each node keeps its own file log; with two validators of equal
// stake no block goes final, which this test does not need.)

const bin = join(process.cwd(), 'bin', 'ain.js');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A base port for `ain net init --validators 2` whose two peer ports (1000 above) are free too. */
async function basePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    if (port <= 64_000 && (await canListen(port + 1000)) && (await canListen(port + 1001))) return port;
  }
  throw new Error('found no base port with free peer ports in 20 tries');
}

test('two nodes of ain net init connect; a third peer reads node 1 status and blocks-by-range as its API serves them; bad requests are refused; its junk txs gossip stops at node 1; a node of the chain id from another genesis whose bootstrap peer is node 1 says GENESIS_MISMATCH', async (t) => {
  t.timeout(60_000);
  const dir = await mkdtemp(join(tmpdir(), 'ain-net-e2e-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { stdout } = await promisify(execFile)(process.execPath, [
    bin,
    'net',
    'init',
    '--validators',
    '2',
    '--dir',
    join(dir, 'net'),
    '--base-port',
    String(await basePort()),
    '--json',
  ]);
  const net = JSON.parse(stdout) as { nodes: { dir: string; address: string; peerId: string }[] };
  const nodes: NodeProcess[] = [];
  t.teardown(() => Promise.all(nodes.map((node) => node.kill('SIGKILL'))));
  // Node 1 at debug: it says each peer request and message it refused, and why.
  for (const [i, node] of net.nodes.entries()) nodes.push(await startNodeProcess(node.dir, i === 0 ? ['--log-level', 'debug'] : []));
  const [n1, n2] = nodes as [NodeProcess, NodeProcess];

  const info = (node: NodeProcess) => node.get<NetAnswer>('/v1/net');
  await until(async () => (await info(n1)).peers.includes(net.nodes[1]!.peerId), 'node 1 to list node 2 as a peer');
  await until(async () => (await info(n2)).peers.includes(net.nodes[0]!.peerId), 'node 2 to list node 1 as a peer');
  const n1Net = await info(n1);
  t.is(n1Net.peerId, net.nodes[0]!.peerId, 'the peer id of its p2p.key');
  t.deepEqual(n1Net.validators.map((v) => v.address).sort(), net.nodes.map((n) => n.address).sort());
  t.true(n1Net.validators.every((v) => BigInt(v.stake) > 0n));

  const tx = signTx({ key: generateKeyPair(), op: { type: 'set_value', path: '/apps/net/a', value: 1 }, nonce: 1, time: Date.now() });
  const submitted = await n1.post('/v1/txs', [tx]);
  t.is(submitted.status, 202, JSON.stringify(submitted.body));
  await until(async () => (await n1.get('/v1/status')).height >= 1, 'node 1 to cut a block');
  // The answer is what /openapi.json says of it (NetAnswer), and says nothing the schema does not.
  // (zod drops what a schema does not name, so the raw answer's keys are compared, not the parsed ones.)
  const raw = await n1.get<Record<string, unknown> & { consensus?: object; validators: object[] }>('/v1/net');
  NetAnswer.parse(raw);
  t.deepEqual(
    Object.keys(raw).filter((key) => !(key in NetAnswer.shape)),
    [],
  );
  t.truthy(raw.consensus, 'a node of a network of validators says where its consensus stands');
  t.deepEqual(Object.keys(raw.consensus!).sort(), ['height', 'lastCommit', 'round', 'step', 'validators']);
  const validatorKeys = ['address', 'stake', 'peerId', 'reachable', 'answeredAt'];
  t.deepEqual(
    raw.validators.flatMap((v) => Object.keys(v)).filter((key) => !validatorKeys.includes(key)),
    [],
  );

  const peer = await createLibp2pTransport(
    { seed: new Uint8Array(randomBytes(32)), port: 0, bootstrap: [n1Net.addresses[0]!] },
    { logger: pino({ level: 'silent' }) },
  );
  t.teardown(() => peer.stop());
  await peer.start();
  await until(async () => peer.peers().includes(n1Net.peerId), 'the third peer to connect to node 1');
  const status1 = await n1.get('/v1/status');
  const ask = async (kind: 'status' | 'blocks-by-range' | 'decided-by-range' | 'records', body: Uint8Array) =>
    JSON.parse(decoder.decode(await peer.request(n1Net.peerId, protocolOf(status1.chain, status1.shard, kind), body)));

  const status = await ask('status', new Uint8Array());
  t.like(status, { chain: status1.chain, shard: status1.shard, genesis: status1.genesis });
  t.true(status.height >= 1);
  t.is(typeof status.hash, 'string');

  const range = await ask('blocks-by-range', encoder.encode(JSON.stringify({ from: 1, count: 10 })));
  t.is(range.from, 1);
  t.true(range.blocks.length >= 1);
  const lastHeight = range.blocks.at(-1).header.height;
  const served = await n1.get(`/v1/blocks?from=1&to=${lastHeight}`);
  t.deepEqual(range.blocks, served.blocks, 'the blocks node 1 serves over HTTP');

  // (A block may be cut meanwhile: the answer then holds it, and stops there.)
  const head = (await n1.get('/v1/status')).height as number;
  const ahead = await ask('blocks-by-range', encoder.encode(JSON.stringify({ from: head + 1, count: 64 })));
  t.is(ahead.to, ahead.blocks.at(-1)?.header.height ?? head, 'heights not cut yet are not claimed: the next read starts after the last block held');
  // Past 2^53 a height + 1 is the same height: a read walking the heights asked for would spin node 1 for good (no API, no votes, no SIGTERM).
  t.deepEqual(await ask('blocks-by-range', encoder.encode(JSON.stringify({ from: Number.MAX_SAFE_INTEGER, count: 3 }))), {
    from: Number.MAX_SAFE_INTEGER,
    to: Number.MAX_SAFE_INTEGER - 1,
    blocks: [],
  });
  t.like(await n1.get(`/v1/blocks?from=${Number.MAX_SAFE_INTEGER}&limit=3`), { blocks: [] }, 'the same read over HTTP');

  for (const [kind, body, code] of [
    ['blocks-by-range', new Uint8Array([0xff, 0x00, 0x7b]), 'BAD_JSON'],
    ['blocks-by-range', encoder.encode(JSON.stringify({ from: 1, count: 1000 })), 'BAD_SCHEMA'],
    ['blocks-by-range', encoder.encode(JSON.stringify({ from: 0, count: 1, extra: true })), 'BAD_SCHEMA'],
    // Every protocol parses a peer's bytes the same way: not the handler's failure (NET_HANDLER_FAILED), the peer's BAD_JSON.
    ['decided-by-range', new Uint8Array(), 'BAD_JSON'],
    ['decided-by-range', new Uint8Array([0xff, 0x00, 0x7b]), 'BAD_JSON'],
    ['records', new Uint8Array(), 'BAD_JSON'],
    ['records', new Uint8Array([0xff, 0x00, 0x7b]), 'BAD_JSON'],
  ] as const) {
    const error = await t.throwsAsync(ask(kind, body));
    t.true(isAinError(error, code), `${kind} ${code}: ${error?.message}`);
  }
  t.like(await ask('status', new Uint8Array()), { genesis: status1.genesis }, 'node 1 still serves');
  t.is(n1.child.exitCode, null);

  // The third peer is no direct peer of node 1: its txs gossip goes on to node 2 only once node 1's
  // boundary took the txs. Junk stops at node 1 (rejected there); a good tx after it travels on.
  const txsTopic = topicOf(status1.chain, status1.shard, 'txs');
  peer.subscribe(txsTopic, { validate: () => 'ignore', onMessage: () => {} });
  await until(async () => peer.subscribers(txsTopic).includes(n1Net.peerId), 'node 1 to be subscribed to txs as the third peer sees it');
  const refused = async (node: NodeProcess, code: string) => {
    const line = (await (await fetch(`${node.url}/metrics`)).text()).split('\n').find((l) => l.startsWith(`ain_txs_refused_total{code="${code}"}`));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };
  const junkBefore = await refused(n1, 'BAD_SCHEMA');
  t.is((await peer.publish(txsTopic, encoder.encode('[{"v":1,"junk":true}]'))).outcome, 'sent');
  await until(async () => (await refused(n1, 'BAD_SCHEMA')) > junkBefore, 'node 1 to refuse the junk');
  const good = signTx({ key: generateKeyPair(), op: { type: 'set_value', path: '/apps/net/b', value: 2 }, nonce: 1, time: Date.now() });
  t.is((await peer.publish(txsTopic, encoder.encode(JSON.stringify([good])))).outcome, 'sent');
  await until(async () => {
    const answer = await fetch(`${n2.url}/v1/tx/${txHashOf(good)}`);
    return answer.status === 200 || ((await answer.json()) as { details?: { pending?: boolean } }).details?.pending === true;
  }, 'node 2 to hold the good tx node 1 passed on');
  t.is(await refused(n2, 'BAD_SCHEMA'), 0, 'node 1 did not pass the junk on');

  // What node 1 refused of the peer's, in its log (one line each, no stack), and nothing of it at warn.
  const lines = (await readFile(join(net.nodes[0]!.dir, 'node.log'), 'utf8'))
    .split('\n')
    .filter((line) => line.includes(peer.peerId))
    .map((line) => JSON.parse(line) as { level: number; msg: string; code?: string; reason?: string; protocol?: string; err?: unknown });
  const refusal = lines.find((l) => l.msg === 'refused a peer request' && l.code === 'BAD_JSON' && l.protocol?.endsWith('/req/records') === true);
  t.like(refusal, { level: 20 }, 'the records request of bytes that are not JSON, at debug');
  t.is(refusal?.err, undefined, 'no stack');
  t.true(
    lines.some((l) => l.msg === 'peer gossiped a tx no honest node forwards; rejected' && l.reason === 'BAD_SCHEMA'),
    'the junk txs message',
  );
  t.deepEqual(
    lines.filter((l) => l.level >= 40).map((l) => l.msg),
    [],
    'a peer’s refused requests and messages are no warnings',
  );

  // A node of the same chain id from another genesis (another `ain net init`, its bootstrap peer
  // node 1): it says GENESIS_MISMATCH naming node 1; node 1, which has it as no bootstrap peer,
  // takes no such word from it.
  const other = join(dir, 'other');
  await promisify(execFile)(process.execPath, [bin, 'net', 'init', '--validators', '1', '--dir', other, '--base-port', String(await basePort())]);
  const otherConfig = JSON.parse(await readFile(join(other, 'n1', 'config.json'), 'utf8')) as { port: number; p2p: { bootstrap: string[] } };
  otherConfig.p2p.bootstrap = [`${n1Net.addresses[0]!.replace(/\/p2p\/.*$/, '')}/p2p/${n1Net.peerId}`];
  await writeFile(join(other, 'n1', 'config.json'), JSON.stringify(otherConfig));
  const stranger = await startNodeProcess(join(other, 'n1'), [], {}, otherConfig.port);
  t.teardown(() => stranger.kill('SIGKILL'));
  const strangerId = (await stranger.get<NetAnswer>('/v1/net')).peerId;
  const mismatch = (node: NodeProcess, peerId: string) =>
    until(async () => {
      const { problems } = await node.get<{ problems: { code: string; peers?: string[] }[] }>('/v1/health');
      return problems.some((p) => p.code === 'GENESIS_MISMATCH' && p.peers?.includes(peerId) === true);
    }, `${node.dataDir} to say GENESIS_MISMATCH naming ${peerId}`);
  await mismatch(stranger, n1Net.peerId);
  const n1Health = await n1.get<{ problems: { code: string }[] }>('/v1/health');
  t.false(
    n1Health.problems.some((p) => p.code === 'GENESIS_MISMATCH'),
    `node 1 asked ${strangerId}, no bootstrap peer of its: ${JSON.stringify(n1Health.problems)}`,
  );
});
