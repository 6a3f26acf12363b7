import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, type KeyPair } from '../../../log/index.ts';
import { sampleJobPrograms, startEvaluatorAgent, startWorkerAgent, type AgentEnvironment } from '../../../runtime/agents/index.ts';
import { followStream, signAndSubmit } from '../../../runtime/client/index.ts';
import { createProcessRuntime } from '../../../runtime/exec/index.ts';
import type { Op, ProgressEvent } from '../../../schemas/index.ts';
import { initNetwork, startNetwork } from '../consensus/networkHarness.ts';

// A request's stream on any node of a network shows every worker's progress: the worker posts it
// to its own node (n2), which gossips it; n1 checks it again (the worker's signature, the worker on
// the running request in its own ledger) before its `requests/<id>` stream shows it.

test('a worker’s progress posted to n2 streams on n1’s request stream, and a client there sees it while the run goes on', async (t) => {
  t.timeout(180_000);
  const files = await initNetwork(t, 2);
  const [n1, n2] = await startNetwork(t, files);
  const [admin, evaluator, worker, client] = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const send = (nodeUrl: string, key: KeyPair, op: Op) => signAndSubmit({ nodeUrl, key, op, waitMs: 60_000 });
  for (const k of [admin, evaluator, worker, client]) await send(n1!.url, files.owner, { type: 'send', to: k.address, amount: '1000' });
  // Two validators: a block is decided only with both votes, so n2 holds every block n1 reports in.

  const execution = createProcessRuntime();
  t.teardown(() => execution.close());
  const programs = await sampleJobPrograms();
  const job = (await send(n1!.url, admin, { type: 'registerJob', job_specification: programs.proto, fee: '1', challenge_fee: '5' })).hash;
  for (const [k, role] of [
    [evaluator, 'evaluator'],
    [worker, 'worker'],
  ] as const) {
    await send(n1!.url, k, { type: 'applyJob', job_id: job, role });
    await send(n1!.url, admin, { type: 'approveNode', job_id: job, node: k.address, role });
  }
  // The worker reports progress until the test has seen it on n1, then answers.
  const go = join(files.dir, 'go');
  const reporting = [
    'const fs = require("node:fs");',
    'process.stdin.resume();',
    `const tick = setInterval(() => { if (fs.existsSync(${JSON.stringify(go)})) { clearInterval(tick); process.stdout.write(JSON.stringify({ x: 2 })); process.exit(0); } process.stderr.write(JSON.stringify({ progress: 0.5, message: "half way" }) + "\\n"); }, 100);`,
  ].join('\n');
  const env = (nodeUrl: string, files: Record<string, string> = {}): AgentEnvironment => ({
    nodeUrl,
    execution,
    programs: { ...programs, files: { ...programs.files, ...files } },
    runWallTimeMs: 60_000,
  });
  const fromHeight = (await n1!.get<{ height: number }>('/v1/status')).height + 1;
  const agents = [
    startEvaluatorAgent({ key: evaluator, env: env(n1!.url), job, fromHeight, deposit: '20' }),
    startWorkerAgent({ key: worker, env: env(n2!.url, { 'worker.js': reporting }), job, fromHeight }),
  ];
  t.teardown(() => Promise.all(agents.map((a) => a.stop())));
  const id = (await send(n1!.url, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000 })).hash;

  const watching = new AbortController();
  t.teardown(() => watching.abort());
  let seen: ProgressEvent | undefined;
  for await (const event of followStream(n1!.url, `requests/${id}`, { signal: watching.signal })) {
    if (event.event !== 'progress') continue;
    seen = event.data as ProgressEvent;
    break;
  }
  t.like(seen, { request: id, worker: worker.address, event: { type: 'progress', fraction: 0.5, message: 'half way' } });
  await writeFile(go, '');
});
