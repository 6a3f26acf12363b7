import { appendFile, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';

import { openFileLog, type RecoveryReport } from '../../../log/store/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { bytes, logWithRecords, range, removeDir, segmentFiles, texts, withFileLog } from './helpers.ts';

const FIRST = '00000000000000000000.seg';

/** Byte positions where each frame of a segment starts, walking its length fields. */
async function framePositions(path: string): Promise<number[]> {
  const data = await readFile(path);
  const positions: number[] = [];
  for (let at = 0; at + 8 <= data.length; at += 8 + data.readUInt32LE(at)) positions.push(at);
  return positions;
}

/**
 * Damages the tail of a 10-record log with `damage`, reopens it and checks: the report, the
 * records that survive, that appends continue at the cut, and that a second open is clean.
 */
async function checkTornTail(
  t: ExecutionContext,
  damage: (path: string) => Promise<void>,
  expected: { survivors: number; truncatedBytes: (sizeAfterDamage: number, lastFrame: number) => number },
): Promise<void> {
  const dir = await logWithRecords(10);
  t.teardown(() => removeDir(dir));
  const path = join(dir, FIRST);
  const lastFrame = (await framePositions(path))[9] ?? -1;
  await damage(path);
  const damagedSize = (await stat(path)).size;
  const reports: RecoveryReport[] = [];
  await withFileLog({ dir, onRecovery: (report) => reports.push(report) }, async (log) => {
    t.is(reports.length, 1);
    t.deepEqual(log.recovery, reports[0]);
    t.like(log.recovery, {
      segment: FIRST,
      offset: expected.survivors,
      truncatedBytes: expected.truncatedBytes(damagedSize, lastFrame),
    });
    t.is(log.lastOffset(), expected.survivors - 1);
    t.deepEqual(
      texts(await log.read(0)),
      range(0, expected.survivors).map((index) => `r${index}`),
    );
    t.deepEqual(await log.append([bytes('after')]), [expected.survivors]);
  });
  await withFileLog({ dir, onRecovery: () => t.fail('the second open must be clean') }, async (log) => {
    t.is(log.recovery, undefined);
    t.deepEqual(texts(await log.read(expected.survivors)), ['after']);
  });
}

test('recovery: a record cut mid-way is a torn tail', async (t) => {
  await checkTornTail(t, async (path) => truncate(path, (await stat(path)).size - 1), {
    survivors: 9,
    truncatedBytes: (size, lastFrame) => size - lastFrame,
  });
});

test('recovery: a header cut mid-way is a torn tail', async (t) => {
  await checkTornTail(t, async (path) => truncate(path, ((await framePositions(path))[9] ?? 0) + 3), {
    survivors: 9,
    truncatedBytes: () => 3,
  });
});

test('recovery: garbage after the last record is a torn tail', async (t) => {
  const garbage = Buffer.from('this is not a frame, just bytes the crash left behind: \u0001\u00ff');
  await checkTornTail(t, (path) => appendFile(path, garbage), { survivors: 10, truncatedBytes: () => garbage.length });
});

test('recovery: a length field saying huge is a torn tail, not a crash', async (t) => {
  const header = Buffer.alloc(12);
  header.writeUInt32LE(0xfffffff0, 0);
  header.writeUInt32LE(0x12345678, 4);
  await checkTornTail(t, (path) => appendFile(path, header), { survivors: 10, truncatedBytes: () => 12 });
});

test('recovery: a zero-filled tail is a torn tail, not empty records', async (t) => {
  await checkTornTail(t, (path) => appendFile(path, Buffer.alloc(4096)), { survivors: 10, truncatedBytes: () => 4096 });
});

test('recovery: a flipped bit in a record before the tail is LOG_CORRUPT naming file and byte', async (t) => {
  const dir = await logWithRecords(10);
  t.teardown(() => removeDir(dir));
  const path = join(dir, FIRST);
  const third = (await framePositions(path))[3] ?? -1;
  const data = await readFile(path);
  data[third + 9] = (data[third + 9] ?? 0) ^ 0x04; // a payload bit of the record at offset 3
  await writeFile(path, data);
  for (let attempt = 0; attempt < 2; attempt++) {
    const error = await t.throwsAsync(openFileLog({ dir }));
    t.true(isAinError(error, 'LOG_CORRUPT'), 'and never LOG_LOCKED: a failed open releases the lock');
    t.true(error?.message.includes(path));
    t.true(error?.message.includes(`byte ${third}`));
    t.true(error?.message.includes('offset 3'));
    t.true(isAinError(error) && error.details.position === third);
  }
  t.is((await stat(path)).size, data.length, 'nothing was cut');
});

test('recovery: a flipped bit in a length field before the tail is LOG_CORRUPT', async (t) => {
  const dir = await logWithRecords(10);
  t.teardown(() => removeDir(dir));
  const path = join(dir, FIRST);
  const fifth = (await framePositions(path))[5] ?? -1;
  const data = await readFile(path);
  data[fifth] = (data[fifth] ?? 0) ^ 0x01;
  await writeFile(path, data);
  const error = await t.throwsAsync(openFileLog({ dir }));
  t.true(isAinError(error, 'LOG_CORRUPT'));
  t.true(error?.message.includes(`byte ${fifth}`));
});

test('recovery: damage at the end of an earlier segment is LOG_CORRUPT, not a torn tail', async (t) => {
  const dir = await logWithRecords(30, { segmentBytes: 64 });
  t.teardown(() => removeDir(dir));
  const files = await segmentFiles(dir);
  t.true(files.length > 2);
  const path = join(dir, files[1] ?? '');
  await truncate(path, (await stat(path)).size - 2);
  const error = await t.throwsAsync(openFileLog({ dir }));
  t.true(isAinError(error, 'LOG_CORRUPT'));
  t.true(error?.message.includes(path));
});

test('recovery: a missing segment is LOG_CORRUPT', async (t) => {
  const dir = await logWithRecords(30, { segmentBytes: 64 });
  t.teardown(() => removeDir(dir));
  const files = await segmentFiles(dir);
  await rm(join(dir, files[1] ?? ''));
  const error = await t.throwsAsync(openFileLog({ dir }));
  t.true(isAinError(error, 'LOG_CORRUPT'));
  t.true(error?.message.includes(files[2] ?? 'the next segment'));
});

test('recovery: a torn tail in the last of several segments is cut; reads cross segments', async (t) => {
  const dir = await logWithRecords(30, { segmentBytes: 64 });
  t.teardown(() => removeDir(dir));
  const files = await segmentFiles(dir);
  const last = join(dir, files[files.length - 1] ?? '');
  await appendFile(last, Buffer.from([7, 0, 0]));
  await withFileLog({ dir, segmentBytes: 64 }, async (log) => {
    t.like(log.recovery, { truncatedBytes: 3, offset: 30, segment: files[files.length - 1] });
    t.deepEqual(
      texts(await log.read(0)),
      range(0, 30).map((index) => `r${index}`),
    );
    t.deepEqual(await log.append([bytes('r30')]), [30]);
  });
});

test('recovery: a bit flipped under a running log is LOG_CORRUPT on read, never wrong data', async (t) => {
  const dir = await logWithRecords(10);
  t.teardown(() => removeDir(dir));
  const path = join(dir, FIRST);
  await withFileLog({ dir }, async (log) => {
    const data = await readFile(path);
    const second = (await framePositions(path))[2] ?? -1;
    data[second + 8] = (data[second + 8] ?? 0) ^ 0x80;
    await writeFile(path, data);
    t.deepEqual(texts(await log.read(0, { maxRecords: 2 })), ['r0', 'r1']);
    const error = await t.throwsAsync(log.read(0));
    t.true(isAinError(error, 'LOG_CORRUPT'));
  });
});

test('recovery: records written under a larger maxRecordBytes stay valid when it is lowered', async (t) => {
  const dir = await logWithRecords(0);
  t.teardown(() => removeDir(dir));
  await withFileLog({ dir, maxRecordBytes: 1000 }, async (log) => {
    await log.append([bytes('small'), bytes('L'.repeat(900))]);
  });
  await withFileLog({ dir, maxRecordBytes: 10, onRecovery: () => t.fail('nothing is torn') }, async (log) => {
    t.deepEqual(texts(await log.read(0)), ['small', 'L'.repeat(900)]);
    t.true(isAinError(await t.throwsAsync(log.append([bytes('L'.repeat(11))])), 'RECORD_TOO_LARGE'));
  });
});
