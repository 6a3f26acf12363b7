export { auditLog, type AuditOptions, type AuditReport, type AuditSource } from './audit.ts';
export { auditDataDir } from './auditDataDir.ts';
export { auditKafka, type AuditKafkaOptions } from './auditKafka.ts';
export { createMismatchList, type Mismatch, type MismatchList, type UnlistedMismatches } from './mismatchList.ts';
