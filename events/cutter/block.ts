import type { BlockHeader } from '../../schemas/index.ts';
import type { TxRecord } from '../codec/index.ts';
import { canonicalBytes, sha256Hex } from '../crypto/index.ts';

/** An append-only batch of log records with its header. */
export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly TxRecord[];
}

/** The block hash: SHA-256 of the canonical JSON of the header. */
export function blockHashOf(header: BlockHeader): string {
  return sha256Hex(canonicalBytes(header));
}
