import { z } from 'zod';

/** Lowercase hex of exactly `bytes` bytes. */
export const hexBytes = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), {
    message: `must be ${bytes * 2} lowercase hex characters (${bytes} bytes)`,
  });

/** `"0x"` + lowercase hex of the first 20 bytes of SHA-256(raw public key). */
export const Address = z.string().regex(/^0x[0-9a-f]{40}$/, {
  message: 'must be "0x" followed by 40 lowercase hex characters',
});
export type Address = z.infer<typeof Address>;

export const PublicKeyHex = hexBytes(32);
export const SignatureHex = hexBytes(64);
export const Hash = hexBytes(32);
export type Hash = z.infer<typeof Hash>;

/** AIN amounts travel as decimal strings (bigint in memory): no floats for money. */
export const Amount = z.string().regex(/^(0|[1-9][0-9]{0,38})$/, {
  message: 'must be a non-negative whole number written as a decimal string, e.g. "10"',
});
export type Amount = z.infer<typeof Amount>;

/** Any JSON value; one schema for all, so the API document names it once. */
export const JsonValue = z.json();

export const Uint = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Milliseconds since the Unix epoch. */
export const TimeMs = Uint;

/**
 * A state-tree path: `/` or `/seg/seg…`. The state projection checks segments further
 * (reserved names, depth); this is the shape every client must produce.
 */
export const StatePath = z
  .string()
  .max(1024, { message: 'must be at most 1024 characters' })
  .regex(/^\/(?:[^/]+(?:\/[^/]+)*)?$/, {
    message: 'must start with "/" and have no empty segments, e.g. "/apps/chat"',
  });

/** A reference to a Big Storage blob. */
export const BlobRef = z.string().regex(/^blob:\/\/sha256:[0-9a-f]{64}$/, {
  message: 'must be "blob://sha256:" followed by 64 lowercase hex characters',
});

/** A chain id: short, printable, no spaces. */
export const ChainId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, {
  message: 'must be 1-64 characters of a-z, 0-9, ".", "_" or "-", e.g. "ain-local"',
});

/** The path of a shard's subtree; `/` is the root chain. */
export const ShardPath = StatePath;
