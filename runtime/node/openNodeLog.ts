import { join } from 'node:path';
import type { Logger } from 'pino';
import { openFileLog, openKafkaLog, type EventLog } from '../../log/index.ts';
import { kafkaTopicOf, type NodeConfig } from '../../schemas/index.ts';

/**
 * The node's event log as configured: the embedded file log, or a topic on Kafka shared by every
 * node of the chain (by default the one kafkaTopicOf names for the chain of `genesisHash`).
 */
export async function openNodeLog(config: NodeConfig, clientId: string, genesisHash: string, logger: Logger): Promise<EventLog> {
  const settings = config.log;
  if (settings.kind === 'kafka') {
    const topic = settings.topic ?? kafkaTopicOf(config.chain, config.shard, genesisHash);
    const log = await openKafkaLog({
      brokers: settings.brokers,
      topic,
      clientId,
      compression: settings.compression,
      appendRetryMs: settings.appendRetryMs,
      createTopic: { replicationFactor: settings.replicationFactor, minInsyncReplicas: settings.minInsyncReplicas },
    });
    logger.info({ brokers: settings.brokers, topic, lastOffset: log.lastOffset() }, 'opened the Kafka log');
    return log;
  }
  return openFileLog({
    dir: join(config.dataDir, 'log'),
    fsync: settings.fsync,
    segmentBytes: settings.segmentBytes,
    onRecovery: (report) => logger.warn({ report }, 'log tail was torn by a crash and has been cut off'),
  });
}
