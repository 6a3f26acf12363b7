export type { EventLog, FollowOptions, LogOutage, LogRecord, ReadOptions } from './eventLog.ts';
export { createMemoryLog } from './memoryLog.ts';
export { defaultFsyncPolicy, openFileLog, type FileLog, type FileLogOptions } from './fileLog.ts';
export { openFileLogReader, type FileLogReader } from './fileLogReader.ts';
export type { RecoveryReport } from './recovery.ts';
export { observeLog } from './observeLog.ts';
export { acquireDirLock, type DirLock } from './lock.ts';
import type { EventLog } from './eventLog.ts';
import type { KafkaLogOptions } from './kafkaLog.ts';
export type { KafkaLogOptions } from './kafkaLog.ts';

/**
 * Opens the log on a Kafka topic (see kafkaLog.ts). kafkajs (some 140 modules) is loaded here, on
 * first use, so that a node on the embedded file log, and every CLI run, starts without it.
 */
export const openKafkaLog = async (options: KafkaLogOptions): Promise<EventLog> => (await import('./kafkaLog.ts')).openKafkaLog(options);
