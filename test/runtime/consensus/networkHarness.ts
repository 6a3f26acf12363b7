// A network of validators for process tests: `ain net init` into a temp dir, each `ain node` a
// child process on 127.0.0.1 (its JSON log in <dataDir>/node.log), and the few reads and writes
// the tests make of it.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { incrementProposerPriority, validatorSetOf } from '../../../actors/index.ts';
import { generateKeyPair, signTx, txHashOf, type KeyPair } from '../../../log/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import type { Tx } from '../../../schemas/index.ts';
import { freePorts, startNodeProcess, until, type NodeProcess } from '../node/nodeProcess.ts';

export const bin = join(process.cwd(), 'bin', 'ain.js');
export const run = promisify(execFile);

/** A base port for `ain net init --validators n`: its n API ports and their peer ports (1000 above) free. */
export const basePort = (n: number): Promise<number> => freePorts(n, 1000);

export interface NetworkFiles {
  readonly dir: string;
  readonly nodes: readonly { readonly dir: string; readonly address: string; readonly peerId: string }[];
  /** The genesis owner (owner of `/`, funded). */
  readonly owner: KeyPair;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** `ain net init --validators n` into a temp dir removed after the test. */
export async function initNetwork(t: Teardown, validators: number): Promise<NetworkFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'ain-consensus-e2e-'));
  // AIN_E2E_KEEP=1 keeps the data dirs (and their node.log) to read after a failure.
  if (process.env.AIN_E2E_KEEP === undefined) t.teardown(() => rm(dir, { recursive: true, force: true }));
  else console.error(`keeping ${dir}`);
  const out = join(dir, 'net');
  const args = [bin, 'net', 'init', '--validators', String(validators), '--dir', out, '--base-port', String(await basePort(validators)), '--json'];
  const { stdout } = await run(process.execPath, args);
  const net = JSON.parse(stdout) as { nodes: { dir: string; address: string; peerId: string }[] };
  return { dir: out, nodes: net.nodes, owner: await readKeyFile(join(out, 'owner.key')) };
}

/**
 * Starts every node of the network (killed after the test) and waits until each sees all the
 * others; `env` goes to each node's process (a function: the i-th node's).
 */
export async function startNetwork(
  t: Teardown,
  files: NetworkFiles,
  env: Record<string, string> | ((index: number) => Record<string, string>) = {},
): Promise<NodeProcess[]> {
  const nodes: NodeProcess[] = [];
  t.teardown(() => Promise.all(nodes.map((node) => node.kill('SIGKILL'))));
  // On the API port of each node's config (free when initNetwork drew it), so that ain net status finds them.
  for (const [i, node] of files.nodes.entries()) {
    const { port } = JSON.parse(await readFile(join(node.dir, 'config.json'), 'utf8')) as { port: number };
    nodes.push(await startNodeProcess(node.dir, [], typeof env === 'function' ? env(i) : env, port));
  }
  for (const node of nodes) await until(async () => (await netOf(node)).peers.length >= nodes.length - 1, `${node.dataDir} to see its peers`, 60_000);
  return nodes;
}

export interface NetView {
  peerId: string;
  peers: string[];
  validators: { address: string; stake: string; peerId?: string; reachable?: boolean; answeredAt?: number }[];
  height: number;
  consensus: { height: number; round: number; step: string; lastCommit: { height: number; round: number; hash: string } | null };
}

export const netOf = (node: NodeProcess) => node.get<NetView>('/v1/net');

export interface Header {
  height: number;
  stateRoot: string;
  proposer: string;
}

export const headersOf = async (node: NodeProcess, to: number): Promise<Header[]> =>
  (await node.get<{ blocks: { header: Header }[] }>(`/v1/blocks?from=1&to=${to}`)).blocks.map((b) => b.header);

