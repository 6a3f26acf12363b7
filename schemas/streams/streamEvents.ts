import { z } from 'zod';
import { BlockHeader, Finalized } from '../block/index.ts';
import { Round, VoteKind, VotingPower } from '../consensus/index.ts';
import { RunEvent } from '../exec/index.ts';
import { FunctionSpec } from '../ops/index.ts';
import { Address, Amount, Hash, JsonValue, StatePath, TimeMs, Uint } from '../primitives/index.ts';
import { JobDashboardView, NodeDashboard } from './dashboard.ts';
import { JobEvent, type JobEventType } from './jobEvent.ts';
import { ReputationEntry } from './reputation.ts';
import { ShardEvent } from './shardEvent.ts';

// The `data:` of each event kind of `GET /v1/streams/<name>` (docs/api.md, "Streams"). The node
// builds its events with these types and a client may check what it reads against them.

const height = Uint.min(1);

/** A function whose path a write touched, with what it saw: for the agents that run it. */
export const FiredTrigger = z.strictObject({
  /** The path that was written. */
  path: StatePath,
  /** The function's path pattern, and what its `$variables` matched. */
  functionPath: StatePath,
  params: z.record(z.string(), z.string()),
  functionId: z.string(),
  function: FunctionSpec,
  before: JsonValue,
  after: JsonValue,
  auth: Address.nullable(),
  height,
  time: TimeMs,
});
export type FiredTrigger = z.infer<typeof FiredTrigger>;

/** `blocks`: each block, with counts of its txs and job events. */
export const BlockEvent = z.strictObject({ height, hash: Hash, header: BlockHeader, txs: Uint, finalized: Finalized, jobEvents: Uint });
export type BlockEvent = z.infer<typeof BlockEvent>;

/** `finality`: the final block, at each block that moved it. */
export const FinalityEvent = z.strictObject({ height, finalized: Finalized });
export type FinalityEvent = z.infer<typeof FinalityEvent>;

/** `jobs`, `jobs/<job or request id>`: the block's job events, all or those of one job or request. */
export const JobsEvent = z.strictObject({ height, events: z.array(JobEvent).min(1).readonly() });
export type JobsEvent = z.infer<typeof JobsEvent>;

/** The job events the `nodes` stream carries: registrations, applications, approvals and drops. */
export const nodeEventTypes: ReadonlySet<JobEventType> = new Set(['jobRegistered', 'nodeApplied', 'nodeApproved', 'nodeDropped']);

/**
 * `requests/<id>` (besides its `jobs` events): what one of the request's workers reported of its
 * run while it runs — a progress fraction or a stderr line — as the worker posted it to this node
 * (`POST /v1/requests/<id>/progress`). Live only: the ledger does not keep it; `height` is the
 * node's latest block when it came, so a resume replays the job events after it.
 */
export const ProgressEvent = z.strictObject({
  request: Hash,
  worker: Address,
  event: RunEvent,
  height: Uint,
});
export type ProgressEvent = z.infer<typeof ProgressEvent>;

/** `nodes`: the block's registrations, applications, approvals and drops. */
export const NodesEvent = JobsEvent.refine((e) => e.events.every((event) => nodeEventTypes.has(event.type)), {
  message: 'the nodes stream carries jobRegistered, nodeApplied, nodeApproved and nodeDropped events only',
});
export type NodesEvent = z.infer<typeof NodesEvent>;

/** `shards`, `shards/<path>`: the block's shard events, all or those of one shard. */
export const ShardsEvent = z.strictObject({ height, events: z.array(ShardEvent).min(1).readonly() });
export type ShardsEvent = z.infer<typeof ShardsEvent>;

/** `reputation`, `reputation/<address>`: each (job, node) entry the block changed, after it. */
export const ReputationEvent = z.strictObject({ height, entries: z.array(ReputationEntry).min(1).readonly() });
export type ReputationEvent = z.infer<typeof ReputationEvent>;

