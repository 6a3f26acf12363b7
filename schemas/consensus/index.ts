export * from './messages.ts';
export * from './lastSigned.ts';
export * from './validatorSet.ts';
export * from './proposedBlock.ts';
export * from './shardRules.ts';
