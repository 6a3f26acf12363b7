import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openFileLog, type FileLog } from '../log/index.ts';
import type { FsyncPolicy } from '../schemas/index.ts';
import { medianRate, withTempDir, type Figure } from './measure.ts';

const recordBytes = 250;
const runMs = 1000;

interface Load {
  /** Callers appending at once, each awaiting its append before the next. */
  readonly appenders: number;
  readonly recordsPerAppend: number;
}

const batched: Load = { appenders: 16, recordsPerAppend: 256 };
const single: Load = { appenders: 1024, recordsPerAppend: 1 };

/** Every appender appends until `runMs` passed; records acknowledged (durable) per second. */
async function appendFor(log: FileLog, { appenders, recordsPerAppend }: Load): Promise<number> {
  const records = Array.from({ length: recordsPerAppend }, () => randomBytes(recordBytes));
  let acked = 0;
  const startMs = performance.now();
  const deadlineMs = startMs + runMs;
  const appender = async (): Promise<void> => {
    while (performance.now() < deadlineMs) {
      // Not `acked += (await …)`: that reads `acked` before the await and loses other appenders' counts.
      const offsets = await log.append(records);
      acked += offsets.length;
    }
  };
  await Promise.all(Array.from({ length: appenders }, appender));
  return (acked * 1000) / (performance.now() - startMs);
}

async function measure(fsync: FsyncPolicy | undefined, load: Load): Promise<{ rate: number; samples: number[] }> {
  return withTempDir('log', async (dir) => {
    const log = await openFileLog({ dir: join(dir, 'log'), ...(fsync === undefined ? {} : { fsync }) });
    try {
      return await medianRate({ runs: 3, warmupRuns: 1 }, () => appendFor(log, load));
    } finally {
      await log.close();
    }
  });
}

function describe({ appenders, recordsPerAppend }: Load): string {
  return `${recordBytes}-byte records, ${appenders} appenders × ${recordsPerAppend} record${recordsPerAppend === 1 ? '' : 's'}`;
}

/** The file log's append throughput, acknowledged only once durable under each fsync policy. */
export async function benchLogAppend(): Promise<Figure[]> {
  const group = await measure(undefined, batched);
  const always = await measure('always', batched);
  const groupSingle = await measure(undefined, single);
  return [
    { name: 'log.file.append.group', value: group.rate, unit: 'records/s', samples: group.samples, note: `default group commit, ${describe(batched)}` },
    { name: 'log.file.append.always', value: always.rate, unit: 'records/s', samples: always.samples, note: `fsync always, ${describe(batched)}` },
    {
      name: 'log.file.append.group.single',
      value: groupSingle.rate,
      unit: 'records/s',
      samples: groupSingle.samples,
      note: `default group commit, ${describe(single)}`,
    },
  ];
}
