import { crc32c } from '@node-rs/crc32';

/**
 * On-disk framing of one record: `[u32 length][u32 checksum][payload]`, little endian.
 *
 * The checksum is CRC32C of the payload, continued from `FRAME_CRC_SEED` instead of 0. With a
 * zero seed an empty payload checksums to 0, so a run of zero bytes (what a file system can leave
 * at the end of a file after a power cut) would parse as a stream of valid empty records. With the
 * seed, an all-zero frame never validates. A reader in another language computes
 * `crc32c_update(0x61696e31, payload)` (the seed is the ASCII bytes "ain1").
 */
export const FRAME_HEADER_BYTES = 8;
export const FRAME_CRC_SEED = 0x61696e31;

/**
 * The largest payload any frame may claim, whatever `maxRecordBytes` a log is opened with. Reading
 * and recovery check frames against this, not against `maxRecordBytes`, so records written when
 * the limit was higher stay valid (and are never cut as a "torn tail") after it is lowered.
 */
export const MAX_FRAME_PAYLOAD_BYTES = 2 ** 30;

/** The checksum stored in a frame for `payload`. */
export function frameChecksum(payload: Uint8Array): number {
  return crc32c(payload, FRAME_CRC_SEED);
}

/** Writes the frame of `record` into `target` at `position`; returns the position after it. */
export function encodeFrame(record: Uint8Array, target: Buffer, position: number): number {
  target.writeUInt32LE(record.byteLength, position);
  target.writeUInt32LE(frameChecksum(record), position + 4);
  target.set(record, position + FRAME_HEADER_BYTES);
  return position + FRAME_HEADER_BYTES + record.byteLength;
}

/** Why a frame did not parse; `ok` when it did. */
export type FrameCheck = { readonly ok: true; readonly length: number } | { readonly ok: false; readonly reason: string };

/**
 * Checks the frame that starts at `position` in `buffer`, where `end` is the end of the valid
 * bytes (the end of the file, as far as the caller knows). Pure: no I/O, never throws.
 */
export function checkFrame(buffer: Buffer, position: number, end: number, maxRecordBytes: number): FrameCheck {
  if (end - position < FRAME_HEADER_BYTES) {
    return { ok: false, reason: `a partial frame header (${end - position} of ${FRAME_HEADER_BYTES} bytes)` };
  }
  const length = buffer.readUInt32LE(position);
  if (length > maxRecordBytes) {
    return { ok: false, reason: `a length field of ${length} bytes, above the limit of ${maxRecordBytes}` };
  }
  const payloadEnd = position + FRAME_HEADER_BYTES + length;
  if (payloadEnd > end) {
    return { ok: false, reason: `a partial record (${end - position - FRAME_HEADER_BYTES} of ${length} bytes)` };
  }
  const stored = buffer.readUInt32LE(position + 4);
  const actual = frameChecksum(buffer.subarray(position + FRAME_HEADER_BYTES, payloadEnd));
  if (stored !== actual) {
    return { ok: false, reason: 'a checksum mismatch' };
  }
  return { ok: true, length };
}
