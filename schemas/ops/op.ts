import { z } from 'zod';
import { chainOps } from './chainOps.ts';
import { jobOps } from './jobOps.ts';
import { moneyOps } from './moneyOps.ts';
import { stateOps } from './stateOps.ts';
import { storageOps } from './storageOps.ts';

/** Every op of the tx catalogue (DESIGN.md, "Transactions"), told apart by `type`. */
export const Op = z.discriminatedUnion('type', [
  ...stateOps,
  ...moneyOps,
  ...jobOps,
  ...chainOps,
  ...storageOps,
]);
export type Op = z.infer<typeof Op>;
export type OpType = Op['type'];
export type OpOf<T extends OpType> = Extract<Op, { type: T }>;

export const opTypes: readonly OpType[] = Op.options.map((o) => o.shape.type.value);
