import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { genesisHashOf, shardGenesisOf } from '../../actors/index.ts';
import { generateKeyPair, signTx, txHashOf, type KeyPair } from '../../log/index.ts';
import {
  AinError,
  fromZodError,
  isAinError,
  KafkaLogConfig,
  ParentConfig,
  safeParse,
  ShardPath,
  ShardRules,
  VotingPower,
  type ErrorCode,
  type ShardRules as Rules,
  type Tx,
} from '../../schemas/index.ts';
import { callNode, ledgerNonceOf, nextNonce, postTx, waitForTx, type TxLanded } from '../client/index.ts';
import {
  checkEmptyDir,
  checkParameters,
  defaultBasePort,
  newNodes,
  nodeConfigOf,
  sharedLogOf,
  writeNewFile,
  writeNodes,
  type InitNetworkNode,
  type NetworkLog,
} from './initNetwork.ts';

/** A shard's consensus rules when `ain net init --shard` is given none: CometBFT-like timeouts, a report period of a minute. */
export const defaultShardRules: Rules = {
  blockIntervalMs: 1000,
  reportPeriodMs: 60_000,
  timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 },
};

/** The signed branch tx, beside the nodes' dirs: the child's genesis derives from it alone. */
export const branchFileName = 'branch.json';

export interface InitShardParameters {
  /** A new or empty directory; `n1 … nN` and `branch.json` are written into it. */
  readonly dir: string;
  /** The subtree of the parent's state the child chain keeps, e.g. `/apps/x`. */
  readonly shard: string;
  readonly validators: number;
  /** The parent chain's nodes: the branch goes to the first that answers; the child's validators report to all of them in turn. */
  readonly parents: readonly string[];
  /** An owner of `shard` on the parent with `branch_owner`: it signs the branch and owns `/` of the child. */
  readonly owner: KeyPair;
  readonly rules?: Rules;
  /** Each validator's voting power on the child (all equal). */
  readonly stake?: string;
  /** Each node's own file log (default), or one Kafka topic the child's nodes share (`ain.<chain>.<shard labels>.<genesis>` unless named). */
  readonly log?: NetworkLog;
  readonly basePort?: number;
  /** How long to wait for the branch's parent block. */
  readonly waitMs?: number;
  readonly newKey?: () => KeyPair;
}

export interface InitShardReturnType {
  readonly dir: string;
  readonly chain: string;
  readonly shard: string;
  readonly genesisHash: string;
  /** The branch tx on the parent: its hash, its parent block, and the file that holds it. */
  readonly branch: { readonly hash: string; readonly height: number; readonly file: string };
  readonly parents: readonly string[];
  readonly owner: { readonly address: string };
  readonly nodes: readonly InitNetworkNode[];
  /** The Kafka topic the child's nodes share, when they do. */
  readonly topic?: string;
}

/** A refusal of the input, before anything is asked of the parent. */
function checkShardInput({
  shard,
  parents,
  rules,
  stake,
  log,
}: {
  shard: string;
  parents: readonly string[];
  rules: Rules;
  stake: string;
  log: NetworkLog;
}): void {
  const bad = (what: string, result: ReturnType<typeof safeParse>) => {
    if (!result.success) throw new AinError('BAD_CONFIG', fromZodError(result.error, what).message);
  };
  bad('the shard path', safeParse(ShardPath, shard));
  if (shard === '/') throw new AinError('BAD_CONFIG', 'The root / is the parent chain itself; name the subtree to branch, e.g. --shard /apps/x.');
  bad('the parent URLs', safeParse(ParentConfig, { urls: parents }));
  bad('the shard rules', safeParse(ShardRules, rules));
  bad('the stake', safeParse(VotingPower, stake));
  if (log.kind === 'kafka') bad('the Kafka log', safeParse(KafkaLogConfig, { ...log, brokers: [...log.brokers] }));
}

/** The first parent that answers `GET /v1/status`, with the chain and shard it runs. */
async function firstParent(parents: readonly string[]): Promise<{ url: string; chain: string; shard: string }> {
  let last: unknown;
  for (const url of parents) {
    try {
      const { chain, shard } = await callNode<{ chain: string; shard: string }>(url, 'GET', '/v1/status', undefined, { timeoutMs: 10_000 });
      return { url, chain, shard };
    } catch (error) {
      if (!isAinError(error, 'NODE_UNREACHABLE')) throw error;
      last = error;
    }
  }
  throw new AinError('NODE_UNREACHABLE', `No parent node answers (${parents.join(', ')}); start the parent chain first, or name one that runs with --parent.`, {
    cause: last,
  });
}

