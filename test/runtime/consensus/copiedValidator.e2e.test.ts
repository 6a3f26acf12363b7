import test from 'ava';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readStream } from '../../../runtime/client/index.ts';
import type { ConsensusEvent } from '../../../schemas/index.ts';
import { freePort, startNodeProcess, until, type NodeProcess } from '../node/nodeProcess.ts';
import { accountOf, initNetwork, logLines, netOf, openUserPaths, startNetwork, untilPeers, untilSameHeight, writeAsUsers } from './networkHarness.ts';

// An operator copies a validator's data dir to another machine (here: another dir and ports, and,
// as a copy made to run beside the first would have, a peer key of its own) and starts it while
// the first runs on. Two nodes on one validator key sign conflicting votes sooner or later, and
// the key's stake is burned for it (an operator's walk had it slashed within a minute). A node
// now signs nothing while another signs with its key (ownKeyGuard.ts): the copy, started second,
// hears the first's signatures while it listens and yields, saying VALIDATOR_KEY_SHARED; the first
// goes on as the validator, nobody is slashed; once the first is stopped, the copy takes over by
// itself.

const problemsOf = async (node: NodeProcess) => (await node.get<{ problems: { code: string; message: string }[] }>('/v1/health')).problems;

/**
 * The validators whose precommits decided each block from `from` on, as `node`'s consensus stream
 * says, until `enough` holds; each round of `load` between (the stream waits for blocks).
 */
async function signersUntil(
  node: NodeProcess,
  from: number,
  enough: (signers: ReadonlyMap<number, readonly string[]>) => boolean,
  load: () => Promise<unknown>,
): Promise<Map<number, string[]>> {
  const signers = new Map<number, string[]>();
  const stream = (async () => {
    // The signal bounds a stream that never brings the awaited signer (the test then fails), not a wait.
    for await (const { data } of readStream(node.url, 'consensus', { fromHeight: from, signal: AbortSignal.timeout(150_000) })) {
      const { commit } = data as ConsensusEvent;
      if (commit !== null)
        signers.set(
          commit.height,
          commit.signers.map((s) => s.address),
        );
      if (enough(signers)) return;
    }
  })();
  let done = false;
  void stream.finally(() => (done = true)).catch(() => undefined);
  while (!done) await load();
  await stream;
  return signers;
}

test('a validator’s data dir copied and started beside it: the copy signs nothing while the first runs, nobody is slashed; the first stopped, the copy takes over', async (t) => {
  t.timeout(300_000); // a bound on five nodes' starts, stops and load on a loaded CI machine, not a wait: each step awaits its event
  const files = await initNetwork(t, 4);
  const nodes = await startNetwork(t, files);
  await openUserPaths(files, nodes[0]!);
  await untilSameHeight(nodes);
  const key = files.nodes[1]!;
  let round = 0;
  const write = (via: readonly NodeProcess[]) => writeAsUsers(via, 3, 1000 * ++round);

  // Copied while stopped (a live copy holds the log's lock), the first restarted, and signing again.
  await nodes[1]!.kill('SIGTERM');
  const copyDir = join(files.dir, 'n2-copy');
  await cp(key.dir, copyDir, { recursive: true });
  await rm(join(copyDir, 'p2p.key'));
  await rm(join(copyDir, 'node.log'), { force: true });
  const config = JSON.parse(await readFile(join(copyDir, 'config.json'), 'utf8')) as { port: number; p2p: { port: number } };
  const copyPort = await freePort();
  await writeFile(join(copyDir, 'config.json'), JSON.stringify({ ...config, port: copyPort, p2p: { ...config.p2p, port: await freePort() } }));
  nodes[1] = await startNodeProcess(key.dir, [], {}, config.port);
  await untilPeers(nodes[1], 3);
  const restartedAt = (await netOf(nodes[0]!)).height;
  const signs = (signers: ReadonlyMap<number, readonly string[]>) => [...signers.values()].some((addresses) => addresses.includes(key.address));
  await signersUntil(nodes[0]!, restartedAt + 1, signs, () => write(nodes));

  // The copy started while the first signs: it yields, and says so.
  const copy = await startNodeProcess(copyDir, [], {}, copyPort);
  t.teardown(() => copy.kill('SIGKILL'));
  await untilPeers(copy, 3);
  await until(
    async () => {
      await write(nodes);
      return (await problemsOf(copy)).some((p) => p.code === 'VALIDATOR_KEY_SHARED');
    },
    'the copy to say VALIDATOR_KEY_SHARED',
    90_000,
  );
  t.regex((await problemsOf(copy)).find((p) => p.code === 'VALIDATOR_KEY_SHARED')!.message, /Another node signs with this node's validator key/);
  const sharedAt = (await netOf(nodes[0]!)).height;
  // The first goes on as the validator: its precommits in the blocks decided since.
  const during = await signersUntil(
    nodes[0]!,
    sharedAt + 1,
    (s) => s.size >= 4,
    () => write(nodes),
  );
  t.true([...during.values()].filter((addresses) => addresses.includes(key.address)).length > 0, 'the key still signs, through the first node');

  // The first stopped: the copy hears no other signature of the key, and takes over.
  await nodes[1]!.kill('SIGKILL');
  const live = [nodes[0]!, nodes[2]!, nodes[3]!];
  const stoppedAt = (await netOf(nodes[0]!)).height;
  const after = await signersUntil(nodes[0]!, stoppedAt + 1, signs, () => write(live));
  t.true(signs(after), 'the copy signs as the key');
  await until(async () => !(await problemsOf(copy)).some((p) => p.code === 'VALIDATOR_KEY_SHARED'), 'the copy’s VALIDATOR_KEY_SHARED to clear', 60_000);

  // The copy's signing record lost (consensus/signed.json deleted while it was stopped): restarted,
  // it holds its last blocks' certificates to its record, and waits two heights when its key's
  // precommit is among them (a certificate holds the precommits that made the quorum, which need
  // not include its own), then signs again by itself, nobody slashed.
  await copy.kill('SIGTERM');
  await rm(join(copyDir, 'consensus', 'signed.json'));
  const again = await startNodeProcess(copyDir, [], {}, copyPort);
  t.teardown(() => again.kill('SIGKILL'));
  await untilPeers(again, 3);
  const restartedCopyAt = (await netOf(nodes[0]!)).height;
  const resumed = await signersUntil(nodes[0]!, restartedCopyAt + 1, signs, () => write(live));
  t.true(signs(resumed), 'the copy signs again');
  const waited = (await readFile(join(copyDir, 'node.log'), 'utf8'))
    .split('\n')
    .some((line) => line.includes('in a decided block’s certificate is none this node signed'));
  t.log(
    waited ? 'restarted without its record, it found its own precommit in a certificate and waited' : 'its precommit was in neither of its last certificates',
  );

  for (const node of [...live, again]) {
    const account = await accountOf(node, key.address);
    t.is(account?.stake, '1000000', `${key.address}'s stake as ${node.dataDir} holds it`);
    t.not(account?.slashed, true);
  }
  for (const dir of [...files.nodes.map((n) => n.dir), copyDir]) {
    t.deepEqual(await logLines(dir, 'equivocation held for the next block'), [], `no equivocation held by ${dir}`);
  }
  t.log(`the copy yielded by height ${sharedAt}; the first stopped at ${stoppedAt}; the copy signed by ${Math.max(...after.keys())}`);
});
