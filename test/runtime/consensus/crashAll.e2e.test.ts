import test from 'ava';
import { startNodeProcess, until } from '../node/nodeProcess.ts';
import {
  auditOf,
  headersOfAll,
  initNetwork,
  logLines,
  netOf,
  openUserPaths,
  startNetwork,
  untilPeers,
  untilSameHeight,
  untilWritten,
  writeAsUsers,
} from './networkHarness.ts';

// Four validators all killed (SIGKILL) while a height is being decided: each restarts from what
// it had on disk (log, mempool journal, signing record with the votes it cast), the txs that were
// waiting get applied, nobody signs twice, the headers are the same on all four and `ain audit`
// passes on each data dir.

test('all four killed in the middle of a height: they resume, the waiting txs are applied, nobody signs twice', async (t) => {
  t.timeout(170_000);
  const files = await initNetwork(t, 4);
  const nodes = await startNetwork(t, files);
  await openUserPaths(files, nodes[0]!);
  const height = await untilSameHeight(nodes);

  const users = await writeAsUsers(nodes, 8);
  await until(
    async () => {
      const { consensus } = await netOf(nodes[0]!);
      return consensus.height > height && consensus.step !== 'propose';
    },
    `a vote at height ${height + 1}`,
    30_000,
  );
  await Promise.all(nodes.map((node) => node.kill('SIGKILL')));

  for (const [i, node] of files.nodes.entries()) nodes[i] = await startNodeProcess(node.dir, []);
  for (const node of nodes) await untilPeers(node, 3);
  for (const node of nodes) await untilWritten(node, users);
  const resumed = await untilSameHeight(nodes);
  const all = await headersOfAll(nodes, resumed);
  for (const headers of all.slice(1)) t.deepEqual(headers, all[0], 'the same headers on all four');
  for (const node of files.nodes) t.deepEqual(await logLines(node.dir, 'equivocation seen'), [], `no equivocation seen by ${node.dir}`);

  await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
  for (const node of files.nodes) {
    const report = await auditOf(node.dir);
    t.true(report.ok, `audit of ${node.dir}: ${JSON.stringify(report).slice(0, 400)}`);
  }
  t.log(`killed at height ${height + 1}, resumed to ${resumed}`);
});
