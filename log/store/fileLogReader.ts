import { AinError } from '../../schemas/index.ts';
import type { LogRecord, ReadOptions } from './eventLog.ts';
import { MAX_FRAME_PAYLOAD_BYTES } from './framing.ts';
import { recoverSegments, type RecoveryReport } from './recovery.ts';
import { SegmentReader } from './segmentReader.ts';

/** A file log opened only to read: no lock, nothing repaired or written. */
export interface FileLogReader {
  /** Offset of the last intact record (-1 for none). */
  lastOffset(): number;
  read(from: number, options?: ReadOptions): Promise<LogRecord[]>;
  /** A damaged last record that a writer would cut on open (a torn write, or tampering). */
  readonly tornTail: RecoveryReport | undefined;
  close(): Promise<void>;
}

/**
 * Opens the file log in `dir` to read it as it is on disk (for `ain audit`, also while a node
 * runs): damage before the tail throws LOG_CORRUPT naming the segment and byte; a damaged tail is
 * reported in `tornTail` and left in place.
 */
export async function openFileLogReader(dir: string): Promise<FileLogReader> {
  const { segments, report } = await recoverSegments(dir, MAX_FRAME_PAYLOAD_BYTES, 4 * 1024 * 1024, false);
  if (segments.length === 0) throw new AinError('NOT_FOUND', `There is no file log in ${dir}.`);
  const reader = new SegmentReader(dir, segments, { readChunkBytes: 1024 * 1024, maxOpenHandles: 16, maxRecordBytes: MAX_FRAME_PAYLOAD_BYTES });
  const last = segments[segments.length - 1]!.endOffset - 1;
  return {
    tornTail: report,
    lastOffset: () => last,
    read(from, options = {}) {
      const start = Math.max(0, Math.ceil(from));
      const end = Math.min(last, start + Math.floor(options.maxRecords ?? Number.POSITIVE_INFINITY) - 1);
      return end < start ? Promise.resolve([]) : reader.read(start, end);
    },
    close: () => reader.close(),
  };
}
