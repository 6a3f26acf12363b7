import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { runSampleSession } from '../../../runtime/agents/index.ts';
import { auditDataDir } from '../../../runtime/audit/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { createProcessRuntime } from '../../../runtime/exec/index.ts';
import { startNode } from '../../../runtime/node/index.ts';
import { sampleEvaluators, samplePayouts, sampleWorkers } from './sampleResult.ts';

// The papers' sample session (Calculate Root) by agents on a real node at the paper's scale (3
// evaluators, 12 workers), the workers' and the evaluators' programs run in the process runtime:
// it settles as the protocol says (the paper's reward [10, 10]: 10 to the evaluator, 10 to the
// best worker), the money adds up, reputation follows the ranking, and an audit of the node's log passes.

test('the sample session: agents register, approve, request, work, rank and settle; money, reputation and audit agree', async (t) => {
  t.timeout(120_000);
  const dataDir = await mkdtemp(join(tmpdir(), 'ain-sample-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 100 } } });
  const node = await startNode({ config, logger: pino({ level: 'silent' }) });
  const execution = createProcessRuntime();
  try {
    const result = await runSampleSession({
      nodeUrl: node.url,
      fund: (op) => node.submit(op),
      dataDir: join(dataDir, 'agents'),
      execution,
      evaluators: sampleEvaluators,
      workers: sampleWorkers,
      timeLimitMs: 2000,
    });
    t.is(result.state, 'settled');
    const evaluator = result.evaluator!;
    t.regex(result.roles[evaluator] ?? '', /^evaluator [1-3]$/);
    t.true(result.x !== null && Math.abs(result.x * result.x - 4) < 0.01, `X = ${result.x}`);
    // Every worker whose result met the time limit, and the payouts that count makes (sampleResult.ts).
    t.true(result.participants >= 1 && result.participants <= sampleWorkers, JSON.stringify(result));
    // The evaluator that took the request gets the evaluator's 10 and its deposit back, the best worker 10, the admin its fee.
    t.deepEqual(
      result.payouts.map((p) => [result.roles[p.to]!.replace(/ \d+$/, ''), p.amount, p.kind]),
      samplePayouts.map((p) => [p.role, p.amount, p.kind]),
    );
    t.is(result.payouts[0]!.to, evaluator);
    t.is(node.ledger.tree.get('/consensus/escrow'), '0');

    const request = (await (await fetch(`${node.url}/v1/jobs/${result.request}`)).json()) as { ranking: string[] };
    const ratings = await Promise.all(
      request.ranking.map(
        async (w) => ((await (await fetch(`${node.url}/v1/reputation/${w}`)).json()) as { jobs: { rating: number; jobsDone: number }[] }).jobs[0]!,
      ),
    );
    t.is(request.ranking.length, result.participants);
    // Elo moves only where two ranked workers met.
    if (ratings.length >= 2) t.true(ratings[0]!.rating > 1500 && ratings.at(-1)!.rating < 1500, JSON.stringify(ratings));
    t.is(request.ranking[0], result.payouts[1]!.to, 'the best ranked worker took the pool');
    t.deepEqual(
      ratings.slice(0, 2).map((r) => r.jobsDone),
      [1, 0].slice(0, ratings.length),
    );
    const balances = await Promise.all(
      Object.entries(result.roles).map(async ([address, role]) => [
        role,
        ((await (await fetch(`${node.url}/v1/accounts/${address}`)).json()) as { balance: string }).balance,
      ]),
    );
    const balance = Object.fromEntries(balances);
    t.is(balance['client'], String(1000 - 20 - 1));
    t.is(balance['admin'], '1001');
    t.is(balance[result.roles[evaluator]!], '1010');
    for (const other of ['evaluator 1', 'evaluator 2', 'evaluator 3'].filter((e) => e !== result.roles[evaluator])) t.is(balance[other], '1000');
  } finally {
    await execution.close();
    await node.stop();
  }
  const report = await auditDataDir({ dataDir, threads: 1 });
  t.true(report.ok, JSON.stringify(report.mismatches));
});
