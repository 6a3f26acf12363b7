import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { AinError } from '../../schemas/index.ts';
import type { LogRecord } from './eventLog.ts';
import { checkFrame, FRAME_HEADER_BYTES } from './framing.ts';
import { findSegment, type Segment } from './segments.ts';

interface CachedHandle {
  readonly handle: Promise<FileHandle>;
  refs: number;
}

/** Limits of the read path. */
export interface SegmentReaderLimits {
  /** Bytes read by one positioned read (a single larger record is still read whole). */
  readonly readChunkBytes: number;
  /** Read-only file handles kept open across reads; idle ones beyond this are closed. */
  readonly maxOpenHandles: number;
  /** Frames claiming more are damage (see MAX_FRAME_PAYLOAD_BYTES). */
  readonly maxRecordBytes: number;
}

/**
 * Reads records by offset with positioned reads through a small cache of read-only handles,
 * separate from the writer's handle so a segment roll never closes a file under a reader.
 */
export class SegmentReader {
  private readonly handles = new Map<string, CachedHandle>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly dir: string,
    private readonly segments: readonly Segment[],
    private readonly limits: SegmentReaderLimits,
  ) {}

  /** Records `from..last` (inclusive), which the caller knows are written to their segments. */
  read(from: number, last: number): Promise<LogRecord[]> {
    const reading = this.readRange(from, last);
    this.inFlight.add(reading);
    const done = (): void => {
      this.inFlight.delete(reading);
    };
    reading.then(done, done);
    return reading;
  }

  /** Waits for reads in flight, then closes every handle. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.allSettled(handles.map(async (cached) => (await cached.handle).close()));
  }

  private async readRange(from: number, last: number): Promise<LogRecord[]> {
    const records: LogRecord[] = [];
    let offset = from;
    while (offset <= last) {
      const segment = findSegment(this.segments, offset);
      if (segment === undefined) {
        throw new AinError('INTERNAL', `No segment holds offset ${offset}, though the log says it is written.`);
      }
      const chunkLast = segment.lastWithin(offset, Math.min(last, segment.endOffset - 1), this.limits.readChunkBytes);
      await this.readChunk(segment, offset, chunkLast, records);
      offset = chunkLast + 1;
    }
    return records;
  }

  private async readChunk(segment: Segment, from: number, last: number, into: LogRecord[]): Promise<void> {
    const start = segment.startOf(from);
    const length = segment.endOf(last) - start;
    const buffer = Buffer.allocUnsafe(length);
    const handle = await this.acquire(segment.file);
    try {
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
        if (bytesRead === 0) {
          throw this.corrupt(segment, start + filled, `the file ends before byte ${start + length} that the index expects`);
        }
        filled += bytesRead;
      }
    } finally {
      this.release(segment.file);
    }
    for (let offset = from; offset <= last; offset++) {
      const at = segment.startOf(offset) - start;
      const check = checkFrame(buffer, at, length, this.limits.maxRecordBytes);
      if (!check.ok || at + FRAME_HEADER_BYTES + check.length !== segment.endOf(offset) - start) {
        const reason = check.ok ? 'a length that disagrees with the index' : check.reason;
        throw this.corrupt(segment, start + at, reason);
      }
      into.push({ offset, value: buffer.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + check.length) });
    }
  }

  private corrupt(segment: Segment, position: number, reason: string): AinError {
    const path = join(this.dir, segment.file);
    return new AinError(
      'LOG_CORRUPT',
      `Segment ${path} changed under the running log: reading byte ${position} found ${reason}. Stop the node and check the disk.`,
      { details: { segment: path, position } },
    );
  }

  private acquire(file: string): Promise<FileHandle> {
    let cached = this.handles.get(file);
    if (cached === undefined) {
      const handle = open(join(this.dir, file), 'r');
      cached = { handle, refs: 0 };
      this.handles.set(file, cached);
      handle.catch(() => this.handles.delete(file));
    } else {
      // Re-insert so the map's order is least recently used first, for eviction in release().
      this.handles.delete(file);
      this.handles.set(file, cached);
    }
    cached.refs++;
    return cached.handle;
  }

  private release(file: string): void {
    const cached = this.handles.get(file);
    if (cached === undefined) return;
    cached.refs--;
    if (this.handles.size <= this.limits.maxOpenHandles) return;
    for (const [name, entry] of this.handles) {
      if (this.handles.size <= this.limits.maxOpenHandles) break;
      if (entry.refs > 0) continue;
      this.handles.delete(name);
      void entry.handle.then((handle) => handle.close()).catch(() => undefined);
    }
  }
}
