// Target `tx`: the tx envelope and every op at the boundary. Each input is one to four signed txs
// (structured but wrong) or raw texts; every one goes through the ingest's check (verifyChunk, what
// the verify threads run), through checkTx directly, and the records the ingest wrote go through
// the log decoder (decodeTxRecord), the own-record path (checkedRecordOf) and the ledger fold (both ways).
import fc from 'fast-check';
import { canonicalJson, checkedRecordOf, checkRecords, checkTx, decodeTxRecord, parseTxJson } from '../../../log/index.ts';
import { verifyChunk } from '../../../runtime/ingest/verifyChunk.ts';
import { txTextBytesMaxFor } from '../../../schemas/index.ts';
import { editedText, garbageText, jsonText, textForm, awkwardJson } from '../../arbitraries/json.ts';
import { resolvePlans, txPlans, type TxPlan } from '../../arbitraries/tx.ts';
import { foldBothWays, type RawRecord } from '../../foldBothWays.ts';
import { attempt, checkRefusal, diverge, type Attempt, type Target } from '../../harness.ts';

export type TxInput = { readonly plans: readonly TxPlan[] } | { readonly texts: readonly string[] };

const options = { chain: 'ain-local', shard: '/', maxTxBytes: 4096 };

/** The ingest's reading of one tx's text, as verifyChunk does it, then checkTx. */
function verifyText(text: string): Attempt<ReturnType<typeof checkTx>> {
  if (text.trim() === '') return { ok: false, code: 'BAD_JSON', message: 'empty' };
  // A text longer than any tx of the limit is refused unread (as POST /v1/tx's body limit does).
  if (Buffer.byteLength(text, 'utf8') > txTextBytesMaxFor(options.maxTxBytes)) return { ok: false, code: 'TX_TOO_LARGE', message: 'text too long' };
  return attempt(() => checkTx(parseTxJson(text), options));
}

/** Checks texts as the node's boundary does, and the records it would append as its log readers do. */
export function checkTxTexts(texts: readonly string[]): void {
  const chunk = verifyChunk({ texts, options });
  const records: RawRecord[] = [];
  let at = 0;
  for (const [i, outcome] of chunk.outcomes.entries()) {
    const direct = verifyText(texts[i]!);
    if (typeof outcome !== 'string') {
      checkRefusal(outcome, 'the ingest check (verifyChunk)');
      if (direct.ok || direct.code !== outcome.code)
        diverge(`the ingest refuses tx ${i} with ${outcome.code}, but checkTx ${direct.ok ? 'accepts it' : `refuses it with ${direct.code}`}`);
      continue;
    }
    if (!direct.ok || direct.value.hash !== outcome)
      diverge(
        `the ingest accepts tx ${i} as ${outcome.slice(0, 12)}…, but checkTx ${direct.ok ? `hashes it ${direct.value.hash.slice(0, 12)}…` : `refuses it with ${direct.code}`}`,
      );
    const size = chunk.recordBytes[records.length]!;
    const value = chunk.records.subarray(at, at + size);
    at += size;
    const record = { offset: records.length, value };
    records.push(record);
    const decoded = decodeTxRecord(record.offset, value);
    if (decoded.tx === null || decoded.hash !== outcome)
      diverge(`the log decoder reads the record the ingest wrote for tx ${i} as ${decoded.tx === null ? 'not a tx' : `tx ${decoded.hash.slice(0, 12)}…`}`);
    const own = checkedRecordOf(record.offset, value, { hash: outcome, isCut: decoded.cut !== null, verdict: null }).record.tx;
    const [ownText, decodedText, verifiedText] = [own, decoded.tx, direct.value.tx].map((tx) => canonicalJson(tx));
    if (ownText !== decodedText || decodedText !== verifiedText) {
      diverge(
        `tx ${i} reads differently on the two record paths: decodeTxRecord gives ${decodedText!.slice(0, 200)}, checkedRecordOf gives ${ownText!.slice(0, 200)}`,
      );
    }
  }
  if (records.length === 0) return;
  const checked = checkRecords(records, options);
  for (const { record, verdict } of checked) {
    if (verdict !== null)
      diverge(`the ledger's record check refuses the record the ingest wrote at offset ${record.offset}: ${verdict.code} ${verdict.message}`);
  }
  foldBothWays(records, checked);
}

export const txTarget: Target<TxInput> = {
  name: 'tx',
  about: 'signed txs (every op, structured but wrong) and raw texts through verifyChunk, checkTx, decodeTxRecord and the ledger fold',
  inputMs: 1000,
  pure: true,
  arbitrary: fc.oneof(
    { arbitrary: txPlans.map((plans) => ({ plans })), weight: 6 },
    {
      arbitrary: fc
        .array(fc.oneof(garbageText, editedText(fc.tuple(awkwardJson, textForm).map(([v, form]) => jsonText(v, form)))), { minLength: 1, maxLength: 3 })
        .map((texts) => ({ texts })),
      weight: 1,
    },
  ),
  check(input) {
    checkTxTexts('plans' in input ? resolvePlans(input.plans, { nonceOf: () => 0 }) : input.texts);
  },
  describe: (input) => ('plans' in input ? `txs ${JSON.stringify(resolvePlans(input.plans, { nonceOf: () => 0 }))}` : `texts ${JSON.stringify(input.texts)}`),
};
