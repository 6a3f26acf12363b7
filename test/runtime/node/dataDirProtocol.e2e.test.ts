import test from 'ava';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { encodeTxRecord, generateKeyPair, openFileLog, signTx } from '../../../log/index.ts';
import { auditDataDir } from '../../../runtime/audit/index.ts';
import { startUpNetwork } from '../../../runtime/cli/upNetwork.ts';
import { initNetwork, loadConfig } from '../../../runtime/config/index.ts';
import { checkDataDirProtocol, dataDirProtocol, markDataDir, protocolFileName, startNode } from '../../../runtime/node/index.ts';
import { devGenesis, genesisHashOf } from '../../../actors/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { tempDir } from '../mempool/fixtures.ts';

// Every data dir names the protocol its chain was made under (protocol.json, written when a node
// first opens it with an empty log): a node, and an audit, refuse a chain of another protocol
// whatever else the data dir lost, instead of replaying it to mismatches at every certificate.

const silent = pino({ level: 'silent' });
const markerOf = async (dir: string) => JSON.parse(await readFile(join(dir, protocolFileName), 'utf8')) as unknown;

test('a new data dir gets the marker; one without it whose log holds records, or of an earlier or later protocol, is refused with a code and a sentence', async (t) => {
  const fresh = await tempDir(t);
  t.false(await checkDataDirProtocol({ dataDir: fresh, ownLogHasRecords: false }), 'new: to be marked');
  await t.throwsAsync(readFile(join(fresh, protocolFileName)), undefined, 'the check writes nothing (an audit, ain up)');
  const genesis = 'ab'.repeat(32);
  await markDataDir(fresh, genesis);
  t.deepEqual(await markerOf(fresh), { protocol: dataDirProtocol, genesis });
  t.true(await checkDataDirProtocol({ dataDir: fresh, ownLogHasRecords: true }), 'marked: its records are of this protocol');
  t.true(await checkDataDirProtocol({ dataDir: fresh, genesis, ownLogHasRecords: true }), 'and of this genesis');

  const unmarked = await tempDir(t);
  const old = await t.throwsAsync(checkDataDirProtocol({ dataDir: unmarked, ownLogHasRecords: true }));
  t.true(isAinError(old, 'DATA_DIR_OLD'));
  t.regex(old!.message, /2 or earlier.*do not sign the chain’s genesis.*cannot continue it.*Start a new chain/);
  // The marker deleted from a dir this version made looks the same: the message says how to put it back.
  const deleted = await t.throwsAsync(checkDataDirProtocol({ dataDir: unmarked, genesis, ownLogHasRecords: true }));
  t.regex(
    deleted!.message,
    new RegExp(
      `Unless .*protocol\\.json was deleted from a data dir this version made: then write \\{"protocol":${dataDirProtocol},"genesis":"${genesis}"\\} to it again\\.$`,
    ),
  );
  await t.throwsAsync(readFile(join(unmarked, protocolFileName)), undefined, 'nothing written on a refusal');

  for (const [protocol, code, pattern] of [
    [1, 'DATA_DIR_OLD', /protocol 1\), in which its block headers have no recordsRoot/],
    [2, 'DATA_DIR_OLD', /protocol 2\), in which its votes and attestations do not sign the chain’s genesis/],
    [dataDirProtocol + 1, 'DATA_DIR_NEWER', /later ain \(protocol 4; this one runs 3\): run that version/],
  ] as const) {
    const dir = await tempDir(t);
    await writeFile(join(dir, protocolFileName), JSON.stringify({ protocol }));
    const error = await t.throwsAsync(checkDataDirProtocol({ dataDir: dir, ownLogHasRecords: false }));
    t.true(isAinError(error, code), `protocol ${protocol}`);
    t.regex(error!.message, pattern);
  }
  const garbled = await tempDir(t);
  await writeFile(join(garbled, protocolFileName), '{"protocol":');
  const bad = await t.throwsAsync(checkDataDirProtocol({ dataDir: garbled, ownLogHasRecords: false }));
  t.true(isAinError(bad, 'BAD_CONFIG'));
  t.regex(bad!.message, /protocol\.json does not say which protocol.*not JSON/);
});

test('a marker names the genesis of the chain its log holds: records of another genesis are refused (GENESIS_MISMATCH), an empty log is marked again, a marker from before it named one is taken', async (t) => {
  const [held, given] = ['ab'.repeat(32), 'cd'.repeat(32)];
  const dir = await tempDir(t);
  await markDataDir(dir, held);
  const mismatch = await t.throwsAsync(checkDataDirProtocol({ dataDir: dir, genesis: given, ownLogHasRecords: true }));
  t.true(isAinError(mismatch, 'GENESIS_MISMATCH'), String(mismatch));
  t.regex(
    mismatch!.message,
    /holds the chain of genesis abababababababab…, not of the genesis given \(cdcdcdcdcdcdcdcd…\): give that chain's genesis file, or a new --data dir/,
  );
  t.deepEqual(await markerOf(dir), { protocol: dataDirProtocol, genesis: held }, 'nothing written on a refusal');
  // A network relaunched on a new genesis, its logs wiped and its dirs kept: marked again, for the new one.
  t.false(await checkDataDirProtocol({ dataDir: dir, genesis: given, ownLogHasRecords: false }));
  // Written before markers named a genesis: which chain its records are of is not known, so it is neither refused nor rewritten.
  const legacy = await tempDir(t);
  await writeFile(join(legacy, protocolFileName), JSON.stringify({ protocol: dataDirProtocol }));
  t.true(await checkDataDirProtocol({ dataDir: legacy, genesis: given, ownLogHasRecords: true }));
  t.false(await checkDataDirProtocol({ dataDir: legacy, genesis: given, ownLogHasRecords: false }), 'with an empty log it is marked, with the genesis');
});

