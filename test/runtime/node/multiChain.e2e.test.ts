import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signTx } from '../../../log/index.ts';
import { writeKeyFile } from '../../../runtime/keys/index.ts';
import type { Op, Tx } from '../../../schemas/index.ts';
import { auditOf, basePort, bin, initNetwork, outcomeOf, run } from '../consensus/networkHarness.ts';
import { startNodesProcess, until, type NodeProcess } from './nodeProcess.ts';

// One process validating a parent chain and its shard (`ain node --data PARENT --data CHILD`):
// each chain its own node (log, peers, consensus, API port) in the same process, and either port
// answers for the other with `?shard=`; the child's reporter reports to the parent as it would
// across processes, and both data dirs audit.

const shard = '/apps/x';
const rules = { blockIntervalMs: 100, reportPeriodMs: 600_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } };

const portOf = async (dir: string) => (JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { port: number }).port;

/** What the harness asks of a node, at one of the process's URLs. */
const at = (node: NodeProcess, url: string): NodeProcess => ({
  ...node,
  url,
  get: async (path) => (await (await fetch(url + path)).json()) as never,
  async post(path, body) {
    const response = await fetch(url + path, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  },
});

test('one process validates a parent and its shard: the child reports its blocks to the parent beside it; both audit', async (t) => {
  t.timeout(240_000);
  const dir = await mkdtemp(join(tmpdir(), 'ain-multichain-e2e-'));
  if (process.env.AIN_E2E_KEEP === undefined) t.teardown(() => rm(dir, { recursive: true, force: true }));
  const parentFiles = await initNetwork(t, 1);
  const parentDir = parentFiles.nodes[0]!.dir;
  const parentUrl = `http://127.0.0.1:${await portOf(parentDir)}`;

  // The parent alone first, on its config's port: the branch goes to it, and the child's config names that URL.
  const alone = await startNodesProcess([parentDir], [parentUrl]);
  t.teardown(() => alone.kill('SIGKILL'));
  const ownerFile = join(dir, 'owner.key');
  await writeKeyFile(ownerFile, parentFiles.owner);
  const rulesFile = join(dir, 'rules.json');
  await writeFile(rulesFile, JSON.stringify(rules));
  const childDir = join(dir, 'child');
  const args = ['net', 'init', '--shard', shard, '--validators', '1', '--dir', childDir, '--parent', parentUrl, '--key', ownerFile, '--rules', rulesFile];
  const { stdout } = await run(process.execPath, [bin, ...args, '--base-port', String(await basePort(1)), '--json']);
  const child = (JSON.parse(stdout) as { nodes: { dir: string }[] }).nodes[0]!.dir;
  await alone.kill('SIGTERM');

  const childUrl = `http://127.0.0.1:${await portOf(child)}`;
  const both = await startNodesProcess([parentDir, child], [parentUrl, childUrl]);
  t.teardown(() => both.kill('SIGKILL'));
  const parent = at(both, parentUrl);
  const childNode = at(both, childUrl);
  t.like(await childNode.get('/v1/status'), { chain: 'ain-local', shard });
  t.like(await parent.get('/v1/status'), { chain: 'ain-local', shard: '/' });

  let nonce = 1;
  const childTx = (op: Op): Tx => signTx({ key: parentFiles.owner, op, nonce: nonce++, time: Date.now(), chain: 'ain-local', shard });
  t.is(await outcomeOf(childNode, childTx({ type: 'set_rule', path: '/apps/x/n', value: { write: true } })), 'ok');
  for (let i = 0; i < 3; i++) t.is(await outcomeOf(childNode, childTx({ type: 'set_value', path: '/apps/x/n', value: i })), 'ok');
  const height = (await childNode.get<{ height: number }>('/v1/status')).height;
  await until(
    async () => (await parent.get<{ last: { height: number } }>(`/v1/shards${shard}`)).last.height >= height,
    `the parent to record child block ${height}`,
    120_000,
  );
  const view = await parent.get<{ status: string; last: { height: number; hash: string } }>(`/v1/shards${shard}`);
  const [own] = (await childNode.get<{ blocks: { hash: string }[] }>(`/v1/blocks?from=${view.last.height}&to=${view.last.height}`)).blocks;
  t.is(view.status, 'reporting');
  t.is(view.last.hash, own!.hash, "the child's own hash");

  // One port for both: `?shard=` on the parent's port reaches the child (and back), a tx posted
  // through it lands on the child's chain, and a shard the process does not serve is UNKNOWN_SHARD.
  t.like(await parent.get(`/v1/status?shard=${shard}`), { shard, height: (await childNode.get<{ height: number }>('/v1/status')).height });
  t.like(await childNode.get('/v1/status?shard=/'), { shard: '/' });
  const through = childTx({ type: 'set_value', path: '/apps/x/n', value: 99 });
  const posted = await fetch(`${parentUrl}/v1/tx?shard=${shard}`, { method: 'POST', body: JSON.stringify(through) });
  t.is(posted.status, 202);
  t.is(await outcomeOf(childNode, through, false), 'ok');
  t.is((await parent.get<{ value: unknown }>(`/v1/state/apps/x/n?shard=${shard}`)).value, 99);
  // The chained proof waits for the child's next block and its record on the parent: the child makes blocks meanwhile.
  let answered = false;
  const proof = fetch(`${parentUrl}/v1/proof/apps/x/n?shard=${shard}`).finally(() => (answered = true));
  for (let i = 0; !answered; i++) t.is(await outcomeOf(childNode, childTx({ type: 'set_value', path: '/apps/x/n', value: 99 })), 'ok');
  t.is((await proof).status, 200, 'the chained proof, from the child beside the parent');
  t.like(await (await proof).json(), { value: 99, parent: { url: parentUrl } });
  const unknown = await fetch(`${parentUrl}/v1/status?shard=/apps/y`);
  t.is(unknown.status, 404);
  t.like(await unknown.json(), { code: 'UNKNOWN_SHARD' });

  await both.kill('SIGTERM');
  t.is(both.child.exitCode, 0, 'both chains stopped in order');
  for (const data of [parentDir, child]) {
    const audit = await auditOf(data);
    t.true(audit.ok, JSON.stringify(audit));
  }
});
