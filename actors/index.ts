/**
 * actors/: XState v5 machines (DESIGN.md, "Ledger machines" and "Agents and execution"), and the
 * ledger fold that drives them. The job protocol's request and node machines are in job/;
 * shard machines and the agent actors arrive with their issues.
 */
export * from './ledger/index.ts';
export * from './job/index.ts';
export * from './agents/index.ts';
