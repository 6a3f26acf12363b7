import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { until } from '../node/nodeProcess.ts';
import { initNetwork, openUserPaths, startNetwork, writeAsUsers } from './networkHarness.ts';

// A validator whose machine's clock runs 30 s ahead: the others refuse its proposals (a block's
// time may be at most 10 s ahead of a validator's clock), and said so only in their own logs; the
// node itself now says its clock looks ahead, from the blocks the others propose, decided here
// 30 s after their time. The chain goes on (its turns end in a later round).

test('a validator whose clock runs ahead says so in its log, and the chain goes on', async (t) => {
  t.timeout(180_000); // a bound on a 4-node network's start and the load on a loaded CI machine, not a wait: each step awaits its event
  const files = await initNetwork(t, 4);
  const fixture = join(process.cwd(), 'test', 'fixtures', 'clockAhead.js');
  const nodes = await startNetwork(t, files, (i): Record<string, string> =>
    i === 3 ? { NODE_OPTIONS: `--import=${fixture}`, AIN_TEST_CLOCK_AHEAD_MS: '30000' } : {},
  );
  await openUserPaths(files, nodes[0]!);
  const said = async () =>
    (await readFile(join(files.nodes[3]!.dir, 'node.log'), 'utf8'))
      .split('\n')
      .filter((line) => line.includes("this node's clock looks"))
      .map((line) => JSON.parse(line) as { level: number; msg: string; behindMs: number });
  let round = 0;
  await until(
    async () => {
      await writeAsUsers(nodes.slice(0, 3), 2, 100 * ++round);
      return (await said()).length > 0;
    },
    'the node whose clock runs ahead to say so',
    120_000,
  );
  const [line] = await said();
  t.is(line!.level, 40);
  t.regex(
    line!.msg,
    /^this node's clock looks 3\d s ahead of the network's: the last 3 blocks other validators proposed were decided here more than 10000 ms after their time\. The others refuse this node's proposals .*check its clock \(NTP\)$/,
  );
  for (const node of files.nodes.slice(0, 3)) {
    const text = await readFile(join(node.dir, 'node.log'), 'utf8');
    t.false(text.includes("this node's clock looks"), `${node.dir} says nothing of its own clock`);
  }
});
