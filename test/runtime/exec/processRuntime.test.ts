import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import test from 'ava';

import { createProcessRuntime } from '../../../runtime/exec/index.ts';
import { runtimeContract } from './contract.ts';
import { testJob } from './jobs.ts';

const work = await mkdtemp(join(tmpdir(), 'ain-test-exec-'));
test.after.always(() => rm(work, { recursive: true, force: true }));

runtimeContract('processRuntime', async () => ({ runtime: createProcessRuntime({ tmpDir: work }), cleanup: async () => undefined }));

test('processRuntime: the environment is empty and the working directory is removed after', async (t) => {
  const tmpDir = await mkdtemp(join(work, 'env-'));
  const runtime = createProcessRuntime({ tmpDir });
  const outcome = await runtime.run(testJob('env')).result;
  t.true(outcome.ok, outcome.message);
  const { env, cwd } = outcome.reply as { env: Record<string, string>; cwd: string };
  t.deepEqual(env, {});
  t.true(cwd.startsWith(tmpDir));
  t.deepEqual(await readdir(tmpDir), []);
});

test('processRuntime: a job past its memory limit is RUN_MEMORY_LIMIT', async (t) => {
  const runtime = createProcessRuntime({ tmpDir: work });
  const outcome = await runtime.run(testJob('allocate', { limits: { memoryBytes: 128 * 1024 * 1024, wallTimeMs: 20_000 } })).result;
  t.is(outcome.code, 'RUN_MEMORY_LIMIT', outcome.stderrTail);
});

test('processRuntime: a child the job leaves behind is killed with it', async (t) => {
  const runtime = createProcessRuntime({ tmpDir: work });
  const outcome = await runtime.run(testJob('orphan')).result;
  t.true(outcome.ok, outcome.message);
  const { pid } = outcome.reply as { pid: number };
  t.false(await stillRunning(pid), 'the grandchild still runs');
});

test('processRuntime: a program that is not there is RUN_FAILED', async (t) => {
  const runtime = createProcessRuntime({ tmpDir: work });
  const outcome = await runtime.run({ command: 'ain-no-such-program' }).result;
  t.is(outcome.code, 'RUN_FAILED');
  t.regex(outcome.message ?? '', /no program ain-no-such-program/);
});

test('processRuntime: a spec that breaks the schema throws at once', (t) => {
  const runtime = createProcessRuntime({ tmpDir: work });
  t.throws(() => runtime.run({ command: 'node', files: { '../escape.js': '' } }), { message: /files/ });
});

/** Whether `pid` runs (a zombie waiting for its reaper does not), checked for up to 2 s while it dies. */
async function stillRunning(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