/** Has the owner open `/apps/net/$user` to each user, and waits until `node` applied it. */
export async function openUserPaths(files: NetworkFiles, via: NodeProcess, node: NodeProcess = via): Promise<void> {
  const rule = signTx({
    key: files.owner,
    op: { type: 'set_rule', path: '/apps/net/$user', value: { write: 'auth.addr == $user' } },
    nonce: 1,
    time: Date.now(),
  });
  const answer = await via.post('/v1/tx', rule);
  if (answer.status !== 202) throw new Error(`the rule was refused: ${JSON.stringify(answer.body)}`);
  await until(async () => (await node.get<{ outcome?: { code: string } }>(`/v1/tx/${txHashOf(rule)}`)).outcome?.code === 'ok', 'the rule in a block', 60_000);
}

/** `count` new users each write their index under `/apps/net/<address>`, sent round robin to `nodes`. */
export async function writeAsUsers(nodes: readonly NodeProcess[], count: number, first = 0): Promise<KeyPair[]> {
  const users = Array.from({ length: count }, () => generateKeyPair());
  for (const [i, key] of users.entries()) {
    const tx = signTx({ key, op: { type: 'set_value', path: `/apps/net/${key.address}`, value: first + i }, nonce: 1, time: Date.now() });
    const answer = await nodes[i % nodes.length]!.post('/v1/tx', tx);
    if (answer.status !== 202) throw new Error(`tx ${i} was refused: ${JSON.stringify(answer.body)}`);
  }
  return users;
}

/** Waits until `node` has applied every user's write; a timeout says where its consensus stood. */
export async function untilWritten(node: NodeProcess, users: readonly KeyPair[], first = 0, timeoutMs = 90_000): Promise<void> {
  await untilOrSay(node, () =>
    until(
      async () => {
        for (const [i, key] of users.entries()) {
          if ((await node.get<{ value?: unknown }>(`/v1/state/apps/net/${key.address}`)).value !== first + i) return false;
        }
        return true;
      },
      `every write applied on ${node.dataDir}`,
      timeoutMs,
    ),
  );
}

/** Runs `wait`; if it fails, the error also says what the node's consensus was doing (a stuck height shows its round and step). */
async function untilOrSay(node: NodeProcess, wait: () => Promise<void>): Promise<void> {
  try {
    await wait();
  } catch (error) {
    const net = await netOf(node).catch((cause: unknown) => `no answer: ${String(cause)}`);
    const status = await node.get('/v1/status').catch(() => undefined);
    throw new Error(`${(error as Error).message}; its /v1/net: ${JSON.stringify(net)}; its /v1/status: ${JSON.stringify(status)}`, { cause: error });
  }
}

/** `ain audit --data DIR --json` of a stopped node; when it printed no report, what it wrote to stderr. */
/** One node as `ain net status --json` gives it. */
export interface NetStatusNode {
  node: string;
  address: string;
  answers: boolean;
  height: number | null;
  problems: { code: string; message: string }[];
}

/** `ain net status --dir <dir> --json`: its exit code and the nodes. */
export async function netStatusOf(dir: string): Promise<{ code: number; nodes: NetStatusNode[] }> {
  const { stdout, stderr, code } = await run(process.execPath, [bin, 'net', 'status', '--dir', dir, '--json']).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (error: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '', code: error.code ?? -1 }),
  );
  try {
    return { code, nodes: (JSON.parse(stdout) as { nodes: NetStatusNode[] }).nodes };
  } catch {
    throw new Error(`ain net status --dir ${dir} exited ${code} without its JSON: ${stderr.slice(0, 2000)}`);
  }
}

