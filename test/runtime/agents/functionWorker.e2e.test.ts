import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateKeyPair } from '../../../log/index.ts';
import { startFunctionWorker } from '../../../runtime/agents/index.ts';
import { callNode, invokeFunction, signAndSubmit, takeHash } from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { createProcessRuntime } from '../../../runtime/exec/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import { signBlobAuth } from '../../../runtime/storage/index.ts';

// The serverless draft's request → result: a function registered with set_function, its code in
// Big Storage, fires when a user writes a request; a function worker runs it in the execution
// runtime and writes the response with its own key, where only it may write.

/** What a function's registrant needs on its path: write_function (granted by the owner of /). */
const functionRights = { write_rule: false, write_owner: false, write_function: true, branch_owner: false };

/**
 * A function's code kept in the node's Big Storage, readable by anyone: the node's key (owner of /
 * and a provider) reserves room on itself, waits for the grant's block, then puts the code.
 */
async function keepCode(node: AinNode, code: string): Promise<{ hash: string; put: { status: number; text: string } }> {
  await node.submit({ type: 'reserveStorage', provider: node.key.address, space: 1 << 20, ttl: 3_600_000 });
  const grants = `/v1/state/storage/grants/${node.key.address}/${node.key.address}`;
  for (let i = 0; i < 500 && (await callNode<{ value: unknown }>(node.url, 'GET', grants)).value === null; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const hash = createHash('sha256').update(code).digest('hex');
  const put = await fetch(`${node.url}/v1/blobs/${hash}`, {
    method: 'PUT',
    headers: { authorization: signBlobAuth({ key: node.key, method: 'PUT', hash, timeMs: Date.now() }), 'x-ain-readers': '*' },
    body: code,
  });
  return { hash, put: { status: put.status, text: await put.text() } };
}

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
    // The node's key owns /: it keeps the code (readable by anyone) and sets up the app.
    const { hash, put } = await keepCode(node, functionCode);
    t.is(put.status, 201, put.text);
    await node.submit({ type: 'set_rule', path: '/apps/echo/requests/$id', value: { write: 'auth.addr != null' } });
    await node.submit({ type: 'set_rule', path: '/apps/echo/responses/$id', value: { write: `auth.addr == '${worker.address}'` } });
    // The worker registers its own function (a function names only its registrant as owner), where the owner of / lets it.
    await node.submit({ type: 'set_owner', path: '/apps/echo', value: { owners: { [worker.address]: functionRights } } });
    await signAndSubmit({
      nodeUrl: node.url,
      key: worker,
      op: {
        type: 'set_function',
        path: '/apps/echo/requests/$id',
        value: { upper: { runtime: 'nodejs', code: `blob://sha256:${hash}`, owner: worker.address } },
      },
      waitMs: 10_000,
    });
    // Nobody may register a function that another key would run.
    await t.throwsAsync(
      signAndSubmit({
        nodeUrl: node.url,
        key: node.key,
        op: {
          type: 'set_function',
          path: '/apps/evil/$id',
          value: { evil: { runtime: 'nodejs', code: `blob://sha256:${hash}`, owner: worker.address } },
        },
        waitMs: 10_000,
      }),
      { code: 'OWNER_DENIED' } as never,
    );
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

const callCode = `
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const call = JSON.parse(input);
  if (call.input === 'fail') { process.stderr.write('asked to fail'); process.exit(3); }
  const text = String(call.input).toUpperCase();
  process.stdout.write(JSON.stringify({
    output: { text, caller: call.caller, params: call.params, kind: call.kind },
    ops: [{ type: 'set_value', path: '/apps/echo/answers/' + call.params.$id, value: text }],
  }));
});
`;

test('an HTTP call of a function: its owner’s worker runs it, the caller gets its output, what it writes lands; refusals have codes', async (t) => {
  t.timeout(90_000);
  const dataDir = await mkdtemp(join(tmpdir(), 'ain-fn-call-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 100 } } });
  const node = await startNode({ config, logger: pino({ level: 'silent' }) });
  const execution = createProcessRuntime();
  const worker = generateKeyPair();
  const user = generateKeyPair();
  const nobody = generateKeyPair();
  try {
    const { hash, put } = await keepCode(node, callCode);
    t.is(put.status, 201, put.text);
    await node.submit({ type: 'set_rule', path: '/apps/echo/answers/$id', value: { write: `auth.addr == '${worker.address}'` } });
    await node.submit({ type: 'set_owner', path: '/apps/echo', value: { owners: { [worker.address]: functionRights, [nobody.address]: functionRights } } });
    for (const [key, id] of [
      [worker, 'shout'],
      [nobody, 'orphan'],
    ] as const) {
      await signAndSubmit({
        nodeUrl: node.url,
        key,
        op: { type: 'set_function', path: '/apps/echo/calls/$id', value: { [id]: { runtime: 'nodejs', code: `blob://sha256:${hash}`, owner: key.address } } },
        waitMs: 10_000,
      });
    }
    const from = (await callNode<{ height: number }>(node.url, 'GET', '/v1/status')).height + 1;
    for (let i = 0; i < 500 && (await callNode<{ height: number }>(node.url, 'GET', '/v1/status')).height < from; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const agent = startFunctionWorker({ key: worker, nodeUrl: node.url, execution, fromHeight: from });
    try {
      const called = await invokeFunction({ url: node.url }, { id: 'shout', path: '/apps/echo/calls/c1', input: 'hello' });
      t.like(called, { function: 'shout', path: '/apps/echo/calls/c1', functionPath: '/apps/echo/calls/$id', worker: worker.address });
      t.deepEqual(called.output, { text: 'HELLO', caller: null, params: { $id: 'c1' }, kind: 'call' });
      const signed = await invokeFunction({ url: node.url }, { id: 'shout', path: '/apps/echo/calls/c2', input: 'hi', key: user });
      t.is((signed.output as { caller: string }).caller, user.address, 'a signed call names its caller');
      let answer: unknown = null;
      for (let i = 0; i < 500 && answer === null; i++) {
        answer = (await callNode<{ value: unknown }>(node.url, 'GET', '/v1/state/apps/echo/answers/c2')).value;
        if (answer === null) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      t.is(answer, 'HI', 'what the function wrote went through its worker’s signed tx');

      const cli = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          'node',
          [join(process.cwd(), 'bin', 'ain.js'), 'invoke', 'shout', '--path', '/apps/echo/calls/c3', '--input', '"cli"', '--node', node.url],
          (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
        ),
      );
      t.is(cli.code, 0, cli.stderr);
      t.like(JSON.parse(cli.stdout), { text: 'CLI' });

      const refused = async (id: string, path: string, input?: unknown) => {
        const error = await t.throwsAsync(invokeFunction({ url: node.url }, { id, path, ...(input === undefined ? {} : { input }) }));
        return error as Error & { code: string };
      };
      t.like(await refused('nope', '/apps/echo/calls/c1'), { code: 'UNKNOWN_FUNCTION' });
      t.like(await refused('shout', '/apps/echo/other/c1'), { code: 'UNKNOWN_FUNCTION' }, 'a path its pattern does not match');
      const failed = await refused('shout', '/apps/echo/calls/c4', 'fail');
      t.is(failed.code, 'FUNCTION_FAILED');
      t.regex(failed.message, /RUN_FAILED/);
      t.like(await refused('orphan', '/apps/echo/calls/c5', 'x'), { code: 'NO_FUNCTION_WORKER' }, 'nobody runs a worker for its owner');
      // Another key may not take the worker's calls.
      const foreign = await fetch(`${node.url}/v1/functions/invocations?owner=${worker.address}&waitMs=0`, {
        headers: { authorization: signBlobAuth({ key: nobody, method: 'TAKE', hash: takeHash(worker.address), timeMs: Date.now() }) },
      });
      t.is(foreign.status, 401);
      t.is(((await foreign.json()) as { code: string }).code, 'BAD_AUTH');
      await agent.settled();
      t.true(agent.calls.filter((c) => c.answered).length >= 3);
    } finally {
      await agent.stop();
    }
  } finally {
    await execution.close();
    await node.stop();
  }
});
