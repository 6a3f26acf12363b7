import { join } from 'node:path';
import { genesisHashOf } from '../../actors/index.ts';
import { openKafkaLog } from '../../log/index.ts';
import { AinError, kafkaTopicOf, topicOfAnotherChain } from '../../schemas/index.ts';
import { createVerifyPool } from '../ingest/index.ts';
import { checkDataDirProtocol } from '../node/index.ts';
import type { AuditOptions, AuditReport } from './audit.ts';
import { auditLog } from './audit.ts';
import { readGenesis, readSnapshots } from './auditDataDir.ts';

export interface AuditKafkaOptions {
  readonly brokers: string[];
  readonly topic?: string;
  /** A node's data dir: its genesis and snapshots. */
  readonly dataDir?: string;
  /** The chain's genesis file (default `<dataDir>/genesis.json`). */
  readonly genesisFile?: string;
  readonly threads?: number;
  readonly onProgress?: AuditOptions['onProgress'];
}

/**
 * `ain audit --kafka BROKERS`: replays a chain's topic from genesis. Anyone may write to a shared
 * topic, so records that fail their checks are outcomes (counted by code), not mismatches;
 * attestations and the node's snapshots (with `dataDir`) are compared as for a file log.
 */
export async function auditKafka({ brokers, topic, dataDir, genesisFile, threads, onProgress }: AuditKafkaOptions): Promise<AuditReport> {
  const file = genesisFile ?? (dataDir === undefined ? undefined : join(dataDir, 'genesis.json'));
  if (file === undefined) throw new AinError('BAD_GENESIS', 'An audit replays from the chain’s genesis: give --genesis FILE or --data DIR.');
  const genesis = await readGenesis(file);
  // A node on Kafka keeps no log in its data dir; its marker still says which protocol made the chain.
  if (dataDir !== undefined) await checkDataDirProtocol({ dataDir, ownLogHasRecords: false });
  const { snapshots, unreadable } = dataDir === undefined ? { snapshots: [], unreadable: [] } : await readSnapshots(dataDir);
  const genesisHash = genesisHashOf(genesis);
  const named = topic ?? kafkaTopicOf(genesis.chain, genesis.shard, genesisHash);
  const otherChain = topicOfAnotherChain(named, genesisHash);
  if (otherChain !== undefined) throw otherChain;
  const log = await openKafkaLog({
    brokers,
    topic: named,
    createTopic: false,
    clientId: 'ain-audit',
  });
  const pool = createVerifyPool({ threads });
  try {
    const report = await auditLog({ source: log, genesis, snapshots, pool, strictRecords: false, onProgress });
    return unreadable.length === 0
      ? report
      : { ...report, ok: false, mismatches: [...unreadable.map((message) => ({ kind: 'snapshot' as const, message })), ...report.mismatches] };
  } finally {
    await pool.close();
    await log.close();
  }
}
