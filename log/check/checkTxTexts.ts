import { AinError, defaultMaxTxBytes, txTextBytesMaxFor, type Refusal } from '../../schemas/index.ts';
import { parseTxJson } from '../codec/index.ts';
import { prepareParsedTx, type CheckTxOptions, type VerifiedTx } from './checkTx.ts';
import { inTwoPasses } from './inTwoPasses.ts';

// A submitter is owed an answer even when a check breaks an invariant: it gets INTERNAL for its tx
// alone, and the others of its batch their own verdicts.
const boundaryRefusal = (error: unknown): Refusal =>
  error instanceof AinError
    ? { code: error.code, message: error.message }
    : { code: 'INTERNAL', message: `The tx could not be checked: ${(error as Error).message}.` };

/**
 * TX_TOO_LARGE for a text longer than any tx of the limit can be written in (txTextBytesMaxFor),
 * before it is parsed. A UTF-16 unit is 1 to 3 UTF-8 bytes: the bytes are counted only when the
 * length leaves it open.
 */
function tooLongProblem(text: string, options: CheckTxOptions): AinError | undefined {
  const maxTxBytes = options.maxTxBytes ?? defaultMaxTxBytes;
  const maxBytes = txTextBytesMaxFor(maxTxBytes);
  if (text.length * 3 <= maxBytes) return undefined;
  const bytes = text.length > maxBytes ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return undefined;
  return new AinError(
    'TX_TOO_LARGE',
    `The tx's JSON text is ${text.length > maxBytes ? 'at least ' : ''}${bytes} bytes; with at most ${maxTxBytes} signed bytes, a tx is at most ${maxBytes} bytes of JSON (whitespace included). Put big payloads in Big Storage and send a blob:// reference.`,
    { details: { sizeBytes: bytes, maxTxBytes, maxTextBytes: maxBytes } },
  );
}

function prepareText(text: string, options: CheckTxOptions) {
  try {
    if (text.trim() === '') throw new AinError('BAD_JSON', 'The request has no body; send one signed tx as JSON.');
    const tooLong = tooLongProblem(text, options);
    if (tooLong !== undefined) throw tooLong;
    return prepareParsedTx(parseTxJson(text), options);
  } catch (error) {
    return boundaryRefusal(error);
  }
}

/**
 * The boundary check of txs given as the JSON text they arrived in: each comes out, in order, as
 * the tx with its hash and signed bytes (its log record is `recordFromSignedBytes(signedBytes,
 * tx.sig)`), or as the refusal its submitter gets. Checked in slices, two passes each.
 * @example for (const verdict of checkTxTexts(bodies, { chain: 'ain-local' })) if ('hash' in verdict) append(verdict)
 */
export function checkTxTexts(texts: readonly string[], options: CheckTxOptions): Generator<VerifiedTx | Refusal, void, undefined> {
  return inTwoPasses(
    texts,
    (text) => prepareText(text, options),
    (unverified, refusal) => refusal ?? unverified.then,
    boundaryRefusal,
  );
}
