import { readFile } from 'node:fs/promises';
import { devGenesis, genesisHashOf, parseGenesisText } from '../../actors/index.ts';
import { AinError, type Genesis, type NodeConfig } from '../../schemas/index.ts';
import { writeFileAtomic } from '../files/index.ts';

export interface LoadedGenesis {
  readonly genesis: Genesis;
  readonly hash: string;
  /** A dev genesis was written because the data dir had none. */
  readonly created: boolean;
}

/** The one-node dev genesis a node writes for `address` where its data dir has none. */
export function devGenesisOf(address: string, config: NodeConfig): Genesis {
  return devGenesis(address, { chain: config.chain, shard: config.shard, maxTxs: config.block.maxTxs, maxBytes: config.block.maxBytes });
}

/**
 * The chain's genesis from `path`; when there is no file there and `create` (the data dir's own
 * genesis.json, not one the config names), a one-node dev genesis for `address` (owner of `/`,
 * only proposer and validator, holder of the supply) is written to it. A named file that is not
 * there is BAD_GENESIS: a typo in `--genesis` must not start a new chain.
 */
export async function loadOrCreateGenesis(path: string, address: string, config: NodeConfig, create = true): Promise<LoadedGenesis> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !create) {
      throw new AinError(
        'BAD_GENESIS',
        `The genesis file ${path} does not exist; a genesis named by --genesis (or the config's "genesis", AIN_GENESIS) is read, never written: check the path, or leave it out for the data dir's own genesis.json (a dev chain's, written at its first start).`,
        { cause: error },
      );
    }
    if (code !== 'ENOENT') {
      throw new AinError('BAD_GENESIS', `The genesis file ${path} cannot be read (${code}).`, { cause: error });
    }
    const genesis = devGenesisOf(address, config);
    await writeFileAtomic(path, JSON.stringify(genesis, null, 2) + '\n');
    return { genesis, hash: genesisHashOf(genesis), created: true };
  }
  const genesis = parseGenesisText(text, path);
  if (genesis.chain !== config.chain || genesis.shard !== config.shard) {
    throw new AinError(
      'BAD_GENESIS',
      `The genesis file ${path} is for chain "${genesis.chain}" shard "${genesis.shard}", but the node is configured for "${config.chain}" shard "${config.shard}".`,
    );
  }
  return { genesis, hash: genesisHashOf(genesis), created: false };
}
