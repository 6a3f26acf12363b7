import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { KeyPair } from '../../log/index.ts';
import type { Genesis } from '../../schemas/index.ts';
import { createNodeSubmitter, getAccount, reserveStorageOn } from '../client/index.ts';
import { loadConfig } from '../config/index.ts';
import { createProcessRuntime } from '../exec/index.ts';
import { loadOrCreateKeyFile, readKeyFile } from '../keys/index.ts';
import { devGenesisOf, startNode } from '../node/index.ts';
import type { ExampleNetwork } from './exampleJob.ts';

/** An example's network, and how to end it (a node it started is stopped and its folder removed). */
export interface ExampleNetworkHandle extends ExampleNetwork {
  stop(): Promise<void>;
}

/** What the example keeps in the node's Big Storage: its data sets and round files, for an hour. */
const exampleStorage = { bytes: 64 * 1024 * 1024, ttlMs: 3_600_000 };

/** What the node's key sends the example's storage key, to pay for its room (3 AIN at the dev price). */
const storageFunds = '100';

/**
 * A one-node network of its own in a temp folder, as the tests start one: a dev node (its key owns
 * `/` and holds the supply) with 100 ms blocks; the example's storage key, funded by the node's
 * key, reserves room in its Big Storage; programs run in the process runtime. Its folder is removed when it stops, unless
 * it is `keepDir` (the node's data in `keepDir/node`, for an audit after). `jobs` sets the job
 * windows of the genesis it makes (the protocol's defaults otherwise: a request the client does not
 * accept settles a minute after it is ranked); a `keepDir` that holds a genesis already keeps it.
 */
export async function startExampleNode(
  say: (line: string) => void,
  options: { readonly keepDir?: string; readonly jobs?: Genesis['jobs'] } = {},
): Promise<ExampleNetworkHandle> {
  const dataDir = options.keepDir ?? (await mkdtemp(join(tmpdir(), 'ain-example-')));
  const removeDir = () => (options.keepDir === undefined ? rm(dataDir, { recursive: true, force: true }) : Promise.resolve());
  try {
    const storageKey = (await loadOrCreateKeyFile(join(dataDir, 'storage.key'))).key;
    const config = await loadConfig({ env: {}, flags: { dataDir: join(dataDir, 'node'), port: 0, verifyThreads: 1, block: { intervalMs: 100 } } });
    if (options.jobs !== undefined) {
      // The dev genesis the node would write itself, with these windows; a kept dir's chain keeps its own.
      await mkdir(config.dataDir, { recursive: true });
      const nodeKey = (await loadOrCreateKeyFile(join(config.dataDir, 'node.key'))).key;
      const genesis: Genesis = { ...devGenesisOf(nodeKey.address, config), jobs: options.jobs };
      await writeFile(join(config.dataDir, 'genesis.json'), JSON.stringify(genesis, null, 2) + '\n', { flag: 'wx' }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      });
    }
    const node = await startNode({ config, logger: pino({ level: 'silent' }) });
    try {
      await node.submit({ type: 'send', to: storageKey.address, amount: storageFunds });
      while ((await getAccount({ url: node.url }, { address: storageKey.address })).balance !== storageFunds) await new Promise((r) => setTimeout(r, 25));
      await reserveStorageOn({ nodeUrl: node.url, key: storageKey, ...exampleStorage });
    } catch (error) {
      await node.stop();
      throw error;
    }
    const execution = createProcessRuntime();
    say(`a one-node network of its own at ${node.url} (data in ${dataDir}${options.keepDir === undefined ? ', removed after' : ''})`);
    return {
      nodeUrl: node.url,
      fund: (op) => node.submit(op),
      storageKey,
      dataDir,
      execution,
      say,
      async stop() {
        await execution.close();
        await node.stop();
        await removeDir();
      },
    };
  } catch (error) {
    await removeDir();
    throw error;
  }
}

/**
 * A running network at `nodeUrl` (`ain up`'s): `key` (a key file) pays the example's keys and
 * stores its data, so it must hold AIN (it reserves its room in the node's Big Storage first), and
 * must not be a key the node signs with itself (their nonces would collide): `ain up`'s owner.key.
 */
export async function connectExampleNetwork(nodeUrl: string, keyFile: string, say: (line: string) => void): Promise<ExampleNetworkHandle> {
  const key: KeyPair = await readKeyFile(keyFile);
  say(`the network at ${nodeUrl}, paid by ${key.address}`);
  await reserveStorageOn({ nodeUrl, key, ...exampleStorage });
  const dataDir = await mkdtemp(join(tmpdir(), 'ain-example-'));
  const submitter = createNodeSubmitter({ nodeUrl, key });
  const execution = createProcessRuntime();
  return {
    nodeUrl,
    fund: (op) => submitter.submit(op),
    storageKey: key,
    dataDir,
    execution,
    say,
    async stop() {
      await execution.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
