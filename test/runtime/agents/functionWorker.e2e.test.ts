import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateKeyPair } from '../../../log/index.ts';
import { startFunctionWorker } from '../../../runtime/agents/index.ts';
import { callNode, signAndSubmit } from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { createProcessRuntime } from '../../../runtime/exec/index.ts';
import { startNode } from '../../../runtime/node/index.ts';
import { signBlobAuth } from '../../../runtime/storage/index.ts';

// The serverless draft's request → result: a function registered with set_function, its code in
// Big Storage, fires when a user writes a request; a function worker runs it in the execution
// runtime and writes the response with its own key, where only it may write.

const functionCode = `
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const { params, after, auth } = JSON.parse(input);
  const id = params.$id;
  process.stdout.write(JSON.stringify({ ops: [{ type: 'set_value', path: '/apps/echo/responses/' + id, value: { text: String(after).toUpperCase(), for: auth } }] }));
});
`;

test('a write under a function’s path fires it; the function worker runs it from Big Storage and writes the response', async (t) => {
  t.timeout(60_000);
  const dataDir = await mkdtemp(join(tmpdir(), 'ain-fn-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 100 } } });
  const node = await startNode({ config, logger: pino({ level: 'silent' }) });
  const execution = createProcessRuntime();
  const worker = generateKeyPair();
  const user = generateKeyPair();
  try {
    // The node's key owns / and, a provider, reserves room on itself: it stores the code (readable by anyone) and sets up the app.
    await node.submit({ type: 'reserveStorage', provider: node.key.address, space: 1 << 20, ttl: 3_600_000 });
    for (
      let i = 0;
      i < 500 && (await callNode<{ value: unknown }>(node.url, 'GET', `/v1/state/storage/grants/${node.key.address}/${node.key.address}`)).value === null;
      i++
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    const hash = createHash('sha256').update(functionCode).digest('hex');
    const put = await fetch(`${node.url}/v1/blobs/${hash}`, {
      method: 'PUT',
      headers: { authorization: signBlobAuth({ key: node.key, method: 'PUT', hash, timeMs: Date.now() }), 'x-ain-readers': '*' },
      body: functionCode,
    });
    t.is(put.status, 201, await put.text());
    await node.submit({ type: 'set_rule', path: '/apps/echo/requests/$id', value: { write: 'auth.addr != null' } });
    await node.submit({ type: 'set_rule', path: '/apps/echo/responses/$id', value: { write: `auth.addr == '${worker.address}'` } });
    await node.submit({
      type: 'set_function',
      path: '/apps/echo/requests/$id',
      value: { upper: { runtime: 'nodejs', code: `blob://sha256:${hash}`, owner: worker.address } },
    });
    const from = (await callNode<{ height: number }>(node.url, 'GET', '/v1/status')).height + 1;
    const agent = startFunctionWorker({ key: worker, nodeUrl: node.url, execution, fromHeight: from });
    try {
      // Someone else may not write the response.
      await t.throwsAsync(
        signAndSubmit({ nodeUrl: node.url, key: user, op: { type: 'set_value', path: '/apps/echo/responses/r1', value: 'forged' }, waitMs: 10_000 }),
        { code: 'RULE_DENIED' } as never,
      );
      await signAndSubmit({ nodeUrl: node.url, key: user, op: { type: 'set_value', path: '/apps/echo/requests/r1', value: 'hello' }, waitMs: 10_000 });
      let response: unknown = null;
      for (let i = 0; i < 500 && response === null; i++) {
        response = (await callNode<{ value: unknown }>(node.url, 'GET', '/v1/state/apps/echo/responses/r1')).value;
        if (response === null) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      t.deepEqual(response, { text: 'HELLO', for: user.address });
      await agent.settled();
      t.is(agent.outputs.length, 1);
      t.is(agent.outputs[0]!.error, undefined);
    } finally {
      await agent.stop();
    }
  } finally {
    await execution.close();
    await node.stop();
  }
});
