import { z } from 'zod';
import { Address, hexBytes, PublicKeyHex } from '../primitives/index.ts';

/** A key file: JSON written with mode 0600 by `ain keys new` (DESIGN.md, "The wire format"). */
export const KeyFile = z.strictObject({
  address: Address,
  publicKey: PublicKeyHex,
  /** Lowercase hex of the 32-byte Ed25519 seed. */
  privateKey: hexBytes(32),
});
export type KeyFile = z.infer<typeof KeyFile>;
