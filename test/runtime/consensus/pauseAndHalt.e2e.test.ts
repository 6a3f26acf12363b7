import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNodeProcess, until } from '../node/nodeProcess.ts';
import {
  headersOfAll,
  heightsOf,
  initNetwork,
  netOf,
  openUserPaths,
  startNetwork,
  untilPeers,
  untilSameHeight,
  untilWritten,
  writeAsUsers,
} from './networkHarness.ts';

// Four validators. One is frozen (SIGSTOP) for 10 s: the other three hold 3/4 of the power, more
// than 2/3, and go on; thawed, it catches up. Then two of the four are killed: the two left hold
// half, too few to decide, so the chain halts where it is (no fork: their headers stay equal)
// while txs wait; one of the killed restarted makes three again, and the waiting txs get applied.

/** How long the frozen node stays frozen: long enough for peers' pings and requests to it to time out. */
const frozenMs = 10_000;

test('one node frozen: the other three go on and it catches up; two killed: the chain halts without a fork and resumes when one returns', async (t) => {
  t.timeout(170_000);
  const files = await initNetwork(t, 4);
  const nodes = await startNetwork(t, files);
  await openUserPaths(files, nodes[0]!);

  const frozen = nodes[3]!;
  const thawed = nodes.slice(0, 3);
  const stoppedAt = Date.now();
  frozen.child.kill('SIGSTOP');
  const whileFrozen = await writeAsUsers(thawed, 6);
  for (const node of thawed) await untilWritten(node, whileFrozen);
  await sleep(Math.max(0, stoppedAt + frozenMs - Date.now()));
  frozen.child.kill('SIGCONT');
  await untilWritten(frozen, whileFrozen);
  const height = await untilSameHeight(nodes);
  const all = await headersOfAll(nodes, height);
  for (const headers of all.slice(1)) t.deepEqual(headers, all[0], 'the same headers on all four after the thaw');

  await Promise.all([nodes[2]!.kill('SIGKILL'), nodes[3]!.kill('SIGKILL')]);
  const live = nodes.slice(0, 2);
  const waiting = await writeAsUsers(live, 4, 100);
  // Both started the next height and voted in it, but two votes of four decide nothing.
  for (const node of live) {
    await until(
      async () => {
        const { consensus } = await netOf(node);
        return consensus.height === height + 1 && consensus.step !== 'propose';
      },
      `${node.dataDir} to vote at height ${height + 1}`,
      30_000,
    );
  }
  t.deepEqual(await heightsOf(live), [height, height], 'no block without a quorum');
  const halted = await headersOfAll(live, height);
  t.deepEqual(halted[1], halted[0], 'no fork: the two live nodes hold the same headers');

  const returned = await startNodeProcess(files.nodes[2]!.dir, []);
  nodes[2] = returned;
  const three = nodes.slice(0, 3);
  await untilPeers(returned, 2);
  for (const node of three) await untilWritten(node, waiting, 100);
  const resumed = await untilSameHeight(three);
  t.true(resumed > height, 'the chain resumed');
  const after = await headersOfAll(three, resumed);
  for (const headers of after.slice(1)) t.deepEqual(headers, after[0], 'the same headers on the three');
  t.log(`halted at ${height}, resumed to ${resumed}`);
});
