/** Anything the replay disagrees with, located as precisely as the evidence allows. */
export interface Mismatch {
  /** `snapshot`: a snapshot's block, state root or offset; `readModels`: its reputation, dashboard or explain index. */
  readonly kind: 'log' | 'record' | 'attestation' | 'snapshot' | 'readModels';
  readonly message: string;
  readonly height?: number;
  readonly offset?: number;
  readonly tx?: string;
  /** The address that signed the record concerned, when there is one. */
  readonly from?: string;
  /** Where a snapshot's read models differ from the replay's: the part, and the job, node and field inside it. */
  readonly readModel?: { readonly part: 'reputation' | 'dashboard' | 'explain'; readonly job?: string; readonly node?: string; readonly field?: string };
}

/** Mismatches past a cap, counted instead of listed: by kind and signer (no `from`: the rest of that kind). */
export interface UnlistedMismatches {
  readonly kind: Mismatch['kind'];
  readonly from?: string;
  readonly count: number;
}

export interface MismatchListOptions {
  /** Mismatches listed in all. */
  readonly mismatchesMax: number;
  /** Mismatches listed per signer and kind, so one signer cannot crowd out the rest. */
  readonly perSignerMax: number;
  /** Signers counted one by one among the unlisted; the others are counted together by kind. */
  readonly unlistedSignersMax: number;
}

export interface MismatchList {
  add(mismatch: Mismatch): void;
  readonly listed: readonly Mismatch[];
  unlisted(): UnlistedMismatches[];
}

/**
 * The findings of an audit, bounded: every mismatch counts, at most `mismatchesMax` are listed
 * and at most `perSignerMax` of them per signer and kind; the rest are counted by signer and kind.
 * @example const list = createMismatchList({ mismatchesMax: 100, perSignerMax: 10, unlistedSignersMax: 100 })
 */
export function createMismatchList({ mismatchesMax, perSignerMax, unlistedSignersMax }: MismatchListOptions): MismatchList {
  const listed: Mismatch[] = [];
  const listedBySigner = new Map<string, number>();
  const unlisted = new Map<string, { kind: Mismatch['kind']; from?: string; count: number }>();
  let unlistedSigners = 0;
  return {
    listed,
    add(mismatch) {
      const key = `${mismatch.kind} ${mismatch.from ?? ''}`;
      const bySigner = listedBySigner.get(key) ?? 0;
      if (listed.length < mismatchesMax && (mismatch.from === undefined || bySigner < perSignerMax)) {
        listed.push(mismatch);
        if (mismatch.from !== undefined) listedBySigner.set(key, bySigner + 1);
        return;
      }
      const group = mismatch.from === undefined || unlisted.has(key) || unlistedSigners < unlistedSignersMax ? key : `${mismatch.kind} `;
      let entry = unlisted.get(group);
      if (entry === undefined) {
        entry = group === key && mismatch.from !== undefined ? { kind: mismatch.kind, from: mismatch.from, count: 0 } : { kind: mismatch.kind, count: 0 };
        if (entry.from !== undefined) unlistedSigners++;
        unlisted.set(group, entry);
      }
      entry.count++;
    },
    unlisted: () => [...unlisted.values()].map((u) => ({ ...u })),
  };
}
