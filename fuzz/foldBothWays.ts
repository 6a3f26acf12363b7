// Folds one block of log records through two fresh chains: one decoded by the log decoder
// (decodeTxRecord) and checked one at a time (checkRecord, the ledger's own check), one as a node
// and an audit see records checked in bulk beforehand (checkRecords) and rebuilt from those checks
// (checkedRecordOf, what the verify threads' answers and a node's own records become). Both must
// reach the same outcomes and state root; an outcome must be `ok` or a listed code; nothing may
// throw (a throw stops a node's fold).
import { createChain, parseGenesis, type Ledger } from '../actors/index.ts';
import { checkedRecordOf, checkRecord, checkRecords, decodeTxRecord, recordCheckOf, type CheckedRecord } from '../log/index.ts';
import type { Outcome } from '../projections/index.ts';
import { checkRefusal, diverge } from './harness.ts';
import { fuzzGenesis } from './arbitraries/tx.ts';

const genesis = parseGenesis(fuzzGenesis);

export interface RawRecord {
  readonly offset: number;
  readonly value: Uint8Array;
}

function fold(records: readonly CheckedRecord[]): { ledger: Ledger; root: string; outcomes: readonly Outcome[] } {
  const chain = createChain({ genesis });
  const { result } = chain.close(records, { time: 1_764_000_000_000 });
  return { ledger: chain.ledger, root: result.stateRoot, outcomes: result.outcomes };
}

const codes = (outcomes: readonly Outcome[]) => outcomes.map((o) => o.code).join(',');

/** Folds the records both ways (given their checks, when the caller has them) and compares. */
export function foldBothWays(records: readonly RawRecord[], checked: readonly CheckedRecord[] = checkRecords(records, genesis)): Ledger {
  const decoded = records.map(({ offset, value }) => {
    const record = decodeTxRecord(offset, value);
    return { record, verdict: checkRecord(record, genesis) };
  });
  const own = checked.map((c, i) => checkedRecordOf(c.record.offset, records[i]!.value, recordCheckOf(c)));
  const audit = fold(decoded);
  const node = fold(own);
  for (const outcome of [...audit.outcomes, ...node.outcomes]) if (outcome.code !== 'ok') checkRefusal(outcome, 'the ledger fold');
  if (codes(audit.outcomes) !== codes(node.outcomes) || audit.root !== node.root) {
    diverge(
      `the ledger folds decoded records (decodeTxRecord) to outcomes [${codes(audit.outcomes)}] and root ${audit.root.slice(0, 12)}…, but the records as a node applies them (checkedRecordOf) to [${codes(node.outcomes)}] and ${node.root.slice(0, 12)}…`,
    );
  }
  return node.ledger;
}
