import { AinError } from '../../schemas/index.ts';
import type { ByteRange } from './blobStore.ts';

function unsatisfiable(header: string, sizeBytes: number): AinError {
  return new AinError('BAD_RANGE', `The range "${header.slice(0, 80)}" lies outside the blob's ${sizeBytes} bytes.`, { details: { sizeBytes } });
}

/**
 * The one byte range of an HTTP `Range: bytes=…` header (RFC 9110 §14.1.2), clamped to the blob.
 * Several ranges, other units or a malformed header are BAD_RANGE, as is a range past the end.
 * @example parseRange('bytes=0-99', 1000) // { start: 0, end: 99 }
 */
export function parseRange(header: string, sizeBytes: number): ByteRange {
  const match = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) {
    throw new AinError('BAD_RANGE', `The Range header "${header.slice(0, 80)}" is not one "bytes=first-last", "bytes=first-" or "bytes=-suffix" range.`, {
      details: { sizeBytes },
    });
  }
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '') {
    const suffixBytes = Number(last);
    if (suffixBytes === 0 || sizeBytes === 0) throw unsatisfiable(header, sizeBytes);
    return { start: Math.max(0, sizeBytes - suffixBytes), end: sizeBytes - 1 };
  }
  const start = Number(first);
  const end = last === '' ? sizeBytes - 1 : Math.min(Number(last), sizeBytes - 1);
  if (start >= sizeBytes || (last !== '' && Number(last) < start)) throw unsatisfiable(header, sizeBytes);
  return { start, end };
}
