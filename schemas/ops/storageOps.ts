import { z } from 'zod';
import { Address, Uint } from '../primitives/index.ts';

export const ReserveStorageOp = z.strictObject({
  type: z.literal('reserveStorage'),
  space: Uint.min(1),
  ttl: Uint.min(1),
  acl: z.array(Address).max(256).optional(),
});

export const storageOps = [ReserveStorageOp] as const;
