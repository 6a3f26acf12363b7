import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';

import { openFileLog, type FileLogOptions } from '../../../log/store/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { logConformance } from './conformance.ts';
import { bytes, deadPid, range, removeDir, runScript, scriptPath, segmentFiles, tempDir, texts, withFileLog } from './helpers.ts';

const conformanceWith = (name: string, options: Partial<FileLogOptions>): void =>
  logConformance(name, async () => {
    const dir = await tempDir();
    return {
      log: await openFileLog({ ...options, dir }),
      reopen: () => openFileLog({ ...options, dir }),
      cleanup: () => removeDir(dir),
    };
  });

conformanceWith('fileLog', {});
conformanceWith('fileLog (fsync always, 256-byte segments)', { fsync: 'always', segmentBytes: 256 });

test('fileLog: segments roll at segmentBytes and reads cross them after reopen', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  const values = range(0, 100).map((index) => `record-${index}-${'x'.repeat(index % 50)}`);
  await withFileLog({ dir, segmentBytes: 1000 }, async (log) => {
    for (let index = 0; index < values.length; index += 7) await log.append(values.slice(index, index + 7).map(bytes));
  });
  const files = await segmentFiles(dir);
  t.true(files.length >= 5, `${files.length} segments`);
  t.is(files[0], '00000000000000000000.seg');
  for (const file of files) {
    t.regex(file, /^\d{20}\.seg$/);
    t.true((await stat(join(dir, file))).size <= 1000);
  }
  await withFileLog({ dir, segmentBytes: 1000 }, async (log) => {
    t.is(log.lastOffset(), 99);
    t.deepEqual(texts(await log.read(0)), values);
    for (const file of files) {
      const from = Math.max(0, Number(file.slice(0, 20)) - 1);
      t.deepEqual(texts(await log.read(from, { maxRecords: 3 })), values.slice(from, from + 3));
    }
    t.deepEqual(await log.append([bytes('next')]), [100]);
  });
});

test('fileLog: reads larger than one read chunk, and a record larger than it, come back whole', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  const big = (index: number, size: number): Uint8Array => new Uint8Array(size).fill(index);
  const sizes = [300_000, 300_000, 1_500_000, 300_000, 300_000, 10];
  await withFileLog({ dir, maxRecordBytes: 2_000_000 }, async (log) => {
    await log.append(sizes.map((size, index) => big(index, size)));
    const records = await log.read(0);
    t.deepEqual(
      records.map((record) => record.value.byteLength),
      sizes,
    );
    t.true(records.every((record, index) => record.value.every((byte) => byte === index)));
    t.deepEqual(
      (await log.read(2, { maxRecords: 1 })).map((record) => record.value.byteLength),
      [1_500_000],
    );
  });
});

test('fileLog: a record bigger than a segment gets a segment of its own', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  await withFileLog({ dir, segmentBytes: 64 }, async (log) => {
    await log.append([bytes('a'), bytes('b'.repeat(200)), bytes('c')]);
    t.deepEqual(texts(await log.read(0)), ['a', 'b'.repeat(200), 'c']);
  });
  t.deepEqual(await segmentFiles(dir), ['00000000000000000000.seg', '00000000000000000001.seg', '00000000000000000002.seg']);
});

const policies: FileLogOptions['fsync'][] = [
  'always',
  'never',
  { groupCommit: { maxRecords: 3, maxDelayMs: 1 } },
  { groupCommit: { maxRecords: 100_000, maxDelayMs: 5 } },
];
for (const fsync of policies) {
  test(`fileLog: fsync ${JSON.stringify(fsync)} acknowledges every append and keeps it`, async (t) => {
    const dir = await tempDir();
    t.teardown(() => removeDir(dir));
    const batches = range(0, 40).map((batch) => range(0, 1 + (batch % 4)).map((index) => `b${batch}i${index}`));
    await withFileLog({ dir, fsync, segmentBytes: 512 }, async (log) => {
      const acked = await Promise.all(batches.map((batch) => log.append(batch.map(bytes))));
      t.deepEqual(
        acked.flat().sort((a, b) => a - b),
        range(0, batches.flat().length),
      );
    });
    await withFileLog({ dir, fsync }, async (log) => {
      t.is(log.lastOffset(), batches.flat().length - 1);
      t.deepEqual(new Set(texts(await log.read(0))), new Set(batches.flat()));
    });
  });
}

