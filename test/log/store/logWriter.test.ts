// The writer against fake files: when acknowledgements happen relative to fsync, and what a failed
// write or fsync does. The real files are covered by fileLog.test.ts.
import test from 'ava';

import { Segment } from '../../../log/store/segments.ts';
import { LogWriter, type WriterFiles } from '../../../log/store/logWriter.ts';
import { isAinError, type FsyncPolicy } from '../../../schemas/index.ts';
import { bytes, range } from './helpers.ts';

/** Files in memory that count bytes written and synced, and can be told to fail. */
class FakeFiles implements WriterFiles {
  readonly segments = [new Segment(0)];
  writtenBytes = 0;
  syncedBytes = 0;
  syncs = 0;
  failNextSync = false;
  failNextWrite = false;
  private releaseSync: (() => void) | undefined;
  holdSyncs = false;

  active(): Segment {
    return this.segments[this.segments.length - 1] ?? new Segment(0);
  }
  async write(_buffer: Buffer, length: number): Promise<void> {
    if (this.failNextWrite) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    this.writtenBytes += length;
  }
  async sync(): Promise<void> {
    if (this.holdSyncs) await new Promise<void>((resolve) => (this.releaseSync = resolve));
    if (this.failNextSync) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    this.syncs++;
    this.syncedBytes = this.writtenBytes;
  }
  async roll(baseOffset: number): Promise<void> {
    await this.sync();
    this.segments.push(new Segment(baseOffset));
  }
  release(): void {
    this.releaseSync?.();
  }
}

const limits = { segmentBytes: 1 << 20, maxRecordBytes: 1024, maxQueuedBytes: 1 << 20, maxWriteBytes: 1 << 16 };

function writerWith(policy: FsyncPolicy, files = new FakeFiles()): { writer: LogWriter; files: FakeFiles; durable: number[] } {
  const durable: number[] = [];
  return { writer: new LogWriter(files, policy, limits, (last) => durable.push(last)), files, durable };
}

/** Appends and records, at the moment of acknowledgement, how many bytes were synced. */
function appendRecording(
  writer: LogWriter,
  files: FakeFiles,
  batch: readonly string[],
): Promise<{ offsets: number[]; syncedAtAck: number; writtenAtAck: number }> {
  return writer.append(batch.map(bytes)).then((offsets) => ({ offsets, syncedAtAck: files.syncedBytes, writtenAtAck: files.writtenBytes }));
}

test('writer: always acknowledges only after an fsync covering the append', async (t) => {
  const { writer, files } = writerWith('always');
  const results = await Promise.all(range(0, 20).map((index) => appendRecording(writer, files, [`a${index}`, `b${index}`])));
  for (const result of results) t.is(result.syncedAtAck, result.writtenAtAck);
  t.true(files.syncs >= 1);
  await writer.close();
});

for (const [policy, syncs, why] of [
  [{ groupCommit: { maxRecords: 4096, maxDelayMs: 0 } }, 2, 'group commit: one fsync for the first append, one shared by the ten queued behind it'],
  ['always', 11, 'always: every append call gets an fsync of its own'],
] as const) {
  test(`writer: appends queued during an fsync, under ${typeof policy === 'string' ? policy : 'group commit'}`, async (t) => {
    const { writer, files } = writerWith(policy);
    files.holdSyncs = true;
    const first = writer.append([bytes('first')]);
    await new Promise((resolve) => setImmediate(resolve)); // the writer is now inside the first fsync
    const queued = range(0, 10).map((index) => writer.append([bytes(`q${index}`)]));
    files.holdSyncs = false;
    files.release();
    t.deepEqual(await first, [0]);
    t.deepEqual((await Promise.all(queued)).flat(), range(1, 10));
    t.is(files.syncs, syncs, why);
    await writer.close();
  });
}

test('writer: group commit fsyncs when maxRecords are pending, before any ack', async (t) => {
  const { writer, files } = writerWith({ groupCommit: { maxRecords: 5, maxDelayMs: 60_000 } });
  const results = await Promise.all(range(0, 5).map((index) => appendRecording(writer, files, [`r${index}`])));
  t.is(files.syncs, 1);
  for (const result of results) t.is(result.syncedAtAck, result.writtenAtAck);
  await writer.close();
});

test('writer: group commit fsyncs after maxDelayMs when fewer records are pending', async (t) => {
  const { writer, files } = writerWith({ groupCommit: { maxRecords: 1000, maxDelayMs: 1 } });
  const result = await appendRecording(writer, files, ['lonely']);
  t.is(files.syncs, 1);
  t.is(result.syncedAtAck, result.writtenAtAck);
  await writer.close();
});

test('writer: close syncs and acknowledges what is pending', async (t) => {
  const { writer, files } = writerWith({ groupCommit: { maxRecords: 1000, maxDelayMs: 60_000 } });
  const pending = appendRecording(writer, files, ['a', 'b']);
  await writer.close();
  const result = await pending;
  t.deepEqual(result.offsets, [0, 1]);
  t.is(result.syncedAtAck, result.writtenAtAck);
});

test('writer: never acknowledges after the write, without fsync', async (t) => {
  const { writer, files } = writerWith('never');
  t.deepEqual(await writer.append([bytes('x'), bytes('y')]), [0, 1]);
  t.is(files.syncs, 0);
  await writer.close();
});

test('writer: a failed fsync rejects those appends with LOG_IO and every later one', async (t) => {
  const { writer, files, durable } = writerWith('always');
  t.deepEqual(await writer.append([bytes('ok')]), [0]);
  files.failNextSync = true;
  const failed = await Promise.allSettled(range(0, 5).map((index) => writer.append([bytes(`lost${index}`)])));
  for (const result of failed) {
    t.is(result.status, 'rejected');
    t.true(result.status === 'rejected' && isAinError(result.reason, 'LOG_IO'));
  }
  files.failNextSync = false;
  t.true(isAinError(await t.throwsAsync(writer.append([bytes('later')])), 'LOG_IO'), 'the log stays failed: no ack after a failed fsync');
  t.deepEqual(durable, [0], 'nothing past the failure became durable');
  await writer.close();
});

test('writer: a failed write rejects with LOG_IO naming the cause', async (t) => {
  const { writer, files } = writerWith({ groupCommit: { maxRecords: 10, maxDelayMs: 1 } });
  files.failNextWrite = true;
  const error = await t.throwsAsync(writer.append([bytes('x')]));
  t.true(isAinError(error, 'LOG_IO'));
  t.true(error?.message.includes('ENOSPC'));
  await writer.close();
});

test('writer: batches roll to a new segment at segmentBytes and stay contiguous', async (t) => {
  const files = new FakeFiles();
  const durable: number[] = [];
  const writer = new LogWriter(files, 'always', { ...limits, segmentBytes: 50 }, (last) => durable.push(last));
  t.deepEqual(await writer.append(range(0, 12).map((index) => bytes(`record${index}`))), range(0, 12));
  t.deepEqual(
    files.segments.map((segment) => [segment.baseOffset, segment.count]),
    [
      [0, 3],
      [3, 3],
      [6, 3],
      [9, 3],
    ],
  );
  await writer.close();
});
