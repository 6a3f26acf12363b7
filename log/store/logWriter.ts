import { AinError, isAinError, type FsyncPolicy } from '../../schemas/index.ts';
import { encodeFrame, FRAME_HEADER_BYTES } from './framing.ts';
import type { Segment } from './segments.ts';

/*
 * When an append is acknowledged (the policy's schema is in schemas/config):
 * - `'always'`: each append call gets a write and an fsync of its own before its ack.
 * - `{ groupCommit }` (default): appends queued while an fsync runs are written together and
 *   share the next fsync. `maxDelayMs` lets a group linger that long after its first record
 *   (unless `maxRecords` are waiting) before syncing: worth it only where an fsync is slow. The
 *   default is 0, a sync as soon as the disk is free: where an fsync is quick, a linger only adds
 *   latency and costs throughput (figures in docs/benchmarks.md).
 * - `'never'`: after the write, without fsync. A power cut loses acknowledged records: for
 *   benchmarks only, never for a node.
 */

/** The files the writer appends to: the active segment, and rolling to a new one. */
export interface WriterFiles {
  /** The segment appends go to now. */
  active(): Segment;
  /** Writes `buffer[0, length)` to the active segment at byte `position`. */
  write(buffer: Buffer, length: number, position: number): Promise<void>;
  /** Fsyncs the active segment. */
  sync(): Promise<void>;
  /** Fsyncs and closes the active segment, then creates the segment starting at `baseOffset`. */
  roll(baseOffset: number): Promise<void>;
}

export interface WriterLimits {
  readonly segmentBytes: number;
  readonly maxRecordBytes: number;
  /** Framed bytes waiting to be written; an append past this is refused with `OVERLOADED`. */
  readonly maxQueuedBytes: number;
  /** Framed bytes written per write call (one batch larger than this is written whole). */
  readonly maxWriteBytes: number;
}

