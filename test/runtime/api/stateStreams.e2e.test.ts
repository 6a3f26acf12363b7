import test from 'ava';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { devGenesis, parseGenesis } from '../../../actors/index.ts';
import { generateKeyPair, signTx, txHashOf } from '../../../log/index.ts';
import { followStream } from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { loadOrCreateKeyFile } from '../../../runtime/keys/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import type { NodeConfigInput, Op } from '../../../schemas/index.ts';

// State reads and value streams on real nodes (file log, HTTP, blocks every 50 ms): a changed
// subtree is serialized once per block for all its subscribers, a reader that stops reading loses
// its socket (and its place only once the socket is gone), big subtrees are read in pages, and a
// value too large for one read or event is RESULT_TOO_LARGE.

const writer = generateKeyPair();
let nonce = 0;
const started: { node: AinNode; dataDir: string }[] = [];

const dev = (address: string) => {
  const genesis = devGenesis(address, { chain: 'ain-local' });
  return { ...genesis, accounts: { ...genesis.accounts, [writer.address]: { balance: '10000000', stake: '0' } } };
};

/** A node on a dev genesis where anyone may write under /open. */
async function start(api: NodeConfigInput['api']): Promise<AinNode> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ain-state-streams-'));
  const { key } = await loadOrCreateKeyFile(join(dataDir, 'node.key'));
  await writeFile(
    join(dataDir, 'genesis.json'),
    // The writer holds AIN: its thousands of writes a minute are past a new address's free bandwidth.
    JSON.stringify(parseGenesis({ ...dev(key.address), rules: { '/open': true } })),
  );
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 50 }, api } });
  const node = await startNode({ config, logger: pino({ level: 'silent' }) });
  started.push({ node, dataDir });
  return node;
}
test.after.always(async () => {
  for (const { node, dataDir } of started) {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

/** Submits ops as one batch and waits (bounded) until the last is in a block; its height. */
async function write(node: AinNode, ops: Op[]): Promise<number> {
  const txs = ops.map((op) => signTx({ key: writer, op, nonce: ++nonce, time: Date.now() }));
  const response = await fetch(`${node.url}/v1/txs`, { method: 'POST', body: JSON.stringify(txs) });
  const body = (await response.json()) as { refused: number };
  if (response.status !== 202 || body.refused > 0) throw new Error(`writes refused: ${JSON.stringify(body).slice(0, 300)}`);
  const hash = txHashOf(txs.at(-1)!);
  for (let i = 0; i < 3000; i++) {
    const found = await fetch(`${node.url}/v1/tx/${hash}`);
    if (found.ok) {
      const landed = (await found.json()) as { height: number; outcome: { code: string } };
      if (landed.outcome.code !== 'ok') throw new Error(`a write was refused: ${landed.outcome.code}`);
      return landed.height;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the writes did not land within 30 s');
}

const fill = (path: string, keys: number, chars: number): Op[] =>
  Array.from({ length: keys }, (_, i) => ({
    type: 'set_value',
    path: `${path}/k${String(i).padStart(3, '0')}`,
    value: String.fromCharCode(97 + (i % 26)).repeat(chars),
  }));

/** The value of a metric (summed over its labels matching `labels`), 0 when absent. */
async function metric(node: AinNode, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{${labels}`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Polls the node (bounded) until `check` holds. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never saw ${what}`);
}

/** A subscriber keeping each raw frame it gets by event id, with a way to wait for an id. */
function subscribe(url: string, name: string) {
  const frames = new Map<number, string>();
  const waiters: { id: number; resolve: () => void }[] = [];
  let response: IncomingMessage | undefined;
  let answered: (status: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (answered = resolve));
  const request = httpGet(`${url}/v1/streams/${name}`, { agent: false }, (res) => {
    response = res;
    answered(res.statusCode ?? 0);
    res.setEncoding('utf8');
    let buffered = '';
    res.on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const frame = buffered.slice(0, end + 2);
        buffered = buffered.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(frame);
        if (id === null) continue;
        frames.set(Number(id[1]), frame);
        for (const w of waiters.filter((w) => Number(id[1]) >= w.id)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  });
  return {
    status,
    frames,
    /** Resolves once a frame with an id at or above `id` came. */
    reached: (id: number) => new Promise<void>((resolve) => ([...frames.keys()].some((k) => k >= id) ? resolve() : waiters.push({ id, resolve }))),
    close: () => (response?.destroy(), request.destroy()),
  };
}

/** A raw HTTP client that asks for a stream and then reads nothing until told to. */
async function stalledReader(url: string, name: string): Promise<{ socket: Socket; readAll: () => Promise<string> }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('error', () => undefined); // a reset after the node destroyed its end: 'close' follows
  socket.pause();
  socket.write(`GET /v1/streams/${name} HTTP/1.1\r\nHost: x\r\n\r\n`);
  return {
    socket,
    readAll: () =>
      new Promise<string>((resolve) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.resume();
      }),
  };
}

/** Changes a ~60 KB subtree block after block until the node has cut a reader off. */
async function untilSlowConsumer(node: AinNode): Promise<void> {
  for (let round = 0; round < 500 && (await metric(node, 'ain_stream_slow_consumers_total')) === 0; round++) {
    await write(node, [{ type: 'set_value', path: '/open/big/k000', value: String(round % 10).repeat(3000) }]);
  }
  if ((await metric(node, 'ain_stream_slow_consumers_total')) === 0) throw new Error('no reader was cut off');
}

test.serial('subscribers of a subtree get identical frames: each changed value is serialized once per block, not once per subscriber', async (t) => {
  t.timeout(60_000);
  const node = await start({ streamsMax: 100 });
  await write(node, fill('/open/shared', 20, 2000));
  const subscribers = Array.from({ length: 20 }, () => subscribe(node.url, 'state/open/shared'));
  t.teardown(() => subscribers.forEach((s) => s.close()));
  await Promise.all(subscribers.map((s) => s.reached(0)));
  const changed: number[] = [];
  for (let i = 0; i < 3; i++) {
    const height = await write(node, [{ type: 'set_value', path: '/open/shared/k000', value: `v${i}`.repeat(100) }]);
    changed.push(height);
    await Promise.all(subscribers.map((s) => s.reached(height)));
  }
  const ids = new Set(subscribers.flatMap((s) => [...s.frames.keys()]));
  for (const id of ids) {
    const copies = new Set(subscribers.flatMap((s) => (s.frames.has(id) ? [s.frames.get(id)!] : [])));
    t.is(copies.size, 1, `every subscriber got the same bytes for event ${id}`);
  }
  for (const height of changed) {
    t.true(
      subscribers.every((s) => s.frames.has(height)),
      `all got the change of block ${height}`,
    );
    t.regex(subscribers[0]!.frames.get(height)!, /^id: \d+\nevent: state\ndata: \{"path":"\/open\/shared","value":\{"k000":"v\d/);
  }
  // One serialization per distinct event, however many subscribers got it.
  t.is(await metric(node, 'ain_stream_events_encoded_total', 'event="state"'), ids.size);
});

test.serial('a subscriber that never reads is cut off and its socket destroyed: the node holds nothing more for it', async (t) => {
  t.timeout(60_000);
  const node = await start({ streamBufferBytesMax: 64 * 1024, streamDrainMs: 0 });
  await write(node, fill('/open/big', 20, 3000));
  const reader = await stalledReader(node.url, 'state/open/big');
  t.teardown(() => reader.socket.destroy());
  await until(async () => (await metric(node, 'ain_stream_connections')) === 1, 'the stream open');
  await untilSlowConsumer(node);
  // The server side closes the socket although the reader has read nothing: its unsent bytes go with it.
  await until(async () => (await metric(node, 'ain_stream_connections')) === 0, 'the socket closed on the server side');
  const sentBytes = await metric(node, 'ain_stream_sent_bytes_total');
  const text = await reader.readAll();
  t.true(Buffer.byteLength(text) < sentBytes, `the reader got ${Buffer.byteLength(text)} of the ${sentBytes} bytes handed to its socket: the rest was dropped`);
});

test.serial('the stream cap counts a cut-off reader until its socket is closed, then frees the place', async (t) => {
  t.timeout(60_000);
  const node = await start({ streamsMax: 1, streamBufferBytesMax: 64 * 1024, streamDrainMs: 600_000 });
  await write(node, fill('/open/big', 20, 3000));
  const reader = await stalledReader(node.url, 'state/open/big');
  t.teardown(() => reader.socket.destroy());
  await until(async () => (await metric(node, 'ain_stream_connections')) === 1, 'the stream open');
  await untilSlowConsumer(node);
  // Its stream has ended, but its socket still holds unsent bytes: it still takes the one place.
  const refused = await fetch(`${node.url}/v1/streams/blocks`);
  t.is(refused.status, 503);
  t.is(((await refused.json()) as { code: string }).code, 'OVERLOADED');
  // Once it reads, it gets what was left, the SLOW_CONSUMER event last, and the connection closes.
  const text = await reader.readAll();
  t.regex(text, /event: error\ndata: \{"code":"SLOW_CONSUMER"[^\n]*Last-Event-ID \d+/);
  await until(async () => (await metric(node, 'ain_stream_connections')) === 0, 'the socket closed on the server side');
  const admitted = subscribe(node.url, 'blocks');
  t.is(await admitted.status, 200);
  admitted.close();
});

test.serial('a large subtree is read in pages with a cursor: every key exactly once; read whole or streamed it is RESULT_TOO_LARGE', async (t) => {
  t.timeout(60_000);
  const node = await start({ readBytesMax: 32 * 1024, streamEventBytesMax: 32 * 1024 });
  const written = fill('/open/many', 300, 200).map((op) => (op as { path: string }).path.split('/').at(-1)!);
  await write(node, fill('/open/many', 300, 200));

  const whole = await fetch(`${node.url}/v1/state/open/many`);
  t.is(whole.status, 413);
  const refusal = (await whole.json()) as { code: string; message: string };
  t.is(refusal.code, 'RESULT_TOO_LARGE');
  t.regex(refusal.message, /GET \/v1\/state\/open\/many\?limit=100, then again with &cursor=<next>/);

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = cursor === null ? '?limit=120' : `?limit=120&cursor=${encodeURIComponent(cursor)}`;
    const page = (await (await fetch(`${node.url}/v1/state/open/many${query}`)).json()) as {
      path: string;
      value: Record<string, string>;
      height: number;
      next: string | null;
    };
    t.is(page.path, '/open/many');
    seen.push(...Object.keys(page.value));
    cursor = page.next;
    pages++;
  } while (cursor !== null && pages < 100);
  t.is(pages, 3);
  t.deepEqual(seen, [...written].sort());
  t.is(new Set(seen).size, 300);

  const small = (await (await fetch(`${node.url}/v1/state/open/many/k007`)).json()) as { value: string };
  t.is(small.value, 'h'.repeat(200));
  const stream = await fetch(`${node.url}/v1/streams/state/open/many`);
  t.is(stream.status, 413);
  t.is(((await stream.json()) as { code: string }).code, 'RESULT_TOO_LARGE');
  const watching = followStream(node.url, 'state/open/many', { signal: new AbortController().signal });
  await t.throwsAsync(watching.next(), { message: /more than 32768 bytes of JSON, more than one stream event carries; follow the paths below it/ });
});
