import test from 'ava';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { genesisHashOf, shardGenesisOf } from '../../../actors/index.ts';
import { generateKeyPair, signTx } from '../../../log/index.ts';
import { verifyShardProof, type ShardProofAnswer } from '../../../projections/state/verifyProofBrowser.ts';
import { readStream } from '../../../runtime/client/index.ts';
import { writeKeyFile } from '../../../runtime/keys/index.ts';
import type { Op, ShardsEvent, Tx } from '../../../schemas/index.ts';
import { auditOf, basePort, bin, initNetwork, logLines, outcomeOf, run, startNetwork, type NetworkFiles } from '../consensus/networkHarness.ts';
import { startChromium } from '../../services/chromium.ts';
import { until, type NodeProcess } from './nodeProcess.ts';

// A shard on its own nodes: a parent network of four validators, `ain net init --shard /apps/x`
// branches the path there and writes a child chain of three validators, which run as any
// validator does (`ain node --data`) and report their decided blocks to the parent; a value of
// the child is read with a proof chained to the parent, and a grandchild (/apps/x/y, one
// validator) reports to the child. The nodes are shared by the steps below, in order.

const shard = '/apps/x';
/** Child blocks made before the parent is looked at. */
const childBlocks = 50;
const rules = { blockIntervalMs: 100, reportPeriodMs: 600_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } };

interface Shared {
  dir: string;
  parentFiles: NetworkFiles;
  parents: NodeProcess[];
  childDir: string;
  childFiles?: NetworkFiles;
  children: NodeProcess[];
  /** The owner's next nonce on the child. */
  childNonce: number;
}
let shared: Shared;

interface ShardView {
  status: string;
  genesis: string;
  last: { height: number; hash: string };
  validators: { address: string; stake: string }[];
  rules: typeof rules;
  rulesVersion: number;
  pendingRules: unknown;
}

/** The reporter's log line for a parent that did not answer. */
const failedMsg = 'reporting to the parent failed; trying again';

const shardOn = (node: NodeProcess) => node.get<ShardView>(`/v1/shards${shard}`);

/** The owner's next tx on the child chain. */
function childTx(op: Op): Tx {
  return signTx({ key: shared.parentFiles.owner, op, nonce: shared.childNonce++, time: Date.now(), chain: 'ain-local', shard });
}