/** `dashboard`: the figures of each job and node the block changed. */
export const DashboardEvent = z.strictObject({ height, jobs: z.record(Hash, JobDashboardView), nodes: z.record(Address, NodeDashboard) });
export type DashboardEvent = z.infer<typeof DashboardEvent>;

/** `triggers`: the functions the block's writes fired. */
export const TriggersEvent = z.strictObject({ height, triggers: z.array(FiredTrigger).min(1).readonly() });
export type TriggersEvent = z.infer<typeof TriggersEvent>;

/** The certificate of the previous block a block carried, as the ledger checked it. */
export const CommitView = z.strictObject({
  /** The block it decided, and the round it was decided in. */
  height,
  round: Round,
  /** The proposal hash precommitted (the `proposal` of that block's consensus event). */
  hash: Hash,
  /** The validators whose precommits it holds, in address order, with their voting power in the set of that height. */
  signers: z
    .array(z.strictObject({ address: Address, power: VotingPower }))
    .min(1)
    .readonly(),
  /** The signers' power together, and the set's: more than 2/3 of it. */
  power: Amount,
  total: Amount,
});
export type CommitView = z.infer<typeof CommitView>;

/**
 * `consensus`: every block's place in consensus: its proposer and time, `proposal` (the hash a
 * network's validators vote on for it), the certificate of the block before it that it carries
 * (null without one: block 1, a single node, a Kafka cluster), the validators its evidence
 * slashed (`attest`: two attestations of one height) and the voting power it changed, which the
 * set deciding the next height has (`after: "0"`: left the set).
 */
export const ConsensusEvent = z.strictObject({
  height,
  hash: Hash,
  time: TimeMs,
  proposer: Address,
  proposal: Hash,
  commit: CommitView.nullable(),
  evidence: z
    .array(z.strictObject({ address: Address, height, kind: z.union([VoteKind, z.literal('attest')]), round: Round.optional(), burned: Amount }))
    .readonly(),
  validators: z.array(z.strictObject({ address: Address, before: Amount, after: Amount })).readonly(),
});
export type ConsensusEvent = z.infer<typeof ConsensusEvent>;

/** `accounts/<address>`: the account now, then after each block that changed it (0 before the first block). */
export const AccountEvent = z.strictObject({ address: Address, balance: Amount, stake: Amount, unbonding: Amount, nonce: Uint, height: Uint });
export type AccountEvent = z.infer<typeof AccountEvent>;

/** `state/<path>`: the value at the path now, then after each block that changed it (null: nothing there). */
export const StateEvent = z.strictObject({ path: StatePath, value: JsonValue, height: Uint });
export type StateEvent = z.infer<typeof StateEvent>;

/** `error`: why the node ended the stream (SLOW_CONSUMER, SHUTTING_DOWN, RESULT_TOO_LARGE, …). */
export const StreamErrorEvent = z.strictObject({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type StreamErrorEvent = z.infer<typeof StreamErrorEvent>;

/** Each event kind's `data:` schema, by the SSE `event:` name. */
export const streamEventData = {
  block: BlockEvent,
  finality: FinalityEvent,
  jobs: JobsEvent,
  progress: ProgressEvent,
  nodes: NodesEvent,
  shards: ShardsEvent,
  reputation: ReputationEvent,
  dashboard: DashboardEvent,
  triggers: TriggersEvent,
  consensus: ConsensusEvent,
  account: AccountEvent,
  state: StateEvent,
  error: StreamErrorEvent,
} as const;
export type StreamEventName = keyof typeof streamEventData;
export type StreamEventDataOf<E extends StreamEventName> = z.output<(typeof streamEventData)[E]>;

/** One message of a stream: `id` is the block height it belongs to (SSE's event id), `event` its kind. */
export interface StreamEvent {
  readonly id: number;
  readonly event: string;
  readonly data: unknown;
}
