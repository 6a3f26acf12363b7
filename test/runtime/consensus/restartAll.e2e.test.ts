import test from 'ava';
import { startNodeProcess } from '../node/nodeProcess.ts';
import { auditOf, headersOfAll, initNetwork, openUserPaths, startNetwork, untilPeers, untilSameHeight, untilWritten, writeAsUsers } from './networkHarness.ts';

// Four validators all stopped (SIGTERM) and started again on their data dirs: each resumes from
// its log, signing record and certificates, the chain goes on with new txs, the headers stay the
// same on all four, and `ain audit` passes on each data dir.

test('all four restarted at once: they resume from their data dirs, new txs are applied, the same headers; ain audit passes on each', async (t) => {
  t.timeout(170_000);
  const files = await initNetwork(t, 4);
  const nodes = await startNetwork(t, files);
  await openUserPaths(files, nodes[0]!);
  const before = await writeAsUsers(nodes, 4);
  for (const node of nodes) await untilWritten(node, before);
  const height = await untilSameHeight(nodes);

  await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
  for (const [i, node] of files.nodes.entries()) nodes[i] = await startNodeProcess(node.dir, []);
  for (const node of nodes) await untilPeers(node, 3);
  for (const node of nodes) await untilWritten(node, before);

  const after = await writeAsUsers(nodes, 4, 100);
  for (const node of nodes) await untilWritten(node, after, 100);
  const resumed = await untilSameHeight(nodes);
  t.true(resumed > height, 'new blocks after the restart');
  const all = await headersOfAll(nodes, resumed);
  for (const headers of all.slice(1)) t.deepEqual(headers, all[0], 'the same headers on all four');

  await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
  for (const node of files.nodes) {
    const report = await auditOf(node.dir);
    t.true(report.ok, `audit of ${node.dir}: ${JSON.stringify(report).slice(0, 400)}`);
  }
  t.log(`${height} blocks before the restart, ${resumed} after`);
});
