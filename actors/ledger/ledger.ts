import { canonicalBytes, sha256Hex } from '../../log/index.ts';
import { jobWindowsOf, type JobWindows } from '../job/index.ts';
import { AinError, Genesis, fromZodError, safeParse, type GenesisInput } from '../../schemas/index.ts';
import {
  accountPath,
  bandwidthRulesOf,
  consensusPath,
  createStateTree,
  stakersMax,
  writeFinalized,
  writeGenesisOffers,
  writeGenesisValidators,
  writeSupply,
  type BandwidthRules,
  type StateTree,
} from '../../projections/index.ts';
import { startValidatorPriorities } from './validatorPriorities.ts';

/**
 * The ledger's state between blocks: the state tree (which also holds balances, nonces, validator
 * sets and finality under `/accounts` and `/consensus`) and the chain's constants. `applyBlock`
 * takes it over and changes it in place; a node keeps one, an audit builds its own.
 */
export interface Ledger {
  readonly genesis: Genesis;
  readonly genesisHash: string;
  readonly proposers: ReadonlySet<string>;
  readonly tree: StateTree;
  /** The job protocol's windows (claim, rank, resolve), challenge limit and longest time limit, from the genesis. */
  readonly jobWindows: JobWindows;
  /** Each address's tx budget per window (projections/accounts/bandwidth.ts), from the genesis; null: no budgets. */
  readonly bandwidth: BandwidthRules | null;
  /** Height of the last block applied (0 at genesis). */
  height: number;
}

/** Validates a genesis document; BAD_GENESIS names the field. */
export function parseGenesis(input: unknown): Genesis {
  const parsed = safeParse(Genesis, input);
  if (!parsed.success) {
    const error = fromZodError(parsed.error, 'genesis');
    throw new AinError('BAD_GENESIS', error.message, { cause: error });
  }
  const genesis = parsed.data;
  const stakers = Object.values(genesis.accounts).filter((a) => BigInt(a.stake) > 0n).length;
  if (stakers === 0) {
    throw new AinError('BAD_GENESIS', 'genesis: no account has stake, so no block could ever be final; give at least one validator a stake.');
  }
  if (stakers > stakersMax) {
    throw new AinError('BAD_GENESIS', `genesis: ${stakers} accounts have stake, more than the ${stakersMax} stakes the ledger keeps; stake fewer.`);
  }
  // The genesis hash is over its canonical JSON, which a string with a lone surrogate does not have.
  try {
    canonicalBytes(genesis);
  } catch (cause) {
    throw new AinError(
      'BAD_GENESIS',
      'genesis: a string in it is not well-formed Unicode (a lone surrogate), so it has no canonical JSON and no hash; write each string as whole characters.',
      { cause },
    );
  }
  return genesis;
}

/**
 * A genesis file's text, validated: BAD_GENESIS says the file is not JSON (and where), or names
 * the field at fault. One wording for every reader of a genesis file (a node, an audit, ain net add).
 */