export async function auditOf(dir: string): Promise<{ ok: boolean; blocks: number; certificates?: number; stderr?: string }> {
  const { stdout, stderr } = await run(process.execPath, [bin, 'audit', '--data', dir, '--json'], { maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
  try {
    return JSON.parse(stdout) as { ok: boolean; blocks: number; certificates: number };
  } catch {
    return { ok: false, blocks: 0, stderr: String(stderr).slice(0, 2000) };
  }
}

/** Every node's ledger height. */
export const heightsOf = (nodes: readonly NodeProcess[]): Promise<number[]> => Promise.all(nodes.map(async (node) => (await netOf(node)).height));

/** Waits until every node is at the same height, and returns it. */
export async function untilSameHeight(nodes: readonly NodeProcess[], timeoutMs = 60_000): Promise<number> {
  let height = 0;
  await until(
    async () => {
      const heights = await heightsOf(nodes);
      height = heights[0]!;
      return heights.every((h) => h === height);
    },
    'every node at the same height',
    timeoutMs,
  );
  return height;
}

/** The headers of blocks 1..to on each node, one list per node. */
export const headersOfAll = (nodes: readonly NodeProcess[], to: number): Promise<Header[][]> => Promise.all(nodes.map((node) => headersOf(node, to)));

/**
 * The proposer of round 0 at `height` on a network whose stakes never changed since genesis: the
 * same weighted round robin every validator runs (runtime/consensus/validatorSets.ts).
 */
export async function proposerAt(files: NetworkFiles, height: number): Promise<string> {
  const genesis = JSON.parse(await readFile(join(files.nodes[0]!.dir, 'genesis.json'), 'utf8')) as { accounts: Record<string, { stake: string }> };
  const stakes = Object.entries(genesis.accounts)
    .filter(([, account]) => BigInt(account.stake) > 0n)
    .map(([address, account]) => ({ address, power: account.stake }))
    .sort((a, b) => (a.address < b.address ? -1 : 1));
  const first = validatorSetOf(stakes);
  return (height <= 1 ? first : incrementProposerPriority(first, height - 1)).proposer;
}

/** The account of `address` as `node` holds it (amounts as decimal strings). */
export const accountOf = async (node: NodeProcess, address: string): Promise<{ stake?: string; slashed?: boolean } | null> =>
  (await node.get<{ value: { stake?: string; slashed?: boolean } | null }>(`/v1/state/accounts/${address}`)).value;

/** Waits until `node` is connected to at least `count` peers. */
export const untilPeers = (node: NodeProcess, count: number, timeoutMs = 60_000): Promise<void> =>
  until(async () => (await netOf(node)).peers.length >= count, `${node.dataDir} to see ${count} peers`, timeoutMs);

/** The lines of a node's JSON log (every run of it) whose `msg` is `msg`. */
export async function logLines(dir: string, msg: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, 'node.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.includes(msg))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((entry) => entry.msg === msg);
}

/** The API's most blocks in one range read (runtime/api/ledgerRoutes.ts). */
const blocksPerRead = 100;

/** The headers of blocks 1..to, as headersOf, read in pages of the API's most blocks a read: for chains longer than one page. */
export async function headersPaged(node: NodeProcess, to: number): Promise<Header[]> {
  const headers: Header[] = [];
  for (let from = 1; from <= to; from += blocksPerRead) {
    const page = await node.get<{ blocks: { header: Header }[] }>(`/v1/blocks?from=${from}&to=${Math.min(to, from + blocksPerRead - 1)}`);
    headers.push(...page.blocks.map((b) => b.header));
  }
  return headers;
}

/** Waits until `node`'s ledger is at `height` or above. */
export const untilHeight = (node: NodeProcess, height: number, timeoutMs = 60_000): Promise<void> =>
  until(async () => (await netOf(node)).height >= height, `${node.dataDir} at height ${height}`, timeoutMs);

/** Submits a tx to `node` (unless `submit` is false: it went already) and waits (bounded) for its outcome there. */
export async function outcomeOf(node: NodeProcess, tx: Tx, submit = true): Promise<string> {
  const answer = submit ? await node.post('/v1/tx', tx) : { status: 202, body: null };
  if (answer.status !== 202) throw new Error(`the node refused the tx: ${JSON.stringify(answer.body)}`);
  let code = '';
  await until(
    async () => {
      code = (await node.get<{ outcome?: { code: string } }>(`/v1/tx/${txHashOf(tx)}`)).outcome?.code ?? '';
      return code !== '';
    },
    `the outcome of ${tx.op.type}`,
    60_000,
  );
  return code;
}
