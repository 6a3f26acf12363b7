import test from 'ava';

import { isAinError } from '../../../schemas/index.ts';
import { createMemoryLog } from '../../../log/store/index.ts';
import { logConformance } from './conformance.ts';

logConformance('memoryLog', async () => ({ log: createMemoryLog(), cleanup: async () => undefined }));

test('memoryLog: appends after close are refused with LOG_CLOSED', async (t) => {
  const log = createMemoryLog();
  await log.close();
  const error = await t.throwsAsync(log.append([new Uint8Array([1])]));
  t.true(isAinError(error, 'LOG_CLOSED'));
});

test('memoryLog: a caller reusing its buffer does not change the log', async (t) => {
  const log = createMemoryLog();
  const buffer = new Uint8Array([1, 2, 3]);
  await log.append([buffer]);
  buffer[0] = 9;
  const [record] = await log.read(0);
  t.deepEqual(Array.from(record?.value ?? []), [1, 2, 3]);
});
