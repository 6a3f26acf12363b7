import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import test, { type ExecutionContext } from 'ava';
import { filter, firstValueFrom, toArray } from 'rxjs';

import type { RunSpecInput } from '../../../schemas/index.ts';
import type { ExecutionRuntime } from '../../../runtime/exec/index.ts';
import { testJob, workerSchema } from './jobs.ts';

/** What the contract needs: a runtime, and cleanup after all its tests. */
export interface RuntimeUnderTest {
  readonly runtime: ExecutionRuntime;
  readonly cleanup: () => Promise<void>;
}

const limits = { wallTimeMs: 20_000, memoryBytes: 256 * 1024 * 1024, outputBytesMax: 64 * 1024 };
const nodeJob = (behaviour: string, extra: Partial<RunSpecInput> = {}): RunSpecInput => testJob(behaviour, { limits, ...extra });

/**
 * The contract every `ExecutionRuntime` passes: registers ava tests named `${name}: …`. It uses
 * the interface only, so the process and docker runtimes share it. Jobs are small node programs.
 * `serial` runs one job at a time (containers are heavy on a 2-core machine running other tests).
 */
export function runtimeContract(name: string, make: () => Promise<RuntimeUnderTest>, { serial = false }: { serial?: boolean } = {}): void {
  let subject: Promise<RuntimeUnderTest> | undefined;
  const runtime = async (): Promise<ExecutionRuntime> => (await (subject ??= make())).runtime;
  test.after.always(async () => {
    if (subject === undefined) return;
    const { runtime: opened, cleanup } = await subject;
    await opened.close();
    await cleanup();
  });
  const check = (title: string, body: (t: ExecutionContext, runtime: ExecutionRuntime) => Promise<void>): void => {
    (serial ? test.serial : test)(`${name}: ${title}`, async (t) => body(t, await runtime()));
  };

  check('a job gets the request on stdin and its reply comes back checked, with its log and progress', async (t, runtime) => {
    const { events$, result } = runtime.run(nodeJob('root', { request: { y: 4 }, schema: workerSchema }));
    const events = firstValueFrom(events$.pipe(toArray()));
    const outcome = await result;
    t.true(outcome.ok, outcome.message);
    t.is(outcome.code, undefined);
    t.deepEqual(outcome.reply, { x: 2 });
    t.is(outcome.exitCode, 0);
    t.true(outcome.usage.wallMs > 0);
    const seen = await events;
    t.deepEqual(seen[0], { type: 'started', runtime: runtime.name });
    t.true(seen.some((event) => event.type === 'log' && event.line === 'guessing the root of 4'));
    t.true(seen.some((event) => event.type === 'progress' && event.fraction === 0.5 && event.message === 'half way'));
  });

  check('a non-zero exit is RUN_FAILED with the exit code and the stderr tail', async (t, runtime) => {
    const outcome = await runtime.run(nodeJob('fail')).result;
    t.false(outcome.ok);
    t.is(outcome.code, 'RUN_FAILED');
    t.is(outcome.exitCode, 3);
    t.true(outcome.stderrTail.includes('something broke'));
  });

  check('a job past its wall time is killed: RUN_TIMEOUT', async (t, runtime) => {
    const outcome = await runtime.run(nodeJob('sleep', { limits: { ...limits, wallTimeMs: 1500 } })).result;
    t.is(outcome.code, 'RUN_TIMEOUT');
    t.is(outcome.exitCode === 0, false);
  });

  check('aborting a running job kills it: RUN_ABORTED', async (t, runtime) => {
    const controller = new AbortController();
    const { events$, result } = runtime.run(nodeJob('sleep'), { signal: controller.signal });
    const ready = firstValueFrom(events$.pipe(filter((event) => event.type === 'log' && event.line === 'ready')));
    await ready;
    controller.abort();
    const outcome = await result;
    t.is(outcome.code, 'RUN_ABORTED');
    t.true(outcome.stderrTail.includes('ready'));
  });

  check('a run aborted before it starts never runs: RUN_ABORTED', async (t, runtime) => {
    const outcome = await runtime.run(nodeJob('fail'), { signal: AbortSignal.abort() }).result;
    t.is(outcome.code, 'RUN_ABORTED');
    t.is(outcome.exitCode, null);
  });

  check('output past the limit stops the job: RUN_OUTPUT_LIMIT', async (t, runtime) => {
    const outcome = await runtime.run(nodeJob('flood')).result;
    t.is(outcome.code, 'RUN_OUTPUT_LIMIT');
    t.true(outcome.stdoutBytes <= limits.outputBytesMax);
  });

  check('a reply that breaks the schema is BAD_REPLY, naming the field', async (t, runtime) => {
    const outcome = await runtime.run(nodeJob('wrongReply', { request: { y: 4 }, schema: workerSchema })).result;
    t.is(outcome.code, 'BAD_REPLY');
    t.is(outcome.exitCode, 0);
    t.regex(outcome.message ?? '', /field "x": must be a number/);
  });

  check('stdout that is not JSON is BAD_REPLY', async (t, runtime) => {
    const outcome = await runtime.run(nodeJob('notJson')).result;
    t.is(outcome.code, 'BAD_REPLY');
  });

  check('a request that breaks the schema is BAD_JOB_REQUEST and nothing runs', async (t, runtime) => {
    const outcome = await runtime.run(nodeJob('root', { request: { y: 4, z: 1 }, schema: workerSchema })).result;
    t.is(outcome.code, 'BAD_JOB_REQUEST');
    t.is(outcome.exitCode, null);
  });

  check('the files of a job directory are in its working directory', async (t, runtime) => {
    const dir = await mkdtemp(join(tmpdir(), 'ain-test-jobdir-'));
    try {
      await mkdir(join(dir, 'data'));
      await writeFile(join(dir, 'data', 'input.txt'), 'from the job dir');
      const outcome = await runtime.run(nodeJob('readData', { dir })).result;
      t.true(outcome.ok, outcome.message);
      t.deepEqual(outcome.reply, { text: 'from the job dir' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  check('the job sees no environment of the host', async (t, runtime) => {
    const outcome = await runtime.run(nodeJob('env')).result;
    t.true(outcome.ok, outcome.message);
    const { env } = outcome.reply as { env: Record<string, string> };
    for (const key of Object.keys(process.env)) if (key !== 'PATH' && key !== 'HOSTNAME' && key !== 'HOME') t.false(key in env, key);
  });
}
