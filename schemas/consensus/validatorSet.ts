import { z } from 'zod';
import { Address } from '../primitives/index.ts';
import { maxValidators } from './messages.ts';

/** Voting power: a positive whole number as a decimal string (stake; bigint in memory). */
export const VotingPower = z.string().regex(/^[1-9][0-9]{0,38}$/, {
  message: 'must be a positive whole number written as a decimal string, e.g. "10"',
});

/**
 * A proposer priority of CometBFT's weighted round robin: a whole number, possibly negative. It
 * stays within a few times the total power, which may exceed one validator's largest stake.
 */
export const ProposerPriority = z.string().regex(/^(0|-?[1-9][0-9]{0,44})$/, {
  message: 'must be a whole number written as a decimal string, e.g. "-3"',
});

export const ValidatorEntry = z.strictObject({ address: Address, power: VotingPower, priority: ProposerPriority });
export type ValidatorEntry = z.infer<typeof ValidatorEntry>;

/**
 * The validator set of one height with the proposer priorities of CometBFT's weighted round
 * robin, as plain JSON so it can live in the state tree: validators in ascending order of
 * address, and the proposer of round 0.
 */
export const ValidatorSet = z
  .strictObject({
    validators: z.array(ValidatorEntry).min(1).max(maxValidators),
    proposer: Address,
  })
  .refine((s) => s.validators.every((v, i) => i === 0 || s.validators[i - 1]!.address < v.address), {
    message: 'validators must be in strictly ascending order of address',
    path: ['validators'],
  })
  .refine((s) => s.validators.some((v) => v.address === s.proposer), { message: 'the proposer must be one of the validators', path: ['proposer'] });
export type ValidatorSet = z.infer<typeof ValidatorSet>;
