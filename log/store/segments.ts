import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { AinError } from '../../schemas/index.ts';
import type { WriterFiles } from './logWriter.ts';

const SEGMENT_SUFFIX = '.seg';
const SEGMENT_NAME = /^(\d{20})\.seg$/;
const INITIAL_INDEX_SLOTS = 1024;

/** `00000000000000000042.seg` for the segment whose first record has offset 42. */
export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

/** The segment files in `dir`, ordered by base offset. Other files (the lock) are ignored. */
export async function listSegmentFiles(dir: string): Promise<{ file: string; baseOffset: number }[]> {
  const names = await readdir(dir);
  const segments: { file: string; baseOffset: number }[] = [];
  for (const file of names) {
    const match = SEGMENT_NAME.exec(file);
    if (match?.[1] === undefined) continue;
    const baseOffset = Number(match[1]);
    if (!Number.isSafeInteger(baseOffset)) {
      throw new AinError('LOG_CORRUPT', `Segment file ${file} in ${dir} names an offset beyond 2^53; it is not an ain segment.`, {
        details: { dir, file },
      });
    }
    segments.push({ file, baseOffset });
  }
  return segments.sort((a, b) => a.baseOffset - b.baseOffset);
}

/**
 * One segment file and its in-memory index: the byte position of every record in it, so a read
 * seeks straight to a record instead of scanning the file.
 *
 * `count` and `sizeBytes` cover records that are written (not necessarily durable); the writer
 * fills index slots past `count` before a write and commits them once the write succeeded.
 */
export class Segment {
  readonly baseOffset: number;
  readonly file: string;
  count = 0;
  sizeBytes = 0;
  private positions = new Uint32Array(INITIAL_INDEX_SLOTS);

  constructor(baseOffset: number, file: string = segmentFileName(baseOffset)) {
    this.baseOffset = baseOffset;
    this.file = file;
  }

  /** The offset the next record written to this segment gets. */
  get endOffset(): number {
    return this.baseOffset + this.count;
  }

  /** Index slots for `extra` more records past `count`, growing the index when needed. */
  reserve(extra: number): Uint32Array {
    const needed = this.count + extra;
    if (needed > this.positions.length) {
      let size = this.positions.length;
      while (size < needed) size *= 2;
      const grown = new Uint32Array(size);
      grown.set(this.positions); // slots past `count` may hold positions of a write in progress
      this.positions = grown;
    }
    return this.positions;
  }

  /** Makes `records` index slots past `count` part of the segment, now ending at `sizeBytes`. */
  commit(records: number, sizeBytes: number): void {
    this.count += records;
    this.sizeBytes = sizeBytes;
  }

  /** Byte position where the record at `offset` starts. */
  startOf(offset: number): number {
    const slot = offset - this.baseOffset;
    if (slot < 0 || slot >= this.count) {
      throw new AinError('INTERNAL', `Offset ${offset} is not in segment ${this.file} (records ${this.baseOffset} to ${this.endOffset - 1}).`);
    }
    return this.positions[slot] ?? 0;
  }

  /** Byte position just after the record at `offset`. */
  endOf(offset: number): number {
    const slot = offset - this.baseOffset + 1;
    return slot < this.count ? (this.positions[slot] ?? 0) : this.sizeBytes;
  }

  /**
   * The last offset in `[from, last]` whose record ends within `maxBytes` of the start of `from`;
   * at least `from` itself, so one record bigger than `maxBytes` is still read.
   */
  lastWithin(from: number, last: number, maxBytes: number): number {
    const limit = this.startOf(from) + maxBytes;
    let low = from;
    let high = last;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.endOf(mid) <= limit) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** The segment that holds `offset`, by binary search; undefined when no segment does. */
export function findSegment(segments: readonly Segment[], offset: number): Segment | undefined {
  let low = 0;
  let high = segments.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const segment = segments[mid];
    if (segment === undefined) return undefined;
    if (offset < segment.baseOffset) high = mid - 1;
    else if (offset >= segment.endOffset) low = mid + 1;
    else return segment;
  }
  return undefined;
}

/**
 * The writer's side of the segment files: one read-write handle on the last segment, and rolling
 * to a new file. A new segment is created with O_EXCL and the directory fsynced, so after a crash
 * the file exists or it does not; the old segment is fsynced before, so only the last segment can
 * end in an interrupted write (the rule recovery.ts relies on).
 */
export class SegmentFiles implements WriterFiles {
  private constructor(
    private readonly dir: string,
    private readonly segments: Segment[],
    private handle: FileHandle,
  ) {}

  /** Opens the last segment of `segments` for appending, creating the first one for a new log. */
  static async open(dir: string, segments: Segment[]): Promise<SegmentFiles> {
    const last = segments[segments.length - 1];
    if (last !== undefined) return new SegmentFiles(dir, segments, await open(join(dir, last.file), 'r+'));
    const first = new Segment(0);
    const handle = await createSegmentFile(dir, first.file);
    segments.push(first);
    return new SegmentFiles(dir, segments, handle);
  }

  active(): Segment {
    const last = this.segments[this.segments.length - 1];
    if (last === undefined) throw new AinError('INTERNAL', 'The log has no active segment.');
    return last;
  }

  async write(buffer: Buffer, length: number, position: number): Promise<void> {
    let written = 0;
    while (written < length) {
      const { bytesWritten } = await this.handle.write(buffer, written, length - written, position + written);
      written += bytesWritten;
    }
  }

  /** fdatasync: flushes the data and the file size, which is all an append changes. */
  sync(): Promise<void> {
    return this.handle.datasync();
  }

  async roll(baseOffset: number): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    const next = new Segment(baseOffset);
    this.handle = await createSegmentFile(this.dir, next.file);
    this.segments.push(next);
  }

  async close(): Promise<void> {
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
  }
}

async function createSegmentFile(dir: string, file: string): Promise<FileHandle> {
  const handle = await open(join(dir, file), 'wx+');
  await syncDir(dir);
  return handle;
}

/** Fsyncs a directory so a file created or removed in it survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
