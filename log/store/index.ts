export type { EventLog, FollowOptions, LogRecord, ReadOptions } from './eventLog.ts';
export { createMemoryLog } from './memoryLog.ts';
export { defaultFsyncPolicy, openFileLog, type FileLog, type FileLogOptions } from './fileLog.ts';
export { openFileLogReader, type FileLogReader } from './fileLogReader.ts';
export type { RecoveryReport } from './recovery.ts';
export { observeLog } from './observeLog.ts';
export { openKafkaLog, type KafkaLogOptions } from './kafkaLog.ts';
