import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateKeyPair, signTx, type KeyPair } from '../../../log/index.ts';
import { devBandwidth } from '../../../actors/index.ts';
import { getAccount } from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';

// A spammer against a real dev node (file log, worker-thread verification, HTTP on loopback): the
// ingest refuses its txs past the genesis's free allowance with BANDWIDTH_EXCEEDED, others go on,
// and the account's bandwidth reads back through the API and `ain account`.

const ain = join(process.cwd(), 'bin', 'ain.js');
let node: AinNode;
let dataDir: string;
const spammer = generateKeyPair();
const other = generateKeyPair();
const time = Date.now();
let refills = 0; // when the spammer's window refills, from the refusal's message
const tx = (key: KeyPair, nonce: number) => signTx({ key, op: { type: 'set_value', path: `/apps/spam/${nonce}`, value: nonce }, nonce, time });

async function postBatch(txs: readonly unknown[]): Promise<{ code?: string; message?: string; offset?: number }[]> {
  const response = await fetch(`${node.url}/v1/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(txs) });
  return ((await response.json()) as { results: { code?: string; message?: string; offset?: number }[] }).results;
}

test.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ain-bandwidth-'));
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 50 } } });
  node = await startNode({ config, logger: pino({ level: 'silent' }) });
});
test.after.always(async () => {
  await node?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test.serial(
  "given a dev node, when a new address sends more txs in a minute than the free allowance, then the rest are refused at the door while another's tx goes on",
  async (t) => {
    const results: Awaited<ReturnType<typeof postBatch>> = [];
    for (let first = 1; first <= 200; first += 100) {
      results.push(...(await postBatch(Array.from({ length: 100 }, (_, i) => tx(spammer, first + i)))));
    }
    const refused = results.filter((r) => r.code !== undefined);
    // The window is the node's clock's: a minute boundary crossed mid-run refills it, which only adds room.
    t.true(results.length - refused.length >= devBandwidth.free);
    t.true(refused.length > 0);
    t.true(refused.every((r) => r.code === 'BANDWIDTH_EXCEEDED'));
    t.regex(refused[0]!.message!, /has used 120 txs of its budget of 120 for this 60 s window; it refills at \d{4}-\d\d-\d\dT/);
    refills = Date.parse(/it refills at (\S+) \(block time\)/.exec(refused.at(-1)!.message!)![1]!);
    const [others] = await postBatch([tx(other, 1)]);
    t.is(typeof others!.offset, 'number', "another address's tx is taken");
  },
);

test.serial('the account shows what it used of its budget, over the API and in ain account', async (t) => {
  const deadline = Date.now() + 20_000;
  let account = await getAccount({ url: node.url }, { address: spammer.address });
  const sameWindow = () => account.bandwidth!.refillsAt <= refills;
  while (account.bandwidth!.used < devBandwidth.free && sameWindow() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    account = await getAccount({ url: node.url }, { address: spammer.address });
  }
  t.like(account.bandwidth, { budget: 120, windowMs: 60_000 });
  // A minute boundary crossed since the refusals starts a fresh count: then there is nothing to count yet.
  if (sameWindow()) t.true(account.bandwidth!.used >= 1, 'the ledger counted what it folded');
  else t.log('the window refilled since the refusals; its count starts afresh');
  const printed = await new Promise<string>((resolve, reject) =>
    execFile('node', [ain, 'account', spammer.address, '--node', node.url], { timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
  t.regex(
    printed,
    new RegExp(
      `^${spammer.address} at block \\d+\\n  balance 0 AIN, stake 0 AIN, unbonding 0 AIN\\n  last nonce \\d+\\n  bandwidth: \\d+ of 120 txs used in this 60 s window, \\d+ left; it refills at `,
    ),
  );
});
