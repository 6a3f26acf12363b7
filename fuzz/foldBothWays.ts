// Folds one block of log records into two fresh ledgers: one decoded by the log decoder
// (decodeTxRecord, checked by the ledger itself), one as a node and an audit see records that pass
// their checks (decodeOwnTxRecord, checked beforehand). Both must reach the same outcomes and state
// root; an outcome must be `ok` or a listed code; nothing may throw (a throw stops a node's fold).
import { applyBlock, checkRecordsBytes, createLedger, parseGenesis, type Ledger } from '../actors/index.ts';
import { decodeOwnTxRecord, decodeTxRecord, merkleRoot, type TxRecord } from '../events/index.ts';
import type { Outcome, Refusal } from '../projections/index.ts';
import { checkRefusal, diverge } from './harness.ts';
import { fuzzGenesis } from './arbitraries/tx.ts';

const genesis = parseGenesis(fuzzGenesis);

export interface RawRecord {
  readonly offset: number;
  readonly value: Uint8Array;
}

function fold(ledger: Ledger, txs: readonly TxRecord[], checks?: readonly (Refusal | null)[]): { root: string; outcomes: readonly Outcome[] } {
  const header = {
    chain: genesis.chain,
    shard: genesis.shard,
    height: ledger.height + 1,
    prevHash: ledger.genesisHash,
    txRoot: merkleRoot(txs.map((t) => t.hash)),
    time: 1_764_000_000_000,
    proposer: genesis.proposers[0]!,
    firstOffset: txs[0]?.offset ?? 0,
    lastOffset: txs.at(-1)?.offset ?? 0,
  };
  const result = applyBlock(ledger, { header, txs, checks });
  return { root: result.stateRoot, outcomes: result.outcomes };
}

const codes = (outcomes: readonly Outcome[]) => outcomes.map((o) => o.code).join(',');

type Checked = ReturnType<typeof checkRecordsBytes>;

/** Folds the records both ways (given their checks, when the caller has them) and compares. */
export function foldBothWays(records: readonly RawRecord[], checked: Checked = checkRecordsBytes(records, genesis.chain, genesis.shard)): Ledger {
  const decoded = records.map(({ offset, value }) => decodeTxRecord(offset, value));
  const own = checked.map(({ record, verdict }, i) =>
    verdict === null ? decodeOwnTxRecord(record.offset, records[i]!.value, record.hash, record.cut !== null) : { ...record, tx: null, cut: null },
  );
  const audit = fold(createLedger(genesis), decoded);
  const ledger = createLedger(genesis);
  const node = fold(
    ledger,
    own,
    checked.map((c) => c.verdict),
  );
  for (const outcome of [...audit.outcomes, ...node.outcomes]) if (outcome.code !== 'ok') checkRefusal(outcome, 'the ledger fold');
  if (codes(audit.outcomes) !== codes(node.outcomes) || audit.root !== node.root) {
    diverge(`the ledger folds decoded records (decodeTxRecord) to outcomes [${codes(audit.outcomes)}] and root ${audit.root.slice(0, 12)}…, but the records as a node applies them (decodeOwnTxRecord) to [${codes(node.outcomes)}] and ${node.root.slice(0, 12)}…`);
  }
  return ledger;
}