/** Makes `count` child blocks: one tx at a time, each to the next live child node, each waited for. */
async function makeChildBlocks(nodes: readonly NodeProcess[], count: number, first: number): Promise<void> {
  // A tx every few milliseconds to one node (so the sender's nonces arrive in order), not waiting
  // for each one's block: the child decides blocks back to back, each holding what is pending,
  // until it has made `count` more. The last tx's outcome says they all went through.
  const [node] = nodes;
  const target = (await childHeightOf(node!)) + count;
  let last: Tx | undefined;
  for (let i = 0; (await childHeightOf(node!)) < target; i++) {
    last = childTx({ type: 'set_value', path: '/apps/x/n', value: first + i });
    const answer = await node!.post('/v1/tx', last);
    if (answer.status !== 202) throw new Error(`the node refused the tx: ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const code = last === undefined ? 'ok' : await outcomeOf(node!, last, false);
  if (code !== 'ok') throw new Error(`the last child tx came to ${code}`);
}

/** Who reported the last child block the parent recorded (its `reported` events, replayed from the start). */
async function lastReporter(parent: NodeProcess, childHeight: number): Promise<string> {
  const aborter = new AbortController();
  let by = '';
  for await (const event of readStream(parent.url, `shards${shard}`, { fromHeight: 1, signal: aborter.signal })) {
    for (const e of (event.data as ShardsEvent).events) if (e.type === 'reported' && e.childTo >= childHeight) by = e.by;
    if (by !== '') break;
  }
  aborter.abort();
  return by;
}

const childHeightOf = async (node: NodeProcess) => (await node.get<{ height: number }>('/v1/status')).height;
const childHashAt = async (node: NodeProcess, height: number) =>
  (await node.get<{ blocks: { hash: string }[] }>(`/v1/blocks?from=${height}&to=${height}`)).blocks[0]!.hash;

/** What the steps share is torn down once they are all done (a hook's own teardown runs when the hook ends). */
const cleanups: (() => unknown)[] = [];
const afterAll = { teardown: (fn: () => unknown) => void cleanups.push(fn) };
test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test.before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ain-shard-e2e-'));
  if (process.env.AIN_E2E_KEEP === undefined) afterAll.teardown(() => rm(dir, { recursive: true, force: true }));
  else console.error(`keeping ${dir}`);
  const parentFiles = await initNetwork(afterAll, 4);
  const parents = await startNetwork(afterAll, parentFiles);
  shared = { dir, parentFiles, parents, childDir: join(dir, 'child'), children: [], childNonce: 1 };
});

const initShardArgs = async (key: string, childDir: string) => {
  const rulesFile = join(shared.dir, 'rules.json');
  await writeFile(rulesFile, JSON.stringify(rules));
  return [
    bin,
    'net',
    'init',
    '--shard',
    shard,
    '--validators',
    '3',
    '--dir',
    childDir,
    '--parent',
    shared.parents.map((p) => p.url).join(','),
    '--key',
    key,
    '--rules',
    rulesFile,
    '--base-port',
    String(await basePort(3)),
    '--json',
  ];
};

test.serial('a branch the parent refuses is a coded error, and nothing is written', async (t) => {
  const stranger = join(shared.dir, 'stranger.key');
  await writeKeyFile(stranger, generateKeyPair());
  const refusedDir = join(shared.dir, 'refused');
  const error = await t.throwsAsync(run(process.execPath, await initShardArgs(stranger, refusedDir)));
  const { code, message } = JSON.parse((error as unknown as { stderr: string }).stderr) as { code: string; message: string };
  t.is(code, 'OWNER_DENIED');
  t.regex(message, /refused the branch of \/apps\/x in its block \d+/);
  t.deepEqual(await readdir(refusedDir).catch(() => []), []);
});

test.serial('ain net init --shard branches /apps/x on the parent and writes three child validators from the genesis the branch derives', async (t) => {
  const ownerFile = join(shared.dir, 'owner.key');
  await writeKeyFile(ownerFile, shared.parentFiles.owner);
  const { stdout } = await run(process.execPath, await initShardArgs(ownerFile, shared.childDir));
  const out = JSON.parse(stdout) as { genesisHash: string; nodes: { dir: string; address: string; peerId: string }[]; branch: { file: string } };
  t.is(out.nodes.length, 3);
  // Every node's genesis, an audit's derivation from the branch tx and the parent's record agree.
  const branch = JSON.parse(await readFile(out.branch.file, 'utf8')) as Tx;
  t.is(genesisHashOf(shardGenesisOf(branch)), out.genesisHash);
  const texts = await Promise.all(out.nodes.map((n) => readFile(join(n.dir, 'genesis.json'), 'utf8')));
  t.true(texts.every((text) => text === texts[0]));
  for (const parent of shared.parents) {
    await until(async () => (await parent.get<{ genesis?: string }>(`/v1/shards${shard}`)).genesis === out.genesisHash, `${parent.url} to record the shard`);
  }
  const config = JSON.parse(await readFile(join(out.nodes[0]!.dir, 'config.json'), 'utf8')) as Record<string, any>;
  t.like(config, { chain: 'ain-local', shard, block: { intervalMs: rules.blockIntervalMs }, parent: { urls: shared.parents.map((p) => p.url) } });
  shared.childFiles = { dir: shared.childDir, nodes: out.nodes, owner: shared.parentFiles.owner };
});

test.serial(`the child produces ${childBlocks} blocks and every parent node records them with the child's hash`, async (t) => {
  // On 2 cores beside other tests' nodes, 7 nodes make a child block in 0.5–2 s.
  t.timeout(300_000);
  shared.children.push(...(await startNetwork(afterAll, shared.childFiles!)));
  const [first] = shared.children;
  t.is(await outcomeOf(first!, childTx({ type: 'set_rule', path: '/apps/x/n', value: { write: true } })), 'ok');
  await makeChildBlocks(shared.children, childBlocks, 0);
  t.true((await childHeightOf(first!)) >= childBlocks);
  for (const parent of shared.parents) {
    let view: ShardView | undefined;
    await until(
      async () => {
        view = await shardOn(parent);
        return view.last.height >= childBlocks;
      },
      `${parent.url} to record child block ${childBlocks}`,
      120_000,
    );
    t.is(view!.status, 'reporting');
    t.is(view!.last.hash, await childHashAt(first!, view!.last.height), `the child's own hash of its block ${view!.last.height}`);
  }
});

test.serial('writes under /apps/x on the parent are SHARDED_PATH', async (t) => {
  const { owner } = shared.parentFiles;
  const tx = signTx({ key: owner, op: { type: 'set_value', path: '/apps/x/a', value: 1 }, nonce: Date.now(), time: Date.now() });
  t.is(await outcomeOf(shared.parents[1]!, tx), 'SHARDED_PATH');
});

test.serial('a child value read with ?shard= checks through a parent header every parent node holds; tampered, it does not', async (t) => {
  t.timeout(120_000);
  const [child] = shared.children;
  // The answer waits for the child's next block (it certifies the state the value was read in)
  // and its record on the parent: the child makes blocks while the answer is pending.
  let answered = false;
  const asked = child!.get<ShardProofAnswer & { parent?: { url: string } }>(`/v1/proof${shard}/n?shard=${shard}`).finally(() => (answered = true));
  for (let i = 0; !answered; i++) {
    t.is(await outcomeOf(child!, childTx({ type: 'set_value', path: '/apps/x/n', value: 2000 + i })), 'ok');
  }
  const answer = await asked;
  const verdict = verifyShardProof(answer);
  t.true(verdict.ok, JSON.stringify(verdict));
  if (!verdict.ok) return;
  for (const parent of shared.parents) {
    const block = await parent.get<{ blocks: { hash: string }[] }>(`/v1/blocks?from=${verdict.parentHeight}&to=${verdict.parentHeight}`);
    t.is(block.blocks[0]!.hash, verdict.parentHash, `${parent.url} holds the parent header the proof rests on`);
  }
  t.false(verifyShardProof({ ...answer, value: -1 }).ok, 'another value');
  // ain state verify checks it the same way, and reads the parent block from the parent node.
  let checked = false;
  const cli = run(process.execPath, [bin, 'state', 'verify', '/apps/x/n', '--shard', shard, '--node', child!.url, '--json']).finally(() => (checked = true));
  for (let i = 0; !checked; i++) {
    t.is(await outcomeOf(child!, childTx({ type: 'set_value', path: '/apps/x/n', value: 2100 + i })), 'ok');
  }
  const cliVerified = JSON.parse((await cli).stdout) as { verified: boolean; path: string; parent?: { url: string; height: number } };
  t.like(cliVerified, { verified: true, path: '/apps/x/n' });
  t.true(shared.parents.some((p) => p.url === cliVerified.parent?.url));
  const onParent = JSON.parse(
    (await run(process.execPath, [bin, 'state', 'verify', `/shards${shard}`, '--node', shared.parents[1]!.url, '--json'])).stdout,
  ) as Record<string, unknown>;
  t.like(onParent, { verified: true, path: `/shards${shard}` });
  // A node of another shard, or the parent, has no such chain to give.
  const wrong = await fetch(`${shared.parents[0]!.url}/v1/proof${shard}/n?shard=${shard}`);
  t.is(wrong.status, 404);
  t.like(await wrong.json(), { code: 'UNKNOWN_SHARD' });
  const other = await fetch(`${child!.url}/v1/proof${shard}/n?shard=/apps/y`);
  t.like(await other.json(), { code: 'UNKNOWN_SHARD' });
});

test.serial('in the browser, the explorer on a child node checks a value through the parent; a tampered parent record is not verified', async (t) => {
  t.timeout(180_000);
  const browser = await startChromium();
  if (browser === undefined) return t.pass('no Chromium: skipped');
  t.teardown(() => browser.close());
  const [child] = shared.children;
  const page = await browser.newPage();
  await page.goto(`${child!.url}/#/state/apps/x/n`);
  await page.locator('[data-state-path="/apps/x/n"] [data-verdict="verified"]').waitFor();
  const through = page.locator('[data-through="parent"]');
  /** Clicks the check, and makes child blocks until the page has its verdict. */
  const verdictOf = async () => {
    await through.locator('[data-check="parent"]').click();
    const settled = through.locator('[data-verdict="verified"], [data-verdict="not verified"]');
    for (let i = 0; (await settled.count()) === 0; i++) {
      t.is(await outcomeOf(child!, childTx({ type: 'set_value', path: '/apps/x/n', value: 3000 + i })), 'ok');
    }
    return settled.getAttribute('data-verdict');
  };
  t.is(await verdictOf(), 'verified', (await through.innerText()).slice(0, 300));
  t.regex(await through.innerText(), /through parent block \d+/);
  // The test's own route in front of the node: the parent's record says another proposal.
  await page.route('**/v1/proof/**', async (route) => {
    const answer = (await (await route.fetch()).json()) as { parent?: { record: { value: Record<string, unknown> } } };
    if (answer.parent !== undefined) answer.parent.record.value = { ...answer.parent.record.value, proposal: 'e'.repeat(64) };
    await route.fulfill({ json: answer });
  });
  t.is(await verdictOf(), 'not verified');
  t.regex(await through.innerText(), /the parent's record does not check/);
  await page.unrouteAll({ behavior: 'wait' });
  await page.close();
});

test.serial('a child of the child: /apps/x/y branched on the child reports to it, and the child reports those blocks to the parent', async (t) => {
  t.timeout(180_000);
  const grand = '/apps/x/y';
  const grandDir = join(shared.dir, 'grandchild');
  const ownerFile = join(shared.dir, 'owner.key');
  const args = ['net', 'init', '--shard', grand, '--validators', '1', '--dir', grandDir, '--parent', shared.children.map((c) => c.url).join(',')];
  const { stdout } = await run(process.execPath, [bin, ...args, '--key', ownerFile, '--base-port', String(await basePort(1)), '--json']);
  const out = JSON.parse(stdout) as { genesisHash: string; branch: { height: number }; nodes: { dir: string; address: string; peerId: string }[] };
  const [child] = shared.children;
  t.is((await child!.get<{ genesis: string }>(`/v1/shards${grand}`)).genesis, out.genesisHash, 'the child recorded the grandchild');
  // The branch was signed with a nonce of the clock: the owner's next ones on the child follow it.
  shared.childNonce = (await child!.get<{ nonce: number }>(`/v1/accounts/${shared.parentFiles.owner.address}`)).nonce + 1;
  const [node] = await startNetwork(afterAll, { dir: grandDir, nodes: out.nodes, owner: shared.parentFiles.owner });
  let nonce = 1;
  const grandTx = (op: Op) => signTx({ key: shared.parentFiles.owner, op, nonce: nonce++, time: Date.now(), chain: 'ain-local', shard: grand });
  t.is(await outcomeOf(node!, grandTx({ type: 'set_rule', path: '/apps/x/y/n', value: { write: true } })), 'ok');
  for (let i = 0; i < 3; i++) t.is(await outcomeOf(node!, grandTx({ type: 'set_value', path: '/apps/x/y/n', value: i })), 'ok');
  const grandHeight = await childHeightOf(node!);
  // The child's own blocks hold the grandchild's reports; the parent records those blocks.
  let recordedIn = 0;
  await until(
    async () => {
      const view = await child!.get<ShardView>(`/v1/shards${grand}`);
      if (view.last.height < grandHeight) return false;
      recordedIn = await childHeightOf(child!);
      return true;
    },
    `the child to record grandchild block ${grandHeight}`,
    60_000,
  );
  t.is((await child!.get<ShardView>(`/v1/shards${grand}`)).last.hash, await childHashAt(node!, grandHeight), "the grandchild's own hash");
  for (const parent of shared.parents) {
    await until(async () => (await shardOn(parent)).last.height >= recordedIn, `${parent.url} to record child block ${recordedIn}`, 60_000);
  }
  const reported = await shared.parents[0]!.get<ShardView>(`/v1/shards${shard}`);
  t.is(reported.last.hash, await childHashAt(child!, reported.last.height));
  // Writes under /apps/x/y on the child are the grandchild's now.
  t.is(await outcomeOf(child!, childTx({ type: 'set_value', path: '/apps/x/y/n', value: 9 })), 'SHARDED_PATH');
});

test.serial(
  "the child's owner changes its rules and stakes by a tx on the child: in force there two blocks on, and every parent node learns them from a report",
  async (t) => {
    t.timeout(180_000);
    const [child] = shared.children;
    const before = await shardOn(shared.parents[0]!);
    t.is(before.rulesVersion, 0);
    const validators = before.validators.map((v) => ({ address: v.address, stake: String(BigInt(v.stake) * 2n) }));
    const changed = { ...rules, reportPeriodMs: 300_000, timeouts: { ...rules.timeouts, proposeMs: 2000 } };
    t.is(await outcomeOf(child!, childTx({ type: 'shardRules', rules: changed, validators })), 'ok');
    // The block after the change names the record in its lastRoot; the one after that is decided by the new stakes.
    await makeChildBlocks(shared.children, 3, 2000);
    const inForce = await child!.get<{ value: unknown }>('/v1/state/consensus/rulesInForce');
    t.deepEqual(inForce.value, changed, 'the child runs by the new rules');
    const height = await childHeightOf(child!);
    for (const parent of shared.parents) {
      await until(async () => (await shardOn(parent)).last.height >= height, `${parent.url} to record child block ${height}`, 120_000);
      const view = await shardOn(parent);
      t.like(view, { rulesVersion: 1, pendingRules: null, rules: changed, validators }, parent.url);
    }
  },
);

test.serial(
  'the parent frozen (its nodes do not answer), then the validator that reported last killed: the others try again, then report every block decided',
  async (t) => {
    t.timeout(180_000);
    const parent = shared.parents[0]!;
    const reported = (await shardOn(parent)).last.height;
    const last = await lastReporter(parent, reported);
    const victim = shared.children.find((_, i) => shared.childFiles!.nodes[i]!.address === last);
    t.truthy(victim, `the last reporter ${last} is a child validator`);
    // While no parent answers, the child goes on deciding blocks that wait to be reported.
    for (const node of shared.parents) node.child.kill('SIGSTOP');
    await makeChildBlocks(shared.children, 6, 1000);
    const left = shared.children.filter((node) => node !== victim);
    // Each validator left asks a parent in vain (its request times out) and tries again later.
    for (const node of left) {
      await until(async () => (await logLines(node.dataDir, failedMsg)).length > 0, `${node.dataDir} to find no parent answering`, 60_000);
    }
    await victim!.kill('SIGKILL');
    for (const node of shared.parents) node.child.kill('SIGCONT');
    // Two of three equal stakes are not more than 2/3: the child halts where the kill left it.
    const height = await childHeightOf(left[0]!);
    t.true(height >= reported + 6);
    for (const node of shared.parents) {
      await until(async () => (await shardOn(node)).last.height >= height, `${node.url} to record child block ${height}`, 120_000);
    }
    t.is((await shardOn(parent)).last.hash, await childHashAt(left[0]!, height));
    t.not(await lastReporter(parent, height), last, 'a validator still running reported the last blocks');
  },
);

test.serial('ain audit passes on a child validator’s data dir', async (t) => {
  const node = shared.children.find((n) => n.child.exitCode === null && n.child.signalCode === null)!;
  await node.kill('SIGTERM');
  const audit = await auditOf(node.dataDir);
  t.true(audit.ok, JSON.stringify(audit));
  t.true(audit.blocks >= childBlocks);
});
