import { join } from 'node:path';
import type { Logger } from 'pino';
import { openFileLog, openKafkaLog, type EventLog } from '../../log/index.ts';
import { AinError, isAinError, kafkaTopicOf, topicOfAnotherChain, type NodeConfig } from '../../schemas/index.ts';
import { markedGenesis } from './dataDirProtocol.ts';

/**
 * The node's event log as configured: the embedded file log, or a topic on Kafka shared by every
 * node of the chain (by default the one kafkaTopicOf names for the chain of `genesisHash`). The
 * topic is created on a node's first start; a data dir that ran this chain before (its marker
 * names the genesis) needs it to exist: a missing one is a typo in --topic or --brokers, or a topic
 * deleted, and creating it would only leave a stray topic behind the refusal that follows.
 */
export async function openNodeLog(config: NodeConfig, clientId: string, genesisHash: string, logger: Logger): Promise<EventLog> {
  const settings = config.log;
  if (settings.kind === 'kafka') {
    const topic = settings.topic ?? kafkaTopicOf(config.chain, config.shard, genesisHash);
    const otherChain = topicOfAnotherChain(topic, genesisHash);
    if (otherChain !== undefined) throw otherChain;
    const ranBefore = (await markedGenesis(config.dataDir)) === genesisHash;
    const log = await openKafkaLog({
      brokers: settings.brokers,
      topic,
      clientId,
      compression: settings.compression,
      appendRetryMs: settings.appendRetryMs,
      createTopic: ranBefore ? false : { replicationFactor: settings.replicationFactor, minInsyncReplicas: settings.minInsyncReplicas },
    }).catch((error: unknown) => {
      if (!isAinError(error, 'LOG_TOPIC_MISSING')) throw error;
      throw new AinError(
        'LOG_TOPIC_MISSING',
        `${error.message} The data dir ${config.dataDir} ran this chain on Kafka before, so the topic is not created: check --topic and --brokers. If the chain's topic is gone for good, so is the chain: start a new one (ain net init, or a new --data dir for one node).`,
        { details: { ...error.details, dataDir: config.dataDir }, cause: error },
      );
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
