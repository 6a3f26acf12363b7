import { z } from 'zod';
import { chainOps } from './chainOps.ts';
import { jobOps, type JobOp } from './jobOps.ts';
import { moneyOps } from './moneyOps.ts';
import { stateOps, type StateOp } from './stateOps.ts';
import { storageOps } from './storageOps.ts';

/** Every op of the tx catalogue (DESIGN.md, "Transactions"), told apart by `type`. */
export const Op = z.discriminatedUnion('type', [...stateOps, ...moneyOps, ...jobOps, ...chainOps, ...storageOps]);
export type Op = z.infer<typeof Op>;
export type OpType = Op['type'];
export type OpOf<T extends OpType> = Extract<Op, { type: T }>;

export const opTypes: readonly OpType[] = Op.options.map((o) => o.shape.type.value);

/** The `type` names of a group of op schemas, read off the schemas themselves. */
function typesOf(ops: readonly { readonly shape: { readonly type: { readonly value: string } } }[]): ReadonlySet<string> {
  return new Set(ops.map((o) => o.shape.type.value));
}

const stateOpTypes = typesOf(stateOps);
const jobOpTypes = typesOf(jobOps);

/** A state-tree op (`set_value` … `set`): the state tree folds it. */
export function isStateOp(op: Op): op is StateOp {
  return stateOpTypes.has(op.type);
}

/** A job-protocol op (`registerJob` … `rejectWorker`): the job machines fold it. */
export function isJobOp(op: Op): op is JobOp {
  return jobOpTypes.has(op.type);
}
