import type { KeyPair } from '../../log/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { getStatus } from './actions/getStatus.ts';
import { signAndSubmit } from './signAndSubmit.ts';
import type { TxLanded } from './txApi.ts';

export interface ReserveStorageOnParameters {
  /** The node whose Big Storage keeps the bytes: its address (`GET /v1/status`) is the provider paid. */
  readonly nodeUrl: string;
  /** Signs and pays. */
  readonly key: KeyPair;
  readonly bytes: number;
  readonly ttlMs: number;
  /** Who the room is for (default: the signer). */
  readonly holder?: string;
  /** Who may read the holder's blobs by default (`"*"`: anyone). */
  readonly readers?: readonly string[];
  /** How long to wait for the tx's block. */
  readonly waitMs?: number;
}

/**
 * Reserves room in the Big Storage of the node at `nodeUrl`: a `reserveStorage` tx naming that
 * node's address as provider, paid by `key` at the provider's price; resolves once its block has
 * it (a refusal — NO_STORAGE_OFFER, STORAGE_FULL, INSUFFICIENT_FUNDS — is thrown as its AinError).
 * @example await reserveStorageOn({ nodeUrl, key, bytes: 16 << 20, ttlMs: 86_400_000 })
 */
export async function reserveStorageOn({ nodeUrl, key, bytes, ttlMs, holder, readers, waitMs = 60_000 }: ReserveStorageOnParameters): Promise<TxLanded> {
  const { address: provider } = await getStatus({ url: nodeUrl });
  const op: OpOf<'reserveStorage'> = {
    type: 'reserveStorage',
    provider,
    space: bytes,
    ttl: ttlMs,
    ...(holder === undefined || holder === key.address ? {} : { for: holder }),
    ...(readers === undefined ? {} : { acl: [...readers] }),
  };
  return signAndSubmit({ nodeUrl, key, op, waitMs });
}
