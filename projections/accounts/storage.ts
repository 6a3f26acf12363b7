import type { OpOf, StorageOffer } from '../../schemas/index.ts';
import { ok, refuse, type Outcome, type StateTree } from '../state/index.ts';
import { readAccount, writeAmounts } from './account.ts';

/**
 * Big Storage on the ledger (docs/storage.md, "Reserving room"): providers' offers, the grants
 * `reserveStorage` paid for, and an index of their expiries in block time.
 *
 * - `/storage/offers/<provider>`: `{ price, bytesMax, reserved }` (`reserved`: bytes of live grants).
 * - `/storage/grants/<provider>/<holder>/<tx hash>`: `{ bytes, expiresAt, payer, acl? }` (`acl`: the readers joined by commas; the tree keeps no arrays).
 * - `/storage/expiries/<expiresAt>/<tx hash>`: `{ provider, holder }`, what the fold frees at that block time.
 */
export const storagePath = '/storage';

/** Bytes and ms a price is for: AIN per GiB per day. */
const gibDay = 2n ** 30n * 86_400_000n;

/** Live grants one holder may have with one provider at once that it paid for itself: bounds what a quota check reads. */
export const grantsPerHolderMax = 64;
/** …and that others bought for it (`for`), counted apart so nobody can use up a holder's own. */
export const grantsForHolderMax = 16;

const offerPath = (provider: string) => `${storagePath}/offers/${provider}`;
const grantsPath = (provider: string, holder: string) => `${storagePath}/grants/${provider}/${holder}`;
const expiriesPath = `${storagePath}/expiries`;

/** A provider's offer with what it has reserved; null when it sells nothing. */
export interface StoredOffer {
  readonly price: string;
  readonly bytesMax: number;
  readonly reserved: number;
}

/** One paid reservation: room for its holder on its provider until `expiresAt` (block time). */
export interface StorageGrant {
  readonly bytes: number;
  readonly expiresAt: number;
  readonly payer: string;
  /** Default readers of the holder's blobs, joined by commas (`"*"`: anyone). */
  readonly acl?: string;
}

export function readOffer(tree: StateTree, provider: string): StoredOffer | null {
  return tree.get(offerPath(provider)) as unknown as StoredOffer | null;
}

/** The live and not yet pruned grants of a holder on a provider, by the tx hash that paid. */
export function readGrants(tree: StateTree, provider: string, holder: string): Readonly<Record<string, StorageGrant>> {
  return (tree.get(grantsPath(provider, holder)) ?? {}) as unknown as Record<string, StorageGrant>;
}

/** The genesis's providers: each offer with nothing reserved. */
export function writeGenesisOffers(tree: StateTree, providers: Readonly<Record<string, StorageOffer>>): void {
  for (const provider of Object.keys(providers).sort()) {
    const { price, bytesMax } = providers[provider]!;
    tree.writeSystem(offerPath(provider), { price, bytesMax, reserved: 0 });
  }
}

/** What `bytes` for `ms` cost at `price` (AIN per GiB-day), rounded up: a reservation never costs nothing unless its price is 0. */
export function storageFee(price: string, bytes: number, ms: number): bigint {
  const numerator = BigInt(price) * BigInt(bytes) * BigInt(ms);
  return (numerator + gibDay - 1n) / gibDay;
}

const ain = (amount: bigint): string => `${amount.toString()} AIN`;

/** `offerStorage`: the signer's price and capacity from now on; what it reserved stays. */
export function applyOfferStorage(tree: StateTree, from: string, op: OpOf<'offerStorage'>): Outcome {
  const reserved = readOffer(tree, from)?.reserved ?? 0;
  tree.writeSystem(offerPath(from), { price: op.price, bytesMax: op.bytesMax, reserved });
  return ok;
}

/**
 * `reserveStorage`: the signer pays the provider the fee for `space` bytes over `ttl` ms at the
 * provider's price, and the holder (`for`, default the signer) gets a grant until `time + ttl`.
 */
export function applyReserveStorage(tree: StateTree, from: string, hash: string, op: OpOf<'reserveStorage'>, time: number): Outcome {
  const { provider, space, ttl } = op;
  const holder = op.for ?? from;
  const offer = readOffer(tree, provider);
  if (offer === null) {
    return refuse(
      'NO_STORAGE_OFFER',
      `${provider} sells no Big Storage on this chain (no offerStorage tx and no genesis entry); reserve with a provider listed under /storage/offers.`,
    );
  }
  if (offer.reserved + space > offer.bytesMax) {
    return refuse(
      'STORAGE_FULL',
      `${provider} has ${offer.reserved} of its ${offer.bytesMax} bytes reserved; ${space} more do not fit. Reserve fewer bytes, later, or with another provider.`,
    );
  }
  const grants = Object.values(readGrants(tree, provider, holder));
  const ownGrant = from === holder;
  const counted = grants.filter((grant) => (grant.payer === holder) === ownGrant).length;
  const most = ownGrant ? grantsPerHolderMax : grantsForHolderMax;
  if (counted >= most) {
    return refuse(
      'TOO_MANY_RESERVATIONS',
      ownGrant
        ? `${holder} already has ${most} reservations with ${provider} it paid for; wait until one expires, or reserve more room in one.`
        : `${holder} already has ${most} reservations with ${provider} that others paid for; wait until one expires, or let ${holder} reserve for itself.`,
    );
  }
  // A provider reserving on itself would pay itself: it pays nothing.
  const fee = provider === from ? 0n : storageFee(offer.price, space, ttl);
  const payer = readAccount(tree, from);
  if (payer.balance < fee) {
    return refuse(
      'INSUFFICIENT_FUNDS',
      `${from} holds ${ain(payer.balance)}, less than the ${ain(fee)} ${space} bytes for ${ttl} ms cost at ${provider}'s price.`,
    );
  }
  if (fee > 0n) {
    writeAmounts(tree, from, { balance: payer.balance - fee });
    writeAmounts(tree, provider, { balance: readAccount(tree, provider).balance + fee });
  }
  const expiresAt = time + ttl;
  const grant = {
    bytes: space,
    expiresAt,
    payer: from,
    ...(op.acl === undefined || op.acl.length === 0 ? {} : { acl: op.acl.join(',') }),
  } satisfies StorageGrant;
  tree.writeSystem(`${grantsPath(provider, holder)}/${hash}`, grant);
  tree.writeSystem(`${expiriesPath}/${expiresAt}/${hash}`, { provider, holder });
  tree.writeSystem(offerPath(provider), { ...offer, reserved: offer.reserved + space });
  return ok;
}

/** Frees every grant whose expiry is at or before `time` (oldest first, ties by tx hash): its bytes go back to its provider's offer. */
export function applyStorageExpiries(tree: StateTree, time: number): void {
  const due = tree
    .keys(expiriesPath)
    .map(Number)
    .filter((at) => at <= time)
    .sort((a, b) => a - b);
  for (const at of due) {
    const entries = (tree.get(`${expiriesPath}/${at}`) ?? {}) as Record<string, { provider: string; holder: string }>;
    for (const hash of Object.keys(entries).sort()) {
      const { provider, holder } = entries[hash]!;
      const path = `${grantsPath(provider, holder)}/${hash}`;
      const grant = tree.get(path) as unknown as StorageGrant | null;
      if (grant === null) continue;
      tree.writeSystem(path, null);
      const offer = readOffer(tree, provider);
      if (offer !== null) tree.writeSystem(offerPath(provider), { ...offer, reserved: Math.max(0, offer.reserved - grant.bytes) });
    }
    tree.writeSystem(`${expiriesPath}/${at}`, null);
  }
}
