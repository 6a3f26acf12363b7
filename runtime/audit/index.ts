export { auditLog, type AuditOptions, type AuditReport, type AuditSource, type Mismatch } from './audit.ts';
export { auditDataDir } from './auditDataDir.ts';
export { auditKafka, type AuditKafkaOptions } from './auditKafka.ts';
