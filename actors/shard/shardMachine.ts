import { assign, setup } from 'xstate';
import type { ShardCertificate, ShardRules, ShardRulesRecord, ShardValidator } from '../../schemas/index.ts';

/**
 * What the parent keeps of one reported child block: its hash (the next block's `prevHash`), the
 * proposal hash its certificate precommitted, its state root (the next block's `lastRoot`) and its
 * child block time. Height 0 is the child's genesis: its hash, no proposal, its state root.
 */
export interface ReportedHeader {
  readonly height: number;
  readonly hash: string;
  readonly proposal: string;
  readonly stateRoot: string;
  readonly time: number;
  /** Recorded on attestations (a shard on Kafka): they sign its hash, so its state root is certified already. */
  readonly attested?: true;
}

/**
 * Two certified proposals of one child height: the one the parent recorded first and the one
 * reported after, with the certificate of the one reported after. The child holds the certificate
 * of its own block, so its validators can match the two and commit the equivocations (a
 * validator's two precommits of one round) as evidence there.
 */
export interface ShardFork {
  readonly childHeight: number;
  readonly recorded: string;
  readonly reported: string;
  readonly certificate: ShardCertificate;
}

/** Everything the parent knows of a shard; plain JSON, persisted in the state tree. */
export interface ShardContext {
  readonly path: string;
  /** The chain id, the parent's and the child's. */
  readonly chain: string;
  /** The `branch` tx's hash and signer. */
  readonly tx: string;
  readonly owner: string;
  /** The child's genesis hash (block 1's prevHash). */
  readonly genesis: string;
  /** Who validates the child and with what stake (voting power there), as of the last recorded block's next height. */
  readonly validators: readonly ShardValidator[];
  readonly rules: ShardRules;
  /** The version of the child's rules record `validators` and `rules` come from; absent: the branch's (0). */
  readonly version?: number;
  /** A change of the child's rules a report proved, not in force at the recorded heights yet (it is from child height `from`). */
  readonly pending?: ShardRulesRecord;
  /** The child height from which `validators` hold (absent: 1, the branch's). */
  readonly since?: number;
  /** The sets before, each from its child height, the last few: what a fork's certificate of an older height is checked against. */
  readonly earlier?: readonly { readonly from: number; readonly validators: readonly ShardValidator[] }[];
  /** The parent block (height, time) the branch was applied in. */
  readonly branchedAt: { readonly height: number; readonly time: number };
  /** The last child block the parent recorded (height 0: the genesis). */
  readonly last: ReportedHeader;
  /** Parent block time of the last report, or null before the first. */
  readonly reportedAt: number | null;
  /** Parent block time at which the shard counts as stalled without a report; null when it cannot stall. */
  readonly deadline: number | null;
  readonly fork: ShardFork | null;
  readonly endedAt: number | null;
}

/** The part of a shard's context its rules changes move. */
export type ShardRulesState = Pick<ShardContext, 'validators' | 'rules' | 'version' | 'pending' | 'since' | 'earlier'>;

export type ShardInput = Pick<ShardContext, 'path' | 'chain' | 'tx' | 'owner' | 'genesis' | 'validators' | 'rules' | 'branchedAt' | 'last'>;

/** What the ledger fold sends a shard's machine; `time` is the parent block's. */
export type ShardMachineEvent =
  | {
      readonly type: 'report';
      readonly last: ReportedHeader;
      readonly time: number;
      /** The child's rules as of the report, when a proved change moved them. */
      readonly rules?: ShardRulesState;
    }
  | { readonly type: 'deadline'; readonly time: number }
  | { readonly type: 'fork'; readonly fork: ShardFork; readonly time: number }
  | { readonly type: 'close'; readonly time: number };

export type ShardState = 'branched' | 'reporting' | 'stalled' | 'forked' | 'ended';

/**
 * A shard's lifecycle as its parent sees it, drawn once and folded by the parent's ledger as
 * XState's pure `transition` steps it (actors/job/flatMachine.ts): branched → reporting while
 * reports come, stalled when a report period of parent block time passes without one (a report
 * brings it back), forked once two certified headers of one child height were reported (it takes
 * no more reports), ended when its owners close it. Who may send what is the fold's check.
 */
export const shardMachine = setup({
  types: { context: {} as ShardContext, events: {} as ShardMachineEvent, input: {} as ShardInput },
  actions: {
    recorded: assign(({ context, event }) => {
      if (event.type !== 'report') return {};
      const { reportPeriodMs } = (event.rules ?? context).rules;
      return { ...event.rules, last: event.last, reportedAt: event.time, deadline: event.time + reportPeriodMs };
    }),
    stalled: assign({ deadline: null }),
    forked: assign(({ event }) => (event.type === 'fork' ? { fork: event.fork, deadline: null } : {})),
    ended: assign(({ event }) => ({ endedAt: event.time, deadline: null })),
  },
}).createMachine({
  id: 'shard',
  initial: 'branched',
  // XState's pure transition() builds a throwaway actor without input: answer it cheaply.
  context: ({ input }) => ({
    ...input,
    reportedAt: null,
    deadline: input === undefined ? null : input.branchedAt.time + input.rules.reportPeriodMs,
    fork: null,
    endedAt: null,
  }),
  states: {
    branched: {
      on: {
        report: { target: 'reporting', actions: 'recorded' },
        deadline: { target: 'stalled', actions: 'stalled' },
        fork: { target: 'forked', actions: 'forked' },
        close: { target: 'ended', actions: 'ended' },
      },
    },
    reporting: {
      on: {
        report: { actions: 'recorded' },
        deadline: { target: 'stalled', actions: 'stalled' },
        fork: { target: 'forked', actions: 'forked' },
        close: { target: 'ended', actions: 'ended' },
      },
    },
    stalled: {
      on: {
        report: { target: 'reporting', actions: 'recorded' },
        fork: { target: 'forked', actions: 'forked' },
        close: { target: 'ended', actions: 'ended' },
      },
    },
    forked: { on: { close: { target: 'ended', actions: 'ended' } } },
    ended: { type: 'final' },
  },
});
