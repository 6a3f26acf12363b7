/**
 * actors/: XState v5 machines (DESIGN.md, "Ledger machines" and "Agents and execution").
 * Ledger machines (node, job, shard) are folded from log events with the pure transition API;
 * agent actors (worker, evaluator, client, proposer/validator) run live and act only by
 * submitting signed txs. They arrive with the job-protocol and agents issues; nothing is
 * exported yet.
 */
export {};
