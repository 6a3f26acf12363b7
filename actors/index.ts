/**
 * actors/: XState v5 machines (DESIGN.md, "Ledger machines" and "Agents and execution"), and the
 * ledger fold that drives them. Job, node and shard machines and the agent actors arrive with the
 * job-protocol and agents issues.
 */
export * from './ledger/index.ts';
