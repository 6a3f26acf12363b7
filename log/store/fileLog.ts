import { mkdir } from 'node:fs/promises';
import { AinError, type FsyncPolicy } from '../../schemas/index.ts';
import type { EventLog, FollowOptions, LogRecord, ReadOptions } from './eventLog.ts';
import { followRecords, OffsetNotifier } from './follow.ts';
import { FRAME_HEADER_BYTES, MAX_FRAME_PAYLOAD_BYTES } from './framing.ts';
import { acquireDirLock, type DirLock } from './lock.ts';
import { recoverSegments, type RecoveryReport } from './recovery.ts';
import { SegmentReader } from './segmentReader.ts';
import { SegmentFiles, syncDir, type Segment } from './segments.ts';
import { LogWriter } from './logWriter.ts';

const MiB = 1024 * 1024;
const MAX_SEGMENT_BYTES = 2 ** 31;
const SCAN_CHUNK_BYTES = 4 * MiB;
const READ_CHUNK_BYTES = 1 * MiB;
const MAX_WRITE_BYTES = 4 * MiB;
const MAX_OPEN_READ_HANDLES = 16;

export interface FileLogOptions {
  /** The directory holding the segments and the lock file; created when missing. */
  readonly dir: string;
  /** When appends are acknowledged (see `FsyncPolicy`); default group commit, syncing as soon as the disk is free. */
  readonly fsync?: FsyncPolicy;
  /** A segment is rolled when the next record would take it past this; default 64 MiB. */
  readonly segmentBytes?: number;
  /** Larger records are refused with `RECORD_TOO_LARGE`; default 1 MiB. */
  readonly maxRecordBytes?: number;
  /** Framed bytes waiting to be written before appends are refused with `OVERLOADED`; default 64 MiB. */
  readonly maxQueuedBytes?: number;
  /** Told when open cut a torn tail from the log; default: nothing. */
  readonly onRecovery?: (report: RecoveryReport) => void;
}

/** A file log: an `EventLog` plus what open found on disk. */
export interface FileLog extends EventLog {
  readonly dir: string;
  /** The torn tail open cut from the log, or undefined when the log was clean. */
  readonly recovery: RecoveryReport | undefined;
}

export const defaultFsyncPolicy: FsyncPolicy = { groupCommit: { maxRecords: 4096, maxDelayMs: 0 } };

/**
 * Opens (or creates) the file log in `options.dir`: takes the directory lock, scans and indexes the
 * segments, cuts a torn tail, and starts the writer.
 * @example
 * const log = await openFileLog({ dir: 'data/log' });
 * const [offset] = await log.append([bytes]); // durable once this resolves
 */
