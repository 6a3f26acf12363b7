import type { KeyPair } from '../../log/index.ts';
import { storageFee } from '../../projections/index.ts';
import { getBlock, getState, getStatus, reserveStorageOn } from '../client/index.ts';

/** What a worker reserves in Big Storage on its node by default: room for its run logs, for a day. */
export const workerLogRoom = { bytes: 16 * 2 ** 20, ttlMs: 86_400_000 };

/** A grant that lasts at least this much longer is kept rather than bought again. */
const keepIfLastsMs = 3_600_000;

/**
 * A worker's room for its run logs on the node it uses ("every node … needs to reserve appropriate
 * space in Big Storage by paying fees to the storage service provider prior to the initiation of
 * an ML job"): a `reserveStorage` of `bytes` for `ttlMs` paid to that node, unless the key holds
 * a grant there that lasts another hour. Resolves to the fee at the offer's price (0 when it kept its grant); a
 * refusal (NO_STORAGE_OFFER, STORAGE_FULL, INSUFFICIENT_FUNDS) is thrown.
 * @example await reserveLogRoom({ nodeUrl, key })
 */
export async function reserveLogRoom({
  nodeUrl,
  key,
  bytes = workerLogRoom.bytes,
  ttlMs = workerLogRoom.ttlMs,
}: {
  nodeUrl: string;
  key: KeyPair;
  bytes?: number;
  ttlMs?: number;
}): Promise<bigint> {
  const { address: provider, height } = await getStatus({ url: nodeUrl });
  if (height > 0) {
    const { value } = await getState({ url: nodeUrl }, { path: `/storage/grants/${provider}/${key.address}` });
    const grants = Object.values((value ?? {}) as Record<string, { expiresAt: number }>);
    const { time } = (await getBlock({ url: nodeUrl }, { height })).header;
    if (grants.some((grant) => grant.expiresAt > time + keepIfLastsMs)) return 0n;
  }
  const offer = (await getState({ url: nodeUrl }, { path: `/storage/offers/${provider}` })).value as { price?: string } | null;
  await reserveStorageOn({ nodeUrl, key, bytes, ttlMs, waitMs: 30_000 });
  return offer?.price === undefined ? 0n : storageFee(offer.price, bytes, ttlMs);
}
