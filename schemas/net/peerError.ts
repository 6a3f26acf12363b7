import { z } from 'zod';

/**
 * The error a peer answers a request with (runtime/net's request/response frames): a code of the
 * catalogue and a sentence. Both come from another machine, so both are bounded; a code the
 * catalogue does not list is the peer's fault (NET_BAD_FRAME), not a new kind of error.
 */
export const PeerError = z.strictObject({
  code: z.string().min(1).max(64),
  message: z.string().max(1000),
});
export type PeerError = z.infer<typeof PeerError>;
