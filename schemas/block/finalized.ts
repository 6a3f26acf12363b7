import { z } from 'zod';
import { Hash, Uint } from '../primitives/index.ts';

/** The highest block whose attestations carry more than 2/3 of its validator set's stake (`{ height: 0, hash: "" }` before any). */
export const Finalized = z.strictObject({ height: Uint, hash: z.union([Hash, z.literal('')]) });
export type Finalized = z.infer<typeof Finalized>;
