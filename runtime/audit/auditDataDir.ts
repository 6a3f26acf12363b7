import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { genesisHashOf, parseGenesisText } from '../../actors/index.ts';
import { openFileLogReader } from '../../log/index.ts';
import { AinError, isAinError } from '../../schemas/index.ts';
import { createVerifyPool } from '../ingest/index.ts';
import { checkDataDirProtocol, createSnapshotStore, type NodeSnapshot } from '../node/index.ts';
import { auditLog, type AuditOptions, type AuditReport } from './audit.ts';

export interface AuditDataDirOptions {
  readonly dataDir: string;
  /** Default `<dataDir>/genesis.json`. */
  readonly genesisFile?: string;
  readonly threads?: number;
  readonly onProgress?: AuditOptions['onProgress'];
}

export async function readGenesis(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new AinError(
      'BAD_GENESIS',
      `The genesis file ${file} cannot be read (${(cause as NodeJS.ErrnoException).code}); an audit replays from the chain's genesis.`,
      { cause },
    );
  }
  return parseGenesisText(text, file);
}

/** Snapshots that parse; one that does not is itself a mismatch the report names. */
export async function readSnapshots(dataDir: string): Promise<{ snapshots: NodeSnapshot[]; unreadable: string[] }> {
  const store = createSnapshotStore(join(dataDir, 'snapshots'));
  const snapshots: NodeSnapshot[] = [];
  const unreadable: string[] = [];
  for (const height of await store.heights()) {
    try {
      snapshots.push(await store.read(height));
    } catch (error) {
      unreadable.push(`The snapshot at height ${height} cannot be read: ${(error as Error).message}.`);
    }
  }
  return { snapshots, unreadable };
}

/**
 * `ain audit --data DIR`: replays a node's file log (read only, without its lock) from its genesis
 * on every core and compares with the attestations in the log and the node's snapshots.
 */
export async function auditDataDir({ dataDir, genesisFile, threads, onProgress }: AuditDataDirOptions): Promise<AuditReport> {
  const isDir = await stat(dataDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir)
    throw new AinError('NOT_FOUND', `There is no data dir at ${dataDir}: name a node's data dir (ain node --data's), or a chain on Kafka with --kafka H:P,….`);
  const genesis = await readGenesis(genesisFile ?? join(dataDir, 'genesis.json'));
  const { snapshots, unreadable } = await readSnapshots(dataDir);
  let reader;
  try {
    reader = await openFileLogReader(join(dataDir, 'log'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AinError('NOT_FOUND', `${dataDir} holds no log (${join(dataDir, 'log')}): name a node's data dir, or a chain on Kafka with --kafka H:P,….`);
    }
    if (!isAinError(error, 'LOG_CORRUPT')) throw error;
    return {
      ok: false,
      chain: genesis.chain,
      genesis: '',
      records: 0,
      blocks: 0,
      txs: 0,
      outcomes: {},
      finalized: { height: 0, hash: '' },
      stateRoot: '',
      attestations: 0,
      certificates: 0,
      snapshotsChecked: 0,
      mismatches: [{ kind: 'log', message: error.message }],
      unlisted: [],
    };
  }
  try {
    // An earlier protocol's chain, or another genesis's, replays to mismatches at every certificate: say what it is instead.
    await checkDataDirProtocol({ dataDir, genesis: genesisHashOf(genesis), ownLogHasRecords: reader.lastOffset() >= 0 });
  } catch (error) {
    await reader.close();
    throw error;
  }
  const pool = createVerifyPool({ threads });
  try {
    const report = await auditLog({ source: reader, genesis, snapshots, pool, strictRecords: true, onProgress });
    const extra = [
      ...unreadable.map((message) => ({ kind: 'snapshot' as const, message })),
      ...(reader.tornTail === undefined
        ? []
        : [
            {
              kind: 'log' as const,
              offset: reader.tornTail.offset,
              message: `The log ends in a damaged record at offset ${reader.tornTail.offset} (byte ${reader.tornTail.position} of ${reader.tornTail.segment}: ${reader.tornTail.reason}): a torn write the node would cut on restart, or tampering.`,
            },
          ]),
    ];
    return extra.length === 0 ? report : { ...report, ok: false, mismatches: [...extra, ...report.mismatches] };
  } finally {
    await pool.close();
    await reader.close();
  }
}