interface PendingAppend {
  readonly batch: readonly Uint8Array[];
  readonly bytes: number;
  firstOffset: number;
  readonly resolve: (offsets: number[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The single writer of a file log. `append` only validates and enqueues; one loop takes what is
 * queued, frames it into one buffer per segment, writes it with one call, fsyncs per policy and
 * then resolves every append it covered. After a failed write or fsync every pending and later
 * append is rejected with `LOG_IO`: nothing is acknowledged after a failed fsync. Records of a
 * rejected append may still be on disk after a restart (an in-doubt write, like a timeout);
 * tx hashes make resubmitting them safe. The batch's bytes are copied when the loop frames them,
 * not in `append`: a caller must not change them until its append settles.
 */
export class LogWriter {
  private queue: PendingAppend[] = [];
  private queuedBytes = 0;
  private unsynced: PendingAppend[] = [];
  private unsyncedRecords = 0;
  private firstUnsyncedAtMs = 0;
  private nextOffset: number;
  private state: 'open' | 'closing' | 'closed' | 'failed' = 'open';
  private failure: AinError | undefined;
  private wake: (() => void) | undefined;
  private scratch = Buffer.allocUnsafe(0);
  private readonly loop: Promise<void>;

  constructor(
    private readonly files: WriterFiles,
    private readonly policy: FsyncPolicy,
    private readonly limits: WriterLimits,
    /** Called with the last durable offset after each acknowledgement. */
    private readonly onDurable: (lastOffset: number) => void,
  ) {
    this.nextOffset = files.active().endOffset;
    this.loop = this.run();
  }

  append(batch: readonly Uint8Array[]): Promise<number[]> {
    if (this.state === 'failed') return Promise.reject(this.failedError());
    if (this.state !== 'open') return Promise.reject(new AinError('LOG_CLOSED', 'The log is closed; open it again to append.'));
    let bytes = 0;
    for (let index = 0; index < batch.length; index++) {
      const size = batch[index]?.byteLength ?? 0;
      if (size > this.limits.maxRecordBytes) {
        return Promise.reject(
          new AinError(
            'RECORD_TOO_LARGE',
            `Record ${index} of the batch is ${size} bytes, above the log's maxRecordBytes of ${this.limits.maxRecordBytes}; nothing was appended.`,
            {
              details: { index, sizeBytes: size, maxRecordBytes: this.limits.maxRecordBytes },
            },
          ),
        );
      }
      bytes += FRAME_HEADER_BYTES + size;
    }
    if (batch.length === 0) return Promise.resolve([]);
    if (bytes > this.limits.maxQueuedBytes) {
      return Promise.reject(
        new AinError('BATCH_TOO_LARGE', `The batch frames to ${bytes} bytes, above the log's queue limit of ${this.limits.maxQueuedBytes}; split it.`, {
          details: { sizeBytes: bytes, maxQueuedBytes: this.limits.maxQueuedBytes },
        }),
      );
    }
    if (this.queuedBytes + bytes > this.limits.maxQueuedBytes) {
      return Promise.reject(
        new AinError('OVERLOADED', `The log has ${this.queuedBytes} bytes waiting to be written; retry when earlier appends are acknowledged.`, {
          details: { queuedBytes: this.queuedBytes, maxQueuedBytes: this.limits.maxQueuedBytes },
        }),
      );
    }
    return new Promise<number[]>((resolve, reject) => {
      this.queue.push({ batch, bytes, firstOffset: -1, resolve, reject });
      this.queuedBytes += bytes;
      this.wake?.();
    });
  }

  /** Stops taking appends, writes and syncs everything already queued, then ends the loop. */
  async close(): Promise<void> {
    if (this.state === 'open') this.state = 'closing';
    this.wake?.();
    await this.loop;
    if (this.state === 'closing') this.state = 'closed';
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        if (this.queue.length > 0) {
          await this.writeQueued();
          if (this.syncDueInMs() <= 0) await this.syncAndAck();
        } else if (this.unsynced.length > 0) {
          const dueInMs = this.syncDueInMs();
          if (dueInMs <= 0 || this.state === 'closing') await this.syncAndAck();
          else await this.idle(dueInMs);
        } else if (this.state === 'closing') {
          return;
        } else {
          await this.idle(undefined);
        }
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Milliseconds until the unsynced records must be fsynced and acknowledged (≤ 0: now). */
  private syncDueInMs(): number {
    if (typeof this.policy === 'string') return 0;
    const { maxRecords, maxDelayMs } = this.policy.groupCommit;
    if (this.unsyncedRecords >= maxRecords) return 0;
    return this.firstUnsyncedAtMs + maxDelayMs - performance.now();
  }

  /** Waits for an append, `close`, or `timeoutMs`, whichever comes first. */
  private idle(timeoutMs: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => done(), Math.max(1, Math.ceil(timeoutMs)));
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }

  /** Frames up to `maxWriteBytes` of queued appends and writes them, one call per segment. */
  private async writeQueued(): Promise<void> {
    let taken = 0;
    let takenBytes = 0;
    for (const pending of this.queue) {
      if (taken > 0 && (this.policy === 'always' || takenBytes + pending.bytes > this.limits.maxWriteBytes)) break;
      taken++;
      takenBytes += pending.bytes;
    }
    const appends = this.queue.splice(0, taken);
    this.queuedBytes -= takenBytes;
    // In the unsynced list before the first write, so a failure below rejects them too.
    if (this.unsynced.length === 0) this.firstUnsyncedAtMs = performance.now();
    for (const pending of appends) {
      this.unsynced.push(pending);
      this.unsyncedRecords += pending.batch.length;
    }
    if (this.scratch.length < takenBytes) this.scratch = Buffer.allocUnsafe(Math.max(takenBytes, this.scratch.length * 2));

    const buffer = this.scratch;
    let segment = this.files.active();
    let chunkStart = 0; // where the current segment's bytes start in `buffer`
    let chunkRecords = 0;
    let at = 0;
    for (const pending of appends) {
      pending.firstOffset = this.nextOffset;
      for (const record of pending.batch) {
        const frameBytes = FRAME_HEADER_BYTES + record.byteLength;
        const segmentBytes = segment.sizeBytes + (at - chunkStart);
        if (segmentBytes + frameBytes > this.limits.segmentBytes && segment.count + chunkRecords > 0) {
          await this.flush(segment, buffer, chunkStart, at, chunkRecords);
          await this.files.roll(this.nextOffset);
          segment = this.files.active();
          chunkStart = at;
          chunkRecords = 0;
        }
        const positions = segment.reserve(chunkRecords + 1);
        positions[segment.count + chunkRecords] = segment.sizeBytes + (at - chunkStart);
        at = encodeFrame(record, buffer, at);
        chunkRecords++;
        this.nextOffset++;
      }
    }
    await this.flush(segment, buffer, chunkStart, at, chunkRecords);
  }

  private async flush(segment: Segment, buffer: Buffer, start: number, end: number, records: number): Promise<void> {
    if (records === 0) return;
    await this.files.write(start === 0 ? buffer : buffer.subarray(start), end - start, segment.sizeBytes);
    segment.commit(records, segment.sizeBytes + (end - start));
  }

  private async syncAndAck(): Promise<void> {
    if (this.policy !== 'never') await this.files.sync();
    const acked = this.unsynced;
    this.unsynced = [];
    this.unsyncedRecords = 0;
    let lastOffset = -1;
    for (const pending of acked) {
      const count = pending.batch.length;
      const offsets = new Array<number>(count);
      for (let index = 0; index < count; index++) offsets[index] = pending.firstOffset + index;
      lastOffset = pending.firstOffset + count - 1;
      pending.resolve(offsets);
    }
    if (lastOffset >= 0) this.onDurable(lastOffset);
  }

  private fail(error: unknown): void {
    this.state = 'failed';
    this.failure = isAinError(error)
      ? error
      : new AinError(
          'LOG_IO',
          `The log could not write or fsync its segment (${(error as Error)?.message ?? String(error)}); it accepts no more appends. Check the disk, then restart.`,
          {
            cause: error,
          },
        );
    const pending = [...this.unsynced, ...this.queue];
    this.unsynced = [];
    this.queue = [];
    this.queuedBytes = 0;
    this.unsyncedRecords = 0;
    for (const append of pending) append.reject(this.failedError());
  }

  private failedError(): AinError {
    return new AinError('LOG_IO', `The log failed earlier and accepts no more appends: ${this.failure?.message ?? 'unknown failure'}`, {
      cause: this.failure,
    });
  }
}
