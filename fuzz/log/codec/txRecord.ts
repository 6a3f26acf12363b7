// Target `txRecord`: log records as a faulty orderer or a raw producer could write them, read back
// by the log decoder (decodeTxRecord), the record check in this thread (checkRecords, what an audit
// without a pool runs) and as the verify threads run it (checkRecordsChunk): all must agree, to the
// sentence; then the records are folded both ways.
import fc from 'fast-check';
import { canonicalBytes, checkRecords, decodeTxRecord, sha256Hex } from '../../../log/index.ts';
import { checkRecordsChunk } from '../../../runtime/ingest/checkRecordsChunk.ts';
import { garbageText } from '../../arbitraries/json.ts';
import { resolvePlans, txPlan, type TxPlan } from '../../arbitraries/tx.ts';
import { foldBothWays } from '../../foldBothWays.ts';
import { checkRefusal, diverge, type Target } from '../../harness.ts';

const byteEdit = fc.record({
  kind: fc.constantFrom('flip', 'cut', 'insert', 'prefix'),
  at: fc.nat(),
  byte: fc.nat({ max: 255 }),
  bytes: fc.constantFrom([0xef, 0xbb, 0xbf], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0x00], [0x20], [0xf4, 0x90, 0x80, 0x80]),
});
type ByteEdit = typeof byteEdit extends fc.Arbitrary<infer E> ? E : never;

/** How a record's bytes come to be. */
type RecordSource =
  | { readonly plan: TxPlan; readonly as: 'canonical' | 'text'; readonly edits: readonly ByteEdit[] }
  | { readonly garbage: string }
  | { readonly bytes: Uint8Array };

export interface RecordInput {
  readonly firstOffset: number;
  readonly records: readonly RecordSource[];
}

function editBytes(bytes: Buffer, edits: readonly ByteEdit[]): Buffer {
  let out: Buffer = bytes;
  for (const { kind, at: raw, byte, bytes: inserted } of edits) {
    const at = out.length === 0 ? 0 : raw % out.length;
    if (kind === 'flip' && out.length > 0) {
      out = Buffer.from(out);
      out[at] = out[at]! ^ (byte || 1);
    } else if (kind === 'cut') out = out.subarray(0, at);
    else if (kind === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from(inserted), out.subarray(at)]);
    else out = Buffer.concat([Buffer.from(inserted), out]);
  }
  return out;
}

/** The bytes of each record; the txs of plans sign with nonces 1, 2, … in order. */
export function recordBytes(input: RecordInput): Buffer[] {
  const plans = input.records.flatMap((r) => ('plan' in r ? [r.plan] : []));
  const texts = resolvePlans(plans, { nonceOf: () => 0 });
  let next = 0;
  return input.records.map((r) => {
    if ('garbage' in r) return Buffer.from(r.garbage, 'utf8');
    if ('bytes' in r) return Buffer.from(r.bytes);
    const text = texts[next++]!;
    let bytes: Buffer = Buffer.from(text, 'utf8');
    if (r.as === 'canonical') {
      try {
        bytes = canonicalBytes(JSON.parse(text));
      } catch {
        // not JSON or not canonicalisable: the text as it is
      }
    }
    return editBytes(bytes, r.edits);
  });
}

/** A record as text when it is UTF-8, else as base64. */
const printable = (bytes: Buffer): string =>
  Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes) ? bytes.toString('utf8') : `base64:${bytes.toString('base64')}`;

const source: fc.Arbitrary<RecordSource> = fc.oneof(
  {
    arbitrary: fc.record({
      plan: txPlan,
      as: fc.constantFrom('canonical' as const, 'text' as const),
      edits: fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: fc.array(byteEdit, { minLength: 1, maxLength: 3 }), weight: 1 }),
    }),
    weight: 6,
  },
  { arbitrary: garbageText.map((garbage) => ({ garbage })), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ bytes })), weight: 1 },
);

export const txRecordTarget: Target<RecordInput> = {
  name: 'txRecord',
  about: 'log records (signed txs rewritten, edited bytes, garbage) through decodeTxRecord, checkRecords, checkRecordsChunk and the ledger fold',
  inputMs: 1000,
  pure: true,
  arbitrary: fc.record({ firstOffset: fc.oneof(fc.constant(0), fc.nat({ max: 1_000_000 })), records: fc.array(source, { minLength: 1, maxLength: 4 }) }),
  check(input) {
    const values = recordBytes(input);
    const records = values.map((value, i) => ({ offset: input.firstOffset + i, value }));
    for (const { offset, value } of records) {
      const decoded = decodeTxRecord(offset, value);
      if (decoded.tx === null && decoded.hash !== sha256Hex(value))
        diverge(`the record at offset ${offset} is not a tx but its hash is not the SHA-256 of its bytes`);
    }
    const here = checkRecords(records, { chain: 'ain-local', shard: '/' });
    foldBothWays(records, here);
    const threads = checkRecordsChunk({
      bytes: Buffer.concat(values),
      sizes: values.map((v) => v.byteLength),
      offsets: records.map((r) => r.offset),
      chain: 'ain-local',
      shard: '/',
    });
    for (const [i, { record, verdict }] of here.entries()) {
      if (verdict !== null) checkRefusal(verdict, 'the ledger record check');
      const other = threads[i]!;
      const isCut = verdict === null && record.cut !== null;
      if (other.hash !== record.hash || other.isCut !== isCut || other.verdict?.code !== verdict?.code || other.verdict?.message !== verdict?.message) {
        diverge(
          `the record at offset ${record.offset} checks as ${verdict === null ? 'passing' : `${verdict.code} "${verdict.message}"`} in this thread, but as ${other.verdict === null ? 'passing' : `${other.verdict.code} "${other.verdict.message}"`} on the verify threads`,
        );
      }
    }
  },
  describe: (input) => `records from offset ${input.firstOffset}: ${JSON.stringify(recordBytes(input).map(printable))}`,
};
