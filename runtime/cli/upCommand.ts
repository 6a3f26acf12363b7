import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { filter, firstValueFrom } from 'rxjs';
import { signTx, type KeyPair } from '../../events/index.ts';
import type { Op } from '../../schemas/index.ts';
import { loadConfig } from '../config/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';
import { startNode, type AinNode } from '../node/index.ts';
import { stopOnSignals } from './nodeCommand.ts';
import { UsageError } from './output.ts';

const say = (line: string) => process.stdout.write(line + '\n');

async function post(node: AinNode, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(node.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

/** A client's first session against a fresh node: one tx, a batch, and a refusal. */
async function demo(node: AinNode, client: KeyPair): Promise<void> {
  let nonce = Date.now();
  const sign = (op: Op) => signTx({ key: client, op, nonce: ++nonce, time: Date.now() });

  const one = await post(node, '/v1/tx', sign({ type: 'set_value', path: `/apps/demo/${client.address}/hello`, value: 'world' }));
  say(`  POST /v1/tx   set_value /apps/demo/…/hello → offset ${String(one.offset)}, hash ${String(one.hash).slice(0, 16)}…`);

  const batch = Array.from({ length: 100 }, (_, i) => sign({ type: 'inc_value', path: `/apps/demo/${client.address}/counter`, value: i }));
  const many = await post(node, '/v1/txs', batch);
  say(`  POST /v1/txs  100 inc_value → ${String(many.accepted)} accepted, durable in the file log`);

  const forged = { ...sign({ type: 'send', to: node.key.address, amount: '1' }), nonce: 0 };
  const refused = await post(node, '/v1/tx', forged);
  say(`  POST /v1/tx   a tx changed after signing → refused: ${String(refused.code)}`);

  const lastOffset = Number((many.results as { offset: number }[]).at(-1)?.offset ?? one.offset);
  const block = await firstValueFrom(node.blocks$.pipe(filter((b) => b.header.lastOffset >= lastOffset)));
  say(`  block ${block.header.height} cut at the proposer's marker: ${block.txs.length} txs, txRoot ${block.header.txRoot.slice(0, 16)}…, hash ${block.hash.slice(0, 16)}…`);
}

/**
 * `ain up [--data DIR] [--port N] [--once]`: what `npm start` runs. For now, one local node
 * on the file log, its proposer cutting blocks, and a client submitting signed txs to it.
 */
export async function upCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { data: { type: 'string', default: join('.data', 'up') }, port: { type: 'string', default: '8080' }, once: { type: 'boolean' } } });
  if (!/^\d+$/.test(values.port)) throw new UsageError(`--port must be a whole number, got "${values.port}".`);
  const config = await loadConfig({ env: {}, flags: { dataDir: values.data, port: Number(values.port) } });
  const node = await startNode({ config, logger: pino({ level: 'warn' }, pino.destination(2)) });
  say(`ain up: node ${node.key.address} serving ${config.chain} at ${node.url} (data in ${config.dataDir})`);
  try {
    const { key: client } = await loadOrCreateKeyFile(join(config.dataDir, 'client.key'));
    await demo(node, client);
  } catch (error) {
    await node.stop();
    throw error;
  }
  node.blocks$.subscribe((b) => say(`  block ${b.header.height}: ${b.txs.length} txs, hash ${b.hash.slice(0, 16)}…`));
  if (values.once) {
    await node.stop();
    say('ain up: done.');
    return;
  }
  say(`ain up: the node keeps running; submit txs to ${node.url}/v1/tx (see README). Ctrl-C stops it.`);
  await stopOnSignals(() => node.stop());
}
