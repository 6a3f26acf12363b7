import { z } from 'zod';
import { Address, Amount } from '../primitives/index.ts';

export const SendOp = z.strictObject({ type: z.literal('send'), to: Address, amount: Amount });
export const StakeOp = z.strictObject({ type: z.literal('stake'), amount: Amount });
export const UnstakeOp = z.strictObject({ type: z.literal('unstake'), amount: Amount });

export const moneyOps = [SendOp, StakeOp, UnstakeOp] as const;
