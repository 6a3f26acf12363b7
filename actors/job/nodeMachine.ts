import { assign, setup } from 'xstate';
import type { OpOf } from '../../schemas/index.ts';

export type NodeRole = 'admin' | 'evaluator' | 'worker';

/** A node's standing in one job schema; plain JSON, persisted in the state tree. */
export interface NodeContext {
  readonly job: string;
  readonly node: string;
  readonly role: NodeRole;
  readonly appliedAt: number;
  /** The approving admin: the node's parent in the reputation tree (null for the job's own admin). */
  readonly parent: string | null;
  readonly approvedAt: number | null;
  readonly droppedAt: number | null;
  /** What its machine offers (cpu, memory_mb, gpu, storage_mb), as its agent reported it in applyJob; absent when it did not. */
  readonly machine?: NonNullable<OpOf<'applyJob'>['machine']>;
  /** The least reward its agent takes a request for, as it reported it in applyJob; absent when it did not. */
  readonly minReward?: string;
}

export type NodeMachineEvent =
  { readonly type: 'approve'; readonly by: string | null; readonly time: number } | { readonly type: 'drop'; readonly time: number };

/**
 * A node's lifecycle in one job (architecture paper §2.2.3): it applies for a role, an approved
 * admin approves it (and becomes its parent), and it may be dropped, after which it can no longer
 * accept requests of that job. Folded by the ledger as XState's pure `transition` steps it
 * (flatMachine.ts).
 */
export const nodeMachine = setup({
  types: {
    context: {} as NodeContext,
    events: {} as NodeMachineEvent,
    input: {} as Pick<NodeContext, 'job' | 'node' | 'role' | 'appliedAt' | 'machine' | 'minReward'>,
  },
  actions: {
    approved: assign(({ event }) => (event.type === 'approve' ? { parent: event.by, approvedAt: event.time } : {})),
    dropped: assign({ droppedAt: ({ event }) => event.time }),
  },
}).createMachine({
  id: 'node',
  initial: 'applied',
  context: ({ input }) => ({ ...input, parent: null, approvedAt: null, droppedAt: null }),
  states: {
    applied: { on: { approve: { target: 'approved', actions: 'approved' }, drop: { target: 'dropped', actions: 'dropped' } } },
    approved: { on: { drop: { target: 'dropped', actions: 'dropped' } } },
    dropped: { type: 'final' },
  },
});

export type NodeState = 'applied' | 'approved' | 'dropped';
