import { txHashOf } from '../../log/index.ts';
import { AinError, type Genesis, type GenesisInput, type OpOf, type Tx } from '../../schemas/index.ts';
import { createLedger, parseGenesis } from './ledger.ts';

/** Block limits of a shard whose branch names none: a dev genesis's. */
const defaultShardBlock = { maxTxs: 10_000, maxBytes: 8 * 1024 * 1024 } as const;

/**
 * The genesis of the child chain a `branch` tx creates, from that tx alone, so the parent, every
 * child node and an audit derive the same bytes: the parent's chain id with `shard` the branched
 * path, the tx's time, its signer as owner of `/`, each validator with its stake (no balance) and
 * as a proposer in the order given, the rules' block limits, and `branch: { tx, rules }` (the
 * tx's hash keeps two branches of one path apart).
 * @example const genesis = shardGenesisOf(branchTx); genesisHashOf(genesis) // the child's block 1 prevHash
 */
export function shardGenesisOf(tx: Tx, hash: string = txHashOf(tx)): Genesis {
  const { op } = tx;
  if (op.type !== 'branch') throw new AinError('BAD_SCHEMA', `A shard's genesis comes from a branch tx, not a ${op.type} tx.`);
  const { validators, rules, path } = op as OpOf<'branch'>;
  const input: GenesisInput = {
    chain: tx.chain,
    shard: path,
    time: tx.time,
    owner: tx.from,
    accounts: Object.fromEntries(validators.map((v) => [v.address, { balance: '0', stake: v.stake }])),
    proposers: validators.map((v) => v.address),
    block: { maxTxs: rules.maxTxs ?? defaultShardBlock.maxTxs, maxBytes: rules.maxBytes ?? defaultShardBlock.maxBytes },
    branch: { tx: hash, rules },
  };
  return parseGenesis(input);
}

/**
 * The state root of a chain at height 0: what its block 1's proposal names as `lastRoot`.
 * @example genesisRootOf(shardGenesisOf(branchTx))
 */
export function genesisRootOf(genesis: Genesis): string {
  return createLedger(genesis).tree.root();
}