test('a node marks its data dir at its first start; with the marker gone (and its history, as an old data dir would have it) it refuses to start, and an audit says why', async (t) => {
  t.timeout(60_000); // a bound on two node starts and stops on a loaded CI machine, not a wait: each step awaits its event
  const dataDir = await tempDir(t);
  const config = await loadConfig({ flags: { dataDir, port: 0, block: { intervalMs: 50 } } });
  const node = await startNode({ config, logger: silent });
  const key = generateKeyPair();
  const tx = signTx({ key, op: { type: 'set_value', path: '/apps/p/x', value: 1 }, nonce: 1, time: 1, chain: config.chain });
  const answer = await fetch(`${node.url}/v1/tx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) });
  t.is(answer.status, 202);
  await node.stop();
  t.deepEqual(await markerOf(dataDir), { protocol: dataDirProtocol, genesis: genesisHashOf(node.genesis) });

  // Given another chain's genesis (another dev genesis: another owner), the node and an audit say whose chain the log holds.
  const otherGenesis = join(await tempDir(t), 'genesis.json');
  await writeFile(otherGenesis, JSON.stringify(devGenesis(generateKeyPair().address, { chain: config.chain })));
  const wrong = await t.throwsAsync(startNode({ config: await loadConfig({ flags: { dataDir, port: 0, genesis: otherGenesis } }), logger: silent }));
  t.true(isAinError(wrong, 'GENESIS_MISMATCH'), String(wrong));
  const wrongAudit = await t.throwsAsync(auditDataDir({ dataDir, genesisFile: otherGenesis, threads: 1 }));
  t.true(isAinError(wrongAudit, 'GENESIS_MISMATCH'), String(wrongAudit));
  const nowhere = await t.throwsAsync(auditDataDir({ dataDir: join(dataDir, 'no-such-dir'), threads: 1 }));
  t.true(isAinError(nowhere, 'NOT_FOUND') && /There is no data dir at/.test(nowhere!.message), String(nowhere));

  await rm(join(dataDir, protocolFileName));
  await rm(join(dataDir, 'history'), { recursive: true, force: true });
  const refused = await t.throwsAsync(startNode({ config, logger: silent }));
  t.true(isAinError(refused, 'DATA_DIR_OLD'), String(refused));
  const audited = await t.throwsAsync(auditDataDir({ dataDir, threads: 1 }));
  t.true(isAinError(audited, 'DATA_DIR_OLD'), String(audited));

  // Its marker back, it starts as before.
  await writeFile(join(dataDir, protocolFileName), JSON.stringify({ protocol: dataDirProtocol }));
  const again = await startNode({ config, logger: silent });
  await again.stop();
  t.pass();
});

test('ain up does not resume a network an earlier or later ain made: it says so, and what to do, before starting a node', async (t) => {
  const dir = join(await tempDir(t), 'up-net');
  await initNetwork({ dir, validators: 2, basePort: 20_500 });
  // Node 1's log holds records and its data dir no marker: an earlier ain's network.
  const log = await openFileLog({ dir: join(dir, 'n1', 'log') });
  await log.append([encodeTxRecord(signTx({ key: generateKeyPair(), op: { type: 'set_value', path: '/apps/p/x', value: 1 }, nonce: 1, time: 1 }))]);
  await log.close();
  const old = await t.throwsAsync(startUpNetwork({ dir, validators: 2, port: 0 }));
  t.true(isAinError(old, 'DATA_DIR_OLD'), String(old));
  t.regex(old!.message, /holds a network this ain cannot resume: .*n1 was made by an earlier ain .*Move it away \(mv .*up-net .*up-net\.old\)/);
  await writeFile(join(dir, 'n1', protocolFileName), JSON.stringify({ protocol: dataDirProtocol }));
  await writeFile(join(dir, 'n2', protocolFileName), JSON.stringify({ protocol: dataDirProtocol + 1 }));
  const newer = await t.throwsAsync(startUpNetwork({ dir, validators: 2, port: 0 }));
  t.true(isAinError(newer, 'DATA_DIR_NEWER'), String(newer));
  t.regex(newer!.message, /n2 was made by a later ain \(protocol 4; this one runs 3\)/);
});
