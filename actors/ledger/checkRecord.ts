import { verifyTx, type TxRecord } from '../../events/index.ts';
import { isAinError } from '../../schemas/index.ts';
import { refuse, type Refusal } from '../../projections/index.ts';

/**
 * The boundary checks again, for a record read from the log: a faulty orderer or a raw producer
 * can put anything there. `null` when the record is a well-formed, correctly signed tx for this
 * chain and shard.
 */
export function checkRecord(record: TxRecord, chain: string, shard: string): Refusal | null {
  if (record.tx === null) return refuse('BAD_SCHEMA', `The record at offset ${record.offset} is not a well-formed signed tx.`);
  try {
    verifyTx(record.tx, { chain, shard });
    return null;
  } catch (error) {
    if (isAinError(error)) return refuse(error.code, error.message);
    throw error;
  }
}
