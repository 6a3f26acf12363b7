import type { BlockHeader } from '../../schemas/index.ts';
import type { TxRecord } from '../codec/index.ts';
import { canonicalBytes } from '../crypto/canonicalJson.ts';
import { sha256Hex } from '../crypto/hash.ts';

/** An append-only batch of log records with its header. */
export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly TxRecord[];
}

/** The block hash: SHA-256 of the canonical JSON of the header. */
export function blockHashOf(header: BlockHeader): string {
  return sha256Hex(canonicalBytes(header));
}
