import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readGenesis } from '../../../runtime/audit/auditDataDir.ts';
import { addNetworkNodes, initNetwork, loadConfig } from '../../../runtime/config/index.ts';
import { loadOrCreateGenesis } from '../../../runtime/node/genesisFile.ts';
import { isAinError } from '../../../schemas/index.ts';
import { tempDir } from '../mempool/fixtures.ts';

// Every reader of a genesis file (a node as it starts, an audit, ain net add) refuses a broken
// one in the same words: BAD_GENESIS, the file, and what is wrong with it.

test('a genesis file that is not JSON, or whose fields are wrong, is BAD_GENESIS in the same sentence from a node, an audit and ain net add', async (t) => {
  const dir = join(await tempDir(t), 'net');
  await initNetwork({ dir, validators: 2, basePort: 23_300 });
  const file = join(dir, 'n1', 'genesis.json');
  const config = await loadConfig({ file: join(dir, 'n1', 'config.json'), flags: { dataDir: join(dir, 'n1') } });
  const readers = [() => loadOrCreateGenesis(file, '0x' + '0'.repeat(40), config), () => readGenesis(file), () => addNetworkNodes({ dir })];
  for (const [text, said] of [
    ['{ "chain": ', `The genesis file ${file} is not valid JSON: `],
    ['{ "chain": 7 }', 'genesis field "chain": '],
  ] as const) {
    await writeFile(file, text);
    const messages: string[] = [];
    for (const read of readers) {
      const error = await t.throwsAsync(read());
      t.true(isAinError(error, 'BAD_GENESIS'), String(error));
      messages.push(error!.message);
    }
    t.true(messages[0]!.startsWith(said), messages[0]);
    t.deepEqual(messages, [messages[0], messages[0], messages[0]]);
  }
});