export function parseGenesisText(text: string, file: string): Genesis {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AinError('BAD_GENESIS', `The genesis file ${file} is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
  return parseGenesis(json);
}

/** SHA-256 of the genesis's canonical JSON: block 1's prevHash. */
export function genesisHashOf(genesis: Genesis): string {
  return sha256Hex(canonicalBytes(genesis));
}

/**
 * The ledger at height 0.
 * @example const ledger = createLedger(parseGenesis(JSON.parse(text)))
 */
export function createLedger(genesis: Genesis): Ledger {
  const tree = createStateTree({ owner: genesis.owner, rules: genesis.rules });
  const genesisHash = genesisHashOf(genesis);
  let supply = 0n;
  const stakes = new Map<string, bigint>();
  for (const address of Object.keys(genesis.accounts).sort()) {
    const { balance, stake } = genesis.accounts[address]!;
    tree.writeSystem(accountPath(address), { balance, stake, unbonding: '0', nonce: 0 });
    supply += BigInt(balance) + BigInt(stake);
    if (BigInt(stake) > 0n) stakes.set(address, BigInt(stake));
  }
  writeSupply(tree, supply);
  writeGenesisValidators(tree, stakes);
  startValidatorPriorities(tree);
  if (genesis.storage !== undefined) writeGenesisOffers(tree, genesis.storage.providers);
  writeFinalized(tree, { height: 0, hash: genesisHash });
  tree.writeSystem(`${consensusPath}/chain`, { chain: genesis.chain, shard: genesis.shard, genesis: genesisHash });
  return ledgerOf(genesis, genesisHash, tree, 0);
}

/** A ledger of `genesis` whose state is `tree` at `height`, with the chain's constants read from the genesis once. */
export function ledgerOf(genesis: Genesis, genesisHash: string, tree: StateTree, height: number): Ledger {
  return { genesis, genesisHash, proposers: new Set(genesis.proposers), tree, jobWindows: jobWindowsOf(genesis), bandwidth: bandwidthRulesOf(genesis), height };
}

/**
 * What a dev genesis's nodes sell of their Big Storage: 64 GiB at once, at 1000 AIN per GiB-day
 * (16 MiB for a day: 16 AIN).
 */
export const devStorageOffer = { price: '1000', bytesMax: 64 * 2 ** 30 } as const;

/**
 * The bandwidth of a dev or network genesis: per minute of block time, 120 txs for any address
 * and one more per 1000 AIN it holds or stakes (the network's owner, with 10^9 AIN, a million).
 */
export const devBandwidth = { windowMs: 60_000, free: 120, ainPerTx: '1000' } as const;

/**
 * A one-node development genesis: `address` owns `/`, is the only proposer and validator, holds
 * the supply and sells Big Storage (`devStorageOffer`); its txs are budgeted by `devBandwidth`.
 */
export function devGenesis(address: string, options: { chain: string; shard?: string; maxTxs?: number; maxBytes?: number; unbondingMs?: number }): Genesis {
  const input: GenesisInput = {
    chain: options.chain,
    shard: options.shard ?? '/',
    owner: address,
    accounts: { [address]: { balance: '1000000000', stake: '1000000' } },
    proposers: [address],
    block: { maxTxs: options.maxTxs ?? 10_000, maxBytes: options.maxBytes ?? 8 * 1024 * 1024 },
    unbondingMs: options.unbondingMs ?? 60_000,
    storage: { providers: { [address]: devStorageOffer } },
    bandwidth: devBandwidth,
  };
  return parseGenesis(input);
}

/** What each validator of a network genesis holds, and what its owner holds to fund the rest. */
export const networkStake = '1000000';
export const networkOwnerBalance = '1000000000';

/**
 * A genesis for a network of `validators`, each with an equal stake and each a proposer (the
 * order given: the first also signs blocks closed by size) and a Big Storage provider
 * (`devStorageOffer`), txs budgeted by `devBandwidth`; `owner` owns `/` and holds the spendable supply. Every node of the network starts from these same bytes.
 * @example networkGenesis([a, b, c], { chain: 'ain-local', owner })
 */
export function networkGenesis(
  validators: readonly string[],
  options: { chain: string; owner: string; shard?: string; maxTxs?: number; maxBytes?: number; unbondingMs?: number },
): Genesis {
  if (new Set(validators).size !== validators.length) throw new AinError('BAD_GENESIS', 'genesis: a validator is listed twice; each needs its own key.');
  const accounts: Record<string, { balance: string; stake: string }> = {};
  for (const address of validators) accounts[address] = { balance: '0', stake: networkStake };
  const ownerAccount = accounts[options.owner];
  accounts[options.owner] = { balance: networkOwnerBalance, stake: ownerAccount?.stake ?? '0' };
  const input: GenesisInput = {
    chain: options.chain,
    shard: options.shard ?? '/',
    owner: options.owner,
    accounts,
    proposers: [...validators],
    block: { maxTxs: options.maxTxs ?? 10_000, maxBytes: options.maxBytes ?? 8 * 1024 * 1024 },
    unbondingMs: options.unbondingMs ?? 60_000,
    storage: { providers: Object.fromEntries(validators.map((address) => [address, devStorageOffer])) },
    bandwidth: devBandwidth,
  };
  return parseGenesis(input);
}
