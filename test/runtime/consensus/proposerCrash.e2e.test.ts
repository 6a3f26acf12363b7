import test from 'ava';
import { startNodeProcess } from '../node/nodeProcess.ts';
import {
  accountOf,
  headersOfAll,
  initNetwork,
  logLines,
  netOf,
  openUserPaths,
  proposerAt,
  startNetwork,
  untilPeers,
  untilSameHeight,
  untilWritten,
  writeAsUsers,
} from './networkHarness.ts';

// Four validators; the proposer of the next height (round 0) is killed with SIGKILL before it can
// propose. The other three hold 3/4 of the power, more than 2/3: after the propose timeout they
// move to the next round's proposer and go on committing. Restarted on its data dir, the killed
// node catches up to the same blocks (and so the same state roots), signed nothing twice, and
// keeps its stake.

test('the next proposer killed: the other three go on; restarted, it catches up with the same headers and keeps its stake', async (t) => {
  t.timeout(150_000);
  const files = await initNetwork(t, 4);
  const nodes = await startNetwork(t, files);
  await openUserPaths(files, nodes[0]!);
  const height = await untilSameHeight(nodes);

  const proposer = await proposerAt(files, height + 1);
  const victim = files.nodes.findIndex((node) => node.address === proposer);
  t.true(victim >= 0, `the proposer of block ${height + 1} is one of the validators`);
  await nodes[victim]!.kill('SIGKILL');
  const live = nodes.filter((_, i) => i !== victim);

  const users = await writeAsUsers(live, 6);
  for (const node of live) await untilWritten(node, users);
  const after = await untilSameHeight(live);
  t.true(after > height, 'the three committed later heights');
  const [first, ...rest] = await headersOfAll(live, after);
  for (const headers of rest) t.deepEqual(headers, first);
  t.not(first![height]!.proposer, proposer, `block ${height + 1} was proposed by another validator, in a later round`);

  const restarted = await startNodeProcess(files.nodes[victim]!.dir, []);
  nodes[victim] = restarted;
  await untilPeers(restarted, 3);
  await untilWritten(restarted, users);
  const more = await writeAsUsers(nodes, 4, 100);
  for (const node of nodes) await untilWritten(node, more, 100);
  const common = await untilSameHeight(nodes);
  const all = await headersOfAll(nodes, common);
  for (const headers of all.slice(1)) t.deepEqual(headers, all[0], 'the same headers, and so the same state roots, on all four');

  for (const node of nodes) {
    const account = await accountOf(node, proposer);
    t.is(account?.stake, '1000000', `${proposer}'s stake as ${node.dataDir} holds it`);
    t.not(account?.slashed, true);
  }
  for (const node of files.nodes) t.deepEqual(await logLines(node.dir, 'equivocation seen'), [], `no equivocation seen by ${node.dir}`);
  t.log(`block ${height + 1} went on without ${proposer}; ${common} blocks; round of the last: ${(await netOf(nodes[0]!)).consensus.lastCommit?.round}`);
});
