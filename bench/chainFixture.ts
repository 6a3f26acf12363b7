import { join } from 'node:path';
import { openFileLog, encodeTxRecord } from '../log/index.ts';
import { loadOrCreateKeyFile } from '../runtime/keys/index.ts';
import { devGenesis, parseGenesis } from '../actors/index.ts';
import { writeFile } from 'node:fs/promises';
import { dataDirProtocol, protocolFileName } from '../runtime/node/index.ts';
import { makeKeys, makeTxs } from './txFixtures.ts';

const chunkTxs = 10_000;

/**
 * A node data dir whose log holds `txCount` signed set_value txs (1000 senders, each holding
 * the AIN its bandwidth needs for them; paths under /bench that the genesis lets anyone write), appended straight to the file log: what a node
 * would have after taking them in, without the time it takes. Blocks close by size (maxTxs).
 */
export async function writeChainFixture(dataDir: string, txCount: number, maxTxs = 10_000): Promise<void> {
  const { key } = await loadOrCreateKeyFile(join(dataDir, 'node.key'));
  const keys = makeKeys(1000);
  // Each sender holds AIN, as a real one sending this much would: its bandwidth (1000 AIN per tx a minute) covers its txs.
  const dev = devGenesis(key.address, { chain: 'ain-local', maxTxs });
  const funded = Object.fromEntries(keys.map((k) => [k.pair.address, { balance: String(BigInt(Math.ceil(txCount / keys.length)) * 1000n), stake: '0' }]));
  const genesis = parseGenesis({ ...dev, accounts: { ...dev.accounts, ...funded }, rules: { '/bench': true } });
  await writeFile(join(dataDir, 'genesis.json'), JSON.stringify(genesis));
  await writeFile(join(dataDir, protocolFileName), JSON.stringify({ protocol: dataDirProtocol })); // as a node marks the data dir it makes
  const log = await openFileLog({ dir: join(dataDir, 'log'), fsync: 'never' });
  try {
    for (let done = 0; done < txCount; done += chunkTxs) {
      const txs = makeTxs(Math.min(chunkTxs, txCount - done), keys);
      await log.append(txs.map((tx) => encodeTxRecord(tx)));
    }
  } finally {
    await log.close();
  }
}
