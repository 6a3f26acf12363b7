import type { Readable } from 'node:stream';
import { readGrants, type StateTree, type StorageGrant } from '../../projections/index.ts';
import type { Reservation, StorageReservations } from '../../schemas/index.ts';

export type { Reservation } from '../../schemas/index.ts';

/**
 * Where quotas come from: a node reads the ledger's `reserveStorage` grants (`ledgerQuotas`) and
 * its operator's own grants in its config (`configuredQuotas`); tests use `fixedQuotas`.
 */
export interface QuotaSource {
  /** `needBytes`: what the address would hold with the put being asked for (a source may fit the room it grants to it). */
  reservationOf(address: string, needBytes?: number): GrantedReservation | undefined;
}

/** A reservation as a quota source grants it: `endsAtMs`, when set, is when the room ends (a hold ends by then too). */
export type GrantedReservation = Reservation & { readonly endsAtMs?: number };

/**
 * A fixed table of reservations by address.
 * @example fixedQuotas({ [key.address]: { bytesMax: 1 << 30, ttlMs: 86_400_000 } })
 */
export function fixedQuotas(table: Readonly<Record<string, Reservation>>): QuotaSource {
  const byAddress = new Map(Object.entries(table));
  return { reservationOf: (address) => byAddress.get(address) };
}

/**
 * The reservations of a node's config (`storage.reservations`, checked by `NodeConfig`): `"node"`
 * stands for the node's own address, and an entry under that address itself wins over it.
 * @example configuredQuotas(config.storage.reservations, key.address)
 */
export function configuredQuotas(reservations: StorageReservations, nodeAddress: string): QuotaSource {
  const { node, ...byAddress } = reservations;
  return fixedQuotas(node === undefined || nodeAddress in byAddress ? byAddress : { ...byAddress, [nodeAddress]: node });
}

/**
 * The room the ledger's `reserveStorage` txs bought on this node (`provider`: the node's address)
 * for an address, at `now`, fitted to `needBytes`: its grants not yet ended, longest-lasting first,
 * as many as it takes to hold `needBytes` (all of them when none suffice) — so a hold ends no later
 * than the shortest of the grants that pay for it, and a short grant beside a long one does not cut
 * the long one's holds short. Readers by default: the `acl` of the latest-ending grant the address
 * paid for itself (a grant someone else bought for it never sets who reads its blobs). Reads the
 * chain's state after its last block.
 * @example ledgerQuotas(() => chain.ledger.tree, key.address)
 */
export function ledgerQuotas(tree: () => StateTree, provider: string, now: () => number = Date.now): QuotaSource {
  return {
    reservationOf(address, needBytes = 1) {
      const at = now();
      const live = Object.values(readGrants(tree(), provider, address))
        .filter((grant) => grant.expiresAt > at)
        .sort((a, b) => b.expiresAt - a.expiresAt);
      if (live.length === 0) return undefined;
      let bytesMax = 0;
      let endsAtMs = Infinity;
      for (const grant of live) {
        bytesMax += grant.bytes;
        endsAtMs = grant.expiresAt;
        if (bytesMax >= needBytes) break;
      }
      const own = live.find((grant: StorageGrant) => grant.payer === address);
      return { bytesMax, ttlMs: endsAtMs - at, endsAtMs, ...(own?.acl === undefined ? {} : { readers: own.acl.split(',') }) };
    },
  };
}

/** The first source that grants an address anything: an operator's config before the ledger. */
export function firstQuotas(...sources: readonly QuotaSource[]): QuotaSource {
  return {
    reservationOf(address, needBytes) {
      for (const source of sources) {
        const reservation = source.reservationOf(address, needBytes);
        if (reservation !== undefined) return reservation;
      }
      return undefined;
    },
  };
}

/** One address's claim on a blob: it keeps the blob alive until `expiresAtMs`. */
export interface BlobHold {
  readonly owner: string;
  readonly expiresAtMs: number;
  /** Who may read through this hold, besides the owner; `"*"`: anyone. */
  readonly readers: readonly string[];
}

export interface BlobInfo {
  /** Lowercase hex SHA-256 of the content. */
  readonly hash: string;
  /** `blob://sha256:<hash>`, what a tx carries. */
  readonly ref: string;
  readonly sizeBytes: number;
  readonly holds: readonly BlobHold[];
}

export interface PutBlobParameters {
  /** The claimed SHA-256 (lowercase hex); bytes that hash otherwise are refused. */
  readonly hash: string;
  /** The address that pays for the bytes (its reservation's quota and TTL apply). */
  readonly owner: string;
  readonly body: Readable | AsyncIterable<Uint8Array>;
  /** The announced size, when known: refused at once if it cannot fit. */
  readonly sizeBytes?: number;
  /** At most the reservation's TTL (the default). */
  readonly ttlMs?: number;
  /** Default: the reservation's readers, else the owner only. */
  readonly readers?: readonly string[];
}

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive. */
  readonly end: number;
}

export interface OpenBlobParameters {
  readonly hash: string;
  /** The verified address of the signer, or undefined for an unsigned request. */
  readonly reader: string | undefined;
  /** Resolves the range against the blob's size once known; undefined: the whole blob. */
  readonly range?: (sizeBytes: number) => ByteRange | undefined;
}

export interface OpenedBlob {
  readonly info: BlobInfo;
  /** The bytes served: the whole blob or the range. */
  readonly range: ByteRange;
  /** The bytes of `range`, already checked against the hash. Must be consumed or destroyed. */
  readonly stream: Readable;
}

export interface GcReport {
  readonly expiredHolds: number;
  readonly removedBlobs: number;
  readonly freedBytes: number;
}

/**
 * Content-addressed storage for what is too big for the chain. Every read checks the
 * content against its address; every put is atomic and checked against the claimed hash.
 */
export interface BlobStore {
  put(parameters: PutBlobParameters): Promise<BlobInfo>;
  /** Refuses with NOT_FOUND (absent or expired), ACCESS_DENIED, BAD_RANGE or BLOB_CORRUPT. */
  open(parameters: OpenBlobParameters): Promise<OpenedBlob>;
  /** Info of a live blob, without an access check. */
  stat(hash: string): BlobInfo | undefined;
  /** Bytes an address holds now. */
  usedBytes(owner: string): number;
  /** Drops holds expired at `nowMs` and deletes blobs no hold keeps. */
  gc(nowMs: number): Promise<GcReport>;
  close(): Promise<void>;
}

/** `blob://sha256:<hash>` */
export function blobRef(hash: string): string {
  return `blob://sha256:${hash}`;
}