test('fileLog: RECORD_TOO_LARGE refuses the whole batch before writing anything', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  await withFileLog({ dir, maxRecordBytes: 100 }, async (log) => {
    const error = await t.throwsAsync(log.append([bytes('small'), new Uint8Array(101)]));
    t.true(isAinError(error, 'RECORD_TOO_LARGE'));
    t.is(log.lastOffset(), -1);
    t.is((await stat(join(dir, '00000000000000000000.seg'))).size, 0);
    t.deepEqual(await log.append([new Uint8Array(100)]), [0]);
  });
});

test('fileLog: a full queue refuses appends with OVERLOADED; a batch above it with BATCH_TOO_LARGE', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  await withFileLog({ dir, maxRecordBytes: 100, maxQueuedBytes: 1000 }, async (log) => {
    const results = await Promise.allSettled(range(0, 20).map(() => log.append([new Uint8Array(100)])));
    const refused = results.filter((result) => result.status === 'rejected');
    t.true(refused.length > 0);
    t.true(refused.every((result) => isAinError(result.reason, 'OVERLOADED')));
    const acked = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
    t.deepEqual(acked, range(0, acked.length));
    const tooBig = await t.throwsAsync(log.append(range(0, 10).map(() => new Uint8Array(100))));
    t.true(isAinError(tooBig, 'BATCH_TOO_LARGE'));
  });
});

test('fileLog: after close, append and read are refused with LOG_CLOSED; close is idempotent', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  const log = await openFileLog({ dir });
  const pending = log.append([bytes('in flight')]);
  await log.close();
  t.deepEqual(await pending, [0], 'an append in flight at close is synced and acknowledged');
  t.true(isAinError(await t.throwsAsync(log.append([bytes('late')])), 'LOG_CLOSED'));
  t.true(isAinError(await t.throwsAsync(log.read(0)), 'LOG_CLOSED'));
  await log.close();
});

test('fileLog: invalid options are BAD_CONFIG', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  for (const options of [{ segmentBytes: 0 }, { maxRecordBytes: -1 }, { fsync: { groupCommit: { maxRecords: 0, maxDelayMs: 1 } } }]) {
    t.true(isAinError(await t.throwsAsync(openFileLog({ dir, ...options })), 'BAD_CONFIG'), JSON.stringify(options));
  }
});

test('fileLog: a second open in the same process is LOG_LOCKED until the first closes', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  const log = await openFileLog({ dir });
  const error = await t.throwsAsync(openFileLog({ dir }));
  t.true(isAinError(error, 'LOG_LOCKED'));
  t.true(isAinError(error) && error.details.pid === process.pid);
  await log.close();
  await withFileLog({ dir }, async (reopened) => t.is(reopened.lastOffset(), -1));
});

test('fileLog: an open in a child process is LOG_LOCKED naming our pid', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  await withFileLog({ dir }, async () => {
    const [line] = await runScript('lockProbe.ts', [dir]);
    const result = JSON.parse(line ?? '{}') as { code?: string; message?: string };
    t.is(result.code, 'LOG_LOCKED');
    t.true(result.message?.includes(`process ${process.pid}`));
  });
});

test('fileLog: a log held by a child process is LOG_LOCKED naming its pid', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  const child = spawn(process.execPath, [...scriptPath('lockProbe.ts'), dir, 'hold'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const line = await new Promise<string>((resolve) => child.stdout.setEncoding('utf8').once('data', resolve));
  t.true(line.includes('"opened":true'));
  const error = await t.throwsAsync(openFileLog({ dir }));
  t.true(isAinError(error, 'LOG_LOCKED'));
  t.true(error?.message.includes(`process ${child.pid}`));
  child.stdin.end();
  await exited;
  await withFileLog({ dir }, async (log) => t.is(log.lastOffset(), -1));
});

test('fileLog: a stale lock left by a dead process is taken over', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  const pid = await deadPid();
  await writeFile(join(dir, 'LOCK'), `${pid}\n`);
  await withFileLog({ dir }, async (log) => {
    t.is((await readFile(join(dir, 'LOCK'), 'utf8')).trim(), String(process.pid));
    t.deepEqual(await log.append([bytes('mine')]), [0]);
  });
  await t.throwsAsync(stat(join(dir, 'LOCK')), { code: 'ENOENT' }, 'close removes the lock');
});

test('fileLog: a lock naming our own PID that we do not hold is stale (a restarted container node is PID 1 again)', async (t) => {
  const dir = await tempDir();
  t.teardown(() => removeDir(dir));
  await writeFile(join(dir, 'LOCK'), `${process.pid}\n`);
  await withFileLog({ dir }, async (log) => {
    t.deepEqual(await log.append([bytes('after a crash')]), [0]);
    t.true(isAinError(await t.throwsAsync(openFileLog({ dir })), 'LOG_LOCKED'), 'while we hold it, it is held');
  });
});
