/**
 * actors/: XState v5 machines (DESIGN.md, "Ledger machines" and "Agents and execution"), the
 * ledger fold that drives them, and the chain (chain/) that cuts the log into blocks and applies
 * them. The job protocol's request and node machines are in job/; explain/ says, from the ledger
 * and read models, why a request or job is where it is.
 */
export * from './ledger/index.ts';
export * from './chain/index.ts';
export * from './job/index.ts';
export * from './explain/index.ts';
export * from './shard/index.ts';
export * from './agents/index.ts';
export * from './consensus/index.ts';
