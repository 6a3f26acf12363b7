import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, signTx, txHashOf } from '../../../log/index.ts';
import type { TxAnswer } from '../../../schemas/index.ts';
import { startNodeProcess, until, type NodeProcess } from '../node/nodeProcess.ts';

// `ain tx verify` on a real node: the tx's inclusion proof and outcome check against its block's
// final header; the same answer tampered with on its way (by a proxy in front of the node) fails
// with PROOF_INVALID and exit 1. And `ain state verify`: a value's Merkle proof against its
// block's header, the same way.

const ain = join(process.cwd(), 'bin', 'ain.js');
const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('node', [ain, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

let dir: string;
let node: NodeProcess;
/** Txs of one batch, so their block holds several records and each proof has siblings. */
let hashes: string[];

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ain-txverify-'));
  node = await startNodeProcess(dir, ['--block-interval-ms', '50']);
  const client = generateKeyPair();
  // Refused in their block (the client has no funds): still txs of it, each with its outcome.
  const txs = Array.from({ length: 5 }, (_, i) =>
    signTx({ key: client, op: { type: 'send', to: client.address, amount: '1' }, nonce: i + 1, time: Date.now() }),
  );
  const { status } = await node.post('/v1/txs', txs);
  if (status !== 202) throw new Error(`the batch was refused with ${status}`);
  hashes = txs.map(txHashOf);
  await until(async () => (await fetch(`${node.url}/v1/tx/${hashes.at(-1)}`)).status === 200, 'the batch in a block');
});
test.after.always(async () => {
  await node?.kill();
  await rm(dir, { recursive: true, force: true });
});

/** A proxy to the node that passes everything but rewrites `GET /v1/tx/<hash>` answers with `tamper`. */
async function tamperingProxy(tamper: (answer: TxAnswer) => void): Promise<{ url: string; server: Server }> {
  const forward = async (path: string): Promise<{ status: number; body: string }> => {
    const upstream = await fetch(node.url + path);
    const body = await upstream.text();
    if (!path.startsWith('/v1/tx/') || upstream.status !== 200) return { status: upstream.status, body };
    const answer = JSON.parse(body) as TxAnswer;
    tamper(answer);
    return { status: 200, body: JSON.stringify(answer) };
  };
  const server = createServer((request, response) => {
    void forward(request.url!).then(
      ({ status, body }) => response.writeHead(status, { 'content-type': 'application/json' }).end(body),
      () => response.writeHead(502).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

test.serial('ain tx verify checks a tx of a block of several against its final header, and says so', async (t) => {
  const answer = (await node.get(`/v1/tx/${hashes[2]}`)) as TxAnswer;
  t.true(answer.proof.size >= 2, 'the tx shares its block');
  t.is(answer.proof.txPath.length, answer.proof.outcomePath.length);
  t.is(answer.blockHash, (await node.get(`/v1/blocks/${answer.height}`)).hash);
  for (const hash of hashes) {
    const { code, stdout, stderr } = await run(['tx', 'verify', hash, '--node', node.url]);
    t.is(code, 0, stderr);
    t.regex(stdout, new RegExp(`^verified: tx ${hash} is record \\d+ of \\d+ in block \\d+`));
  }
  const json = await run(['tx', 'verify', hashes[2]!, '--node', node.url, '--json']);
  t.like(JSON.parse(json.stdout), { verified: true, hash: hashes[2], height: answer.height, index: answer.index, outcome: { code: answer.outcome.code } });
});

test.serial('a tampered proof, outcome or header is PROOF_INVALID and exit 1', async (t) => {
  const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
  const tampers: [string, (answer: TxAnswer) => void][] = [
    ['a sibling of the tx path', (a) => void ((a.proof.txPath as string[])[0] = flip(a.proof.txPath[0]!))],
    ['a sibling of the outcome path', (a) => void ((a.proof.outcomePath as string[])[0] = flip(a.proof.outcomePath[0]!))],
    ['the outcome', (a) => void (a.outcome = { code: a.outcome.code === 'ok' ? 'RULE_DENIED' : 'ok' })],
    ['the index', (a) => void (a.index = a.proof.index = (a.proof.index + 1) % a.proof.size)],
    ['the header', (a) => void (a.header.txRoot = flip(a.header.txRoot))],
  ];
  for (const [what, tamper] of tampers) {
    const proxy = await tamperingProxy(tamper);
    try {
      const { code, stdout, stderr } = await run(['tx', 'verify', hashes[2]!, '--node', proxy.url]);
      t.is(code, 1, `${what}: ${stdout}`);
      t.regex(stderr, /^error PROOF_INVALID: The node's proof of tx [0-9a-f]{16}… does not check: /, what);
    } finally {
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  }
});

test.serial('a tx in no block is NOT_FOUND, a malformed hash BAD_SCHEMA', async (t) => {
  const missing = await run(['tx', 'verify', 'a'.repeat(64), '--node', node.url, '--wait-ms', '200']);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /^error NOT_FOUND: /);
  const malformed = await run(['tx', 'verify', 'xyz', '--node', node.url]);
  t.is(malformed.code, 1);
  t.regex(malformed.stderr, /^error BAD_SCHEMA: tx hash: /);
});

test.serial('ain state verify checks a value with its Merkle proof against its block’s header; a tampered value or root is PROOF_INVALID', async (t) => {
  const { address } = (await node.get('/v1/status')) as { address: string };
  const path = `/accounts/${address}`;
  const ok = await run(['state', 'verify', path, '--node', node.url]);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, new RegExp(`^verified: ${path} = \\{.*\\} after block \\d+ \\([0-9a-f]{16}…\\), its Merkle proof checked here`));
  const json = JSON.parse((await run(['state', 'verify', path, '--node', node.url, '--json'])).stdout) as Record<string, unknown>;
  t.like(json, { verified: true, path, kind: 'values' });
  const rules = await run(['state', 'verify', '/', '--kind', 'rules', '--node', node.url, '--json']);
  t.is(rules.code, 0, rules.stderr);
  const tampers: [string, (answer: Record<string, any>) => void][] = [
    ['the value', (a) => void (a.value = { tampered: true })],
    ['the header’s stateRoot', (a) => void (a.header.stateRoot = 'e'.repeat(64))],
  ];
  for (const [what, tamper] of tampers) {
    const server = createServer((request, response) => {
      void fetch(node.url + request.url!).then(async (upstream) => {
        const answer = (await upstream.json()) as Record<string, any>;
        if (request.url!.startsWith('/v1/proof/')) tamper(answer);
        response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { code, stderr } = await run(['state', 'verify', path, '--node', `http://127.0.0.1:${(server.address() as { port: number }).port}`]);
      t.is(code, 1, what);
      t.regex(stderr, new RegExp(`^error PROOF_INVALID: The proof of ${path} does not check: `), what);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }
  const notShard = await run(['state', 'verify', path, '--shard', '/apps/x', '--node', node.url]);
  t.is(notShard.code, 1);
  t.regex(notShard.stderr, /^error UNKNOWN_SHARD: This node keeps shard \/, not \/apps\/x/);
});