export async function openFileLog(options: FileLogOptions): Promise<FileLog> {
  const settings = checkOptions(options);
  await mkdir(options.dir, { recursive: true });
  const lock = await acquireDirLock(options.dir);
  try {
    const { segments, report } = await recoverSegments(options.dir, settings.maxRecordBytes, SCAN_CHUNK_BYTES);
    const files = await SegmentFiles.open(options.dir, segments);
    await syncDir(options.dir);
    if (report !== undefined) options.onRecovery?.(report);
    return new OpenFileLog(options.dir, segments, files, lock, settings, report);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

interface Settings {
  readonly fsync: FsyncPolicy;
  readonly segmentBytes: number;
  readonly maxRecordBytes: number;
  readonly maxQueuedBytes: number;
}

class OpenFileLog implements FileLog {
  private durableOffset: number;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly notifier = new OffsetNotifier();
  private readonly writer: LogWriter;
  private readonly reader: SegmentReader;

  constructor(
    readonly dir: string,
    segments: Segment[],
    private readonly files: SegmentFiles,
    private readonly lock: DirLock,
    settings: Settings,
    readonly recovery: RecoveryReport | undefined,
  ) {
    this.durableOffset = files.active().endOffset - 1;
    const limits = {
      segmentBytes: settings.segmentBytes,
      maxRecordBytes: settings.maxRecordBytes,
      maxQueuedBytes: settings.maxQueuedBytes,
      maxWriteBytes: MAX_WRITE_BYTES,
    };
    this.writer = new LogWriter(files, settings.fsync, limits, (lastOffset) => {
      this.durableOffset = lastOffset;
      this.notifier.notify();
    });
    this.reader = new SegmentReader(dir, segments, {
      readChunkBytes: READ_CHUNK_BYTES,
      maxOpenHandles: MAX_OPEN_READ_HANDLES,
      maxRecordBytes: MAX_FRAME_PAYLOAD_BYTES,
    });
  }

  append(batch: readonly Uint8Array[]): Promise<number[]> {
    return this.writer.append(batch);
  }

  read(from: number, options: ReadOptions = {}): Promise<LogRecord[]> {
    if (this.closed) return Promise.reject(this.closedError());
    const start = Math.max(0, Math.ceil(from));
    const maxRecords = Math.floor(options.maxRecords ?? Number.POSITIVE_INFINITY);
    const last = Math.min(this.durableOffset, start + maxRecords - 1);
    if (last < start) return Promise.resolve([]);
    return this.reader.read(start, last);
  }

  follow(from: number, options: FollowOptions = {}): AsyncIterable<LogRecord[]> {
    const source = {
      read: (start: number, readOptions: ReadOptions) => this.read(start, readOptions),
      lastOffset: () => this.durableOffset,
      isClosed: () => this.closed,
      notifier: this.notifier,
    };
    return followRecords(source, from, options);
  }

  lastOffset(): number {
    return this.durableOffset;
  }

  /** Syncs and acknowledges appends in flight, ends followers, closes the files, drops the lock. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    // Everything is closed even when a step fails; the first failure is the one reported.
    const [writer] = await Promise.allSettled([this.writer.close()]);
    this.closed = true;
    this.notifier.close();
    const [files] = await Promise.allSettled([this.files.close(), this.reader.close()]);
    await this.lock.release();
    if (writer.status === 'rejected') throw writer.reason;
    if (files.status === 'rejected') {
      throw new AinError('LOG_IO', `The log in ${this.dir} could not sync its last segment on close.`, { cause: files.reason });
    }
  }

  private closedError(): AinError {
    return new AinError('LOG_CLOSED', `The log in ${this.dir} is closed; open it again to read.`);
  }
}

function checkOptions(options: FileLogOptions): Settings {
  const segmentBytes = options.segmentBytes ?? 64 * MiB;
  const maxRecordBytes = options.maxRecordBytes ?? 1 * MiB;
  const maxQueuedBytes = options.maxQueuedBytes ?? Math.max(64 * MiB, 4 * (maxRecordBytes + FRAME_HEADER_BYTES));
  const fsync = options.fsync ?? defaultFsyncPolicy;
  const problems: string[] = [];
  if (typeof options.dir !== 'string' || options.dir === '') problems.push('dir must be a directory path');
  if (!isIntegerIn(segmentBytes, 1, MAX_SEGMENT_BYTES)) problems.push(`segmentBytes must be an integer from 1 to ${MAX_SEGMENT_BYTES}`);
  if (!isIntegerIn(maxRecordBytes, 0, MAX_FRAME_PAYLOAD_BYTES)) {
    problems.push(`maxRecordBytes must be an integer from 0 to ${MAX_FRAME_PAYLOAD_BYTES}`);
  }
  if (!isIntegerIn(maxQueuedBytes, maxRecordBytes + FRAME_HEADER_BYTES, Number.MAX_SAFE_INTEGER)) {
    problems.push('maxQueuedBytes must be an integer that holds at least one record of maxRecordBytes');
  }
  if (typeof fsync === 'object') {
    const { maxRecords, maxDelayMs } = fsync.groupCommit;
    if (!isIntegerIn(maxRecords, 1, Number.MAX_SAFE_INTEGER)) problems.push('fsync.groupCommit.maxRecords must be a positive integer');
    if (!(Number.isFinite(maxDelayMs) && maxDelayMs >= 0)) problems.push('fsync.groupCommit.maxDelayMs must be a number ≥ 0');
  } else if (fsync !== 'always' && fsync !== 'never') {
    problems.push("fsync must be 'always', 'never' or { groupCommit: { maxRecords, maxDelayMs } }");
  }
  if (problems.length > 0) {
    throw new AinError('BAD_CONFIG', `The file log options are invalid: ${problems.join('; ')}.`, { details: { problems } });
  }
  return { fsync, segmentBytes, maxRecordBytes, maxQueuedBytes };
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
