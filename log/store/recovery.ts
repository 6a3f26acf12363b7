import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { AinError } from '../../schemas/index.ts';
import { checkFrame, FRAME_CRC_SEED, FRAME_HEADER_BYTES, MAX_FRAME_PAYLOAD_BYTES, type FrameCheck } from './framing.ts';
import { listSegmentFiles, Segment } from './segments.ts';

/** What open found and cut at the tail of the log: unacknowledged bytes of an interrupted write. */
export interface RecoveryReport {
  /** Bytes cut from the end of the last segment. */
  readonly truncatedBytes: number;
  /** File name of the segment that was cut. */
  readonly segment: string;
  /** The offset the first cut record would have had: the next append gets this offset. */
  readonly offset: number;
  /** Byte position in the segment where the file now ends. */
  readonly position: number;
  /** What the bytes at `position` were, in words. */
  readonly reason: string;
}

export interface RecoveredSegments {
  /** Every segment, indexed, ordered by base offset; empty for a new log. */
  readonly segments: Segment[];
  readonly report: RecoveryReport | undefined;
}

const MAX_SEGMENT_FILE_BYTES = 2 ** 32 - 1;

/**
 * Scans every segment of the log in `dir`, builds the offset index and repairs a torn tail.
 *
 * The rule: a frame that does not parse (short header, a length past the end of the file or above
 * `MAX_FRAME_PAYLOAD_BYTES`, checksum mismatch) is a torn tail when it is in the last segment and no valid frame
 * parses anywhere after it; the file is cut there and fsynced. Anything else is `LOG_CORRUPT`:
 * a bad frame in an earlier segment (segments are fsynced before the next one is created, so
 * they cannot end in a torn write), a bad frame followed by a valid one (a damaged record inside
 * acknowledged data), or segments whose offsets do not follow each other. Nothing is skipped.
 * Looking for a valid frame after a bad one, only lengths up to `maxRecordBytes` are tried.
 */
export async function recoverSegments(
  dir: string,
  maxRecordBytes: number,
  scanChunkBytes: number,
  /** False for readers that must not change the log (an audit): a torn tail is reported, not cut. */
  repair = true,
): Promise<RecoveredSegments> {
  const files = await listSegmentFiles(dir);
  const segments: Segment[] = [];
  let report: RecoveryReport | undefined;
  let expectedBase = 0;
  for (const [index, { file, baseOffset }] of files.entries()) {
    const path = join(dir, file);
    if (baseOffset !== expectedBase) {
      throw new AinError(
        'LOG_CORRUPT',
        `Segment ${path} starts at offset ${baseOffset}, but the segments before it end at offset ${expectedBase}: a segment is missing or misnamed.`,
        { details: { segment: path, position: 0, expectedBase } },
      );
    }
    const isLast = index === files.length - 1;
    const segment = new Segment(baseOffset, file);
    const handle = await open(path, isLast && repair ? 'r+' : 'r');
    try {
      const bad = await scanSegment(handle, segment, path, scanChunkBytes);
      if (bad !== undefined) {
        const fileBytes = (await handle.stat()).size;
        const damage = `Segment ${path} is damaged at byte ${bad.position} (the record at offset ${segment.endOffset}): found ${bad.reason}`;
        if (!isLast) {
          throw corrupt(`${damage}; only the last segment may end in an interrupted write. Restore this segment from a replica.`, path, bad.position);
        }
        const next = await findValidFrameAfter(handle, fileBytes, bad.position, maxRecordBytes, scanChunkBytes);
        if (next !== undefined) {
          throw corrupt(
            `${damage}, yet a valid record follows at byte ${next}, so this is not a torn tail. Restore the segment from a replica, or cut it at byte ${bad.position} by hand if losing every record from offset ${segment.endOffset} is acceptable.`,
            path,
            bad.position,
          );
        }
        if (repair) {
          await handle.truncate(bad.position);
          await handle.sync();
        }
        report = {
          truncatedBytes: fileBytes - bad.position,
          segment: file,
          offset: segment.endOffset,
          position: bad.position,
          reason: bad.reason,
        };
      }
    } finally {
      await handle.close();
    }
    segments.push(segment);
    expectedBase = segment.endOffset;
  }
  return { segments, report };
}

function corrupt(message: string, segment: string, position: number): AinError {
  return new AinError('LOG_CORRUPT', message, { details: { segment, position } });
}

/** Indexes every valid frame of the segment; returns the first bad frame, if any. */
async function scanSegment(handle: FileHandle, segment: Segment, path: string, chunkBytes: number): Promise<{ position: number; reason: string } | undefined> {
  const size = (await handle.stat()).size;
  if (size > MAX_SEGMENT_FILE_BYTES) {
    throw corrupt(`Segment ${path} is ${size} bytes, more than the 4 GiB a segment may hold; it was not written by ain.`, path, 0);
  }
  const reader = new WindowReader(handle, size, chunkBytes);
  let position = 0;
  while (position < size) {
    const check = await frameAt(reader, position, MAX_FRAME_PAYLOAD_BYTES);
    if (!check.ok) return { position, reason: check.reason };
    const slots = segment.reserve(1);
    slots[segment.count] = position;
    position += FRAME_HEADER_BYTES + check.length;
    segment.commit(1, position);
  }
  return undefined;
}

/** The position of the first frame after `from` that parses with a valid checksum, if any. */
async function findValidFrameAfter(handle: FileHandle, size: number, from: number, maxRecordBytes: number, chunkBytes: number): Promise<number | undefined> {
  const reader = new WindowReader(handle, size, chunkBytes);
  for (let position = from + 1; position + FRAME_HEADER_BYTES <= size; position++) {
    if (position < reader.start || position + FRAME_HEADER_BYTES > reader.end) {
      await reader.ensure(position, chunkBytes);
    }
    const at = position - reader.start;
    const length = reader.buffer.readUInt32LE(at);
    if (length > maxRecordBytes || position + FRAME_HEADER_BYTES + length > size) continue;
    // A zero-filled tail is the common case; reject it without computing a checksum per byte.
    if (length === 0 && reader.buffer.readUInt32LE(at + 4) !== FRAME_CRC_SEED) continue;
    if ((await frameAt(reader, position, maxRecordBytes)).ok) return position;
  }
  return undefined;
}

async function frameAt(reader: WindowReader, position: number, maxRecordBytes: number): Promise<FrameCheck> {
  await reader.ensure(position, FRAME_HEADER_BYTES);
  if (reader.end - position >= FRAME_HEADER_BYTES) {
    const length = reader.buffer.readUInt32LE(position - reader.start);
    if (length <= maxRecordBytes) await reader.ensure(position, FRAME_HEADER_BYTES + length);
  }
  return checkFrame(reader.buffer, position - reader.start, reader.end - reader.start, maxRecordBytes);
}

/** A reusable window over a file, refilled with one positioned read when a frame falls outside. */
class WindowReader {
  buffer = Buffer.alloc(0);
  start = 0;
  end = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly chunkBytes: number,
  ) {}

  /** Makes the window cover `[position, min(position + bytes, size))`. */
  async ensure(position: number, bytes: number): Promise<void> {
    const want = Math.min(position + bytes, this.size);
    if (position >= this.start && want <= this.end) return;
    const length = Math.min(Math.max(bytes, this.chunkBytes), this.size - position);
    if (this.buffer.length < length) this.buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(this.buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.start = position;
    this.end = position + filled;
  }
}
