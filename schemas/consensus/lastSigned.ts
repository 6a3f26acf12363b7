import { z } from 'zod';
import { Hash } from '../primitives/index.ts';
import { Height, Round, RoundOrNone } from './messages.ts';

/**
 * What a validator signed last, written to disk and synced before the signature leaves the node,
 * so a restarted validator never signs a conflicting message. It carries the lock too: the lock
 * changes only when a block is precommitted, a signing step, and a validator that forgot it after
 * a crash could prevote another block and help fork the chain.
 */
export const LastSigned = z
  .strictObject({
    height: Height,
    round: Round,
    step: z.enum(['propose', 'prevote', 'precommit']),
    /** The hash signed (nil votes: `null`; a proposal whose block the runtime built: its hash or `null`). */
    hash: Hash.nullable(),
    lockedRound: RoundOrNone,
    lockedHash: Hash.nullable(),
  })
  .refine((s) => (s.lockedHash === null) === (s.lockedRound === -1), {
    message: 'lockedHash and lockedRound are both set or both none (null and -1)',
    path: ['lockedHash'],
  })
  .refine((s) => s.lockedRound <= s.round, { message: 'the lock cannot be from a later round than the signature', path: ['lockedRound'] });
export type LastSigned = z.infer<typeof LastSigned>;
