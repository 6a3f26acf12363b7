import test from 'ava';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { createLifecycle, type Service } from '../../../runtime/node/lifecycle.ts';

const silent = pino({ level: 'silent' });

/** A service that records its start and stop in `events`; its stop takes a turn of the event loop. */
function recorded(name: string, events: string[], overrides: Partial<Service> = {}): Service {
  return {
    start: () => void events.push(`start ${name}`),
    stop: async () => {
      events.push(`stopping ${name}`);
      await new Promise((resolve) => setImmediate(resolve));
      events.push(`stopped ${name}`);
    },
    ...overrides,
  };
}

test('given services started in dependency order, when the lifecycle stops, then each stops after the one started after it has stopped', async (t) => {
  const events: string[] = [];
  const services = createLifecycle(silent);
  for (const name of ['log', 'follower', 'api']) await services.start(name, recorded(name, events));
  await services.stop();
  t.deepEqual(events, [
    'start log',
    'start follower',
    'start api',
    'stopping api',
    'stopped api',
    'stopping follower',
    'stopped follower',
    'stopping log',
    'stopped log',
  ]);
});

test('given a service whose start throws, then it is not held, and stopping stops only those started before it', async (t) => {
  const events: string[] = [];
  const services = createLifecycle(silent);
  await services.start('log', recorded('log', events));
  const failing = recorded('api', events, {
    start: () => {
      throw new Error('port in use');
    },
  });
  await t.throwsAsync(services.start('api', failing), { message: 'port in use' });
  await services.stop();
  t.deepEqual(events, ['start log', 'stopping log', 'stopped log']);
});

test('given a stop step that fails, then the steps after it still run, and the first failure is thrown at the end', async (t) => {
  const events: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>));
  const services = createLifecycle(pino({ level: 'error' }, stream));
  await services.start('log', recorded('log', events));
  await services.start('pool', recorded('pool', events, { stop: () => Promise.reject(new Error('pool stuck')) }));
  await services.start('api', recorded('api', events, { stop: () => Promise.reject(new Error('api stuck')) }));
  await t.throwsAsync(services.stop(), { message: 'api stuck' });
  t.deepEqual(events.slice(-2), ['stopping log', 'stopped log'], 'the log still closed');
  t.deepEqual(
    lines.map((line) => line.step),
    ['api', 'pool'],
  );
});

test('given a stop step still running past slowStopMs, then the log names the step with the state described', async (t) => {
  const lines = new PassThrough();
  const services = createLifecycle(pino({ level: 'warn' }, lines), { slowStopMs: 20 });
  const warned = new Promise<Record<string, unknown>>((resolve) => lines.on('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()))));
  // The step ends only once the warning was written: no clock in the test.
  await services.start('follower', { stop: () => warned.then(() => undefined) });
  await services.stop(() => ({ seenOffset: 41 }));
  const line = await warned;
  t.is(line.step, 'follower');
  t.is(line.seenOffset, 41);
  t.regex(String(line.msg), /stopping the node: follower takes more than 20 ms/);
});

test('a service started after the stop began is refused', async (t) => {
  const services = createLifecycle(silent);
  let stopLog!: () => void;
  await services.start('log', { stop: () => new Promise<void>((resolve) => (stopLog = resolve)) });
  const stopping = services.stop();
  await t.throwsAsync(services.start('late', { stop: () => undefined }), { message: /after the stop began/ });
  stopLog();
  await stopping;
});