/** Submits the branch and waits for its parent block; a refusal there is thrown with its code. */
async function submitBranch(url: string, tx: Tx, waitMs: number): Promise<TxLanded> {
  await postTx(url, tx);
  const landed = await waitForTx(url, txHashOf(tx), Date.now() + waitMs);
  if (landed.outcome.code !== 'ok') {
    const { code, message } = landed.outcome;
    throw new AinError(
      code as ErrorCode,
      `The parent ${url} refused the branch of ${tx.op.type === 'branch' ? tx.op.path : ''} in its block ${landed.height}: ${message ?? code}`,
      {
        details: { hash: landed.hash, height: landed.height },
      },
    );
  }
  return landed;
}

/**
 * Prepares a child chain of `validators` nodes for the subtree `shard` of a running parent: makes
 * each validator's keys, signs a `branch` of `shard` with `owner` for the parent's chain, submits
 * it to the parent and waits until its block holds it with outcome ok (a refusal, such as
 * OWNER_DENIED or SHARDED_PATH, is thrown with its code and nothing is written), derives the
 * child's genesis from that tx alone (shardGenesisOf: the bytes the parent recorded the hash of),
 * and writes `branch.json` and `n1 … nN` as `initNetwork` does, each config running the child
 * chain (the parent's chain id, `shard`, the rules' block interval, its own log or the shard's
 * Kafka topic, and peers) and
 * naming the parents to report to. Everything is checked before the branch is sent.
 * @example await initShard({ dir: 'x', shard: '/apps/x', validators: 3, parents: ['http://127.0.0.1:8080'], owner }) // then: ain node --data x/n1
 */
export async function initShard({
  dir,
  shard,
  validators,
  parents,
  owner,
  rules = defaultShardRules,
  stake = '100',
  log = { kind: 'file' },
  basePort = defaultBasePort,
  waitMs = 60_000,
  newKey = generateKeyPair,
}: InitShardParameters): Promise<InitShardReturnType> {
  checkParameters(validators, basePort);
  checkShardInput({ shard, parents, rules, stake, log });
  await checkEmptyDir(dir);
  const made = await newNodes({ dir, validators, basePort, newKey });
  const parent = await firstParent(parents);
  const urls = parents.map((url) => url.replace(/\/$/, ''));
  const shardFields = { shard, block: { intervalMs: rules.blockIntervalMs }, parent: { urls } };
  const time = Date.now();
  const nonce = nextNonce({ ledgerNonce: await ledgerNonceOf(parent.url, owner.address), timeMs: time, address: owner.address });
  const op = { type: 'branch' as const, path: shard, validators: made.keys.map((key) => ({ address: key.address, stake })), rules };
  const tx = signTx({ key: owner, op, nonce, time, chain: parent.chain, shard: parent.shard });
  // The child's genesis follows from the tx alone, and names its Kafka topic: known before it is sent.
  const genesis = shardGenesisOf(tx);
  const genesisHash = genesisHashOf(genesis);
  const { topic, logConfig } = sharedLogOf(log, parent.chain, shard, genesisHash);
  const configs = made.nodes.map((_, i) => nodeConfigOf(i, made.nodes, { chain: parent.chain, log: logConfig, shard: shardFields }));

  const landed = await submitBranch(parent.url, tx, waitMs);
  const recorded = await callNode<{ genesis: string }>(parent.url, 'GET', `/v1/shards${shard}`);
  if (recorded.genesis !== genesisHash) {
    throw new AinError('BAD_GENESIS', `The parent recorded genesis ${recorded.genesis} for ${shard}, but the branch tx ${landed.hash} derives ${genesisHash}.`);
  }

  await mkdir(dir, { recursive: true });
  const file = join(dir, branchFileName);
  await writeNewFile(file, JSON.stringify(tx, null, 2) + '\n');
  await writeNodes(made, genesis, configs);
  return {
    dir,
    chain: parent.chain,
    shard,
    genesisHash,
    branch: { hash: landed.hash, height: landed.height, file },
    parents: urls,
    owner: { address: owner.address },
    nodes: made.nodes,
    ...(topic === undefined ? {} : { topic }),
  };
}
