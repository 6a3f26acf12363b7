import test from 'ava';
import { join } from 'node:path';
import { startUpNetwork } from '../../../runtime/cli/upNetwork.ts';
import { tempDir } from '../mempool/fixtures.ts';

// `ain up`'s nodes are its child processes: stopping them must end, whatever a node does.

/** Whether a process with this pid is there (a zombie counts as gone once its parent reaped it). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test.serial(
  'ain up kills a node that has not stopped within the grace after SIGTERM (here: paused with SIGSTOP), names it, and leaves none running',
  async (t) => {
    t.timeout(120_000); // a bound on a 2-node network's start and the kill on a loaded CI machine, not a wait: each step awaits its event
    const net = await startUpNetwork({ dir: join(await tempDir(t), 'up-net'), validators: 2, port: 0 });
    const pids = net.nodes.map((node) => node.pid);
    // A paused process takes no SIGTERM until it is continued: only the kill ends it.
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    const killed = await net.stop(1_000);
    t.deepEqual([...killed].sort(), ['n1', 'n2']);
    t.deepEqual(
      pids.filter((pid) => alive(pid)),
      [],
    );
  },
);

test.serial('ain up stops its nodes without a kill when they stop as asked', async (t) => {
  t.timeout(120_000); // a bound on a 2-node network's start and stop on a loaded CI machine, not a wait: each step awaits its event
  const net = await startUpNetwork({ dir: join(await tempDir(t), 'up-net'), validators: 2, port: 0 });
  t.deepEqual(await net.stop(), []);
  t.deepEqual(
    net.nodes.map((node) => node.pid).filter((pid) => alive(pid)),
    [],
  );
});
