import test from 'ava';
import { catchStopSignals } from '../../../runtime/cli/nodeCommand.ts';

// `ain node` catches SIGTERM / SIGINT before its node starts. The signals are emitted on this
// process's emitter (no signal is sent), and process.exit is stood in for: a second signal during
// a start exits at once, which must not end the test's process.

/** Runs `body` with process.exit recording its code instead of exiting; the codes it was called with. */
async function withExitRecorded(body: (exits: number[]) => Promise<void>): Promise<number[]> {
  const exits: number[] = [];
  const exit = process.exit;
  process.exit = ((code?: number) => void exits.push(code ?? 0)) as typeof process.exit;
  try {
    await body(exits);
  } finally {
    process.exit = exit;
  }
  return exits;
}

test.serial('a signal while the node starts stops it in order once it has started; a second one during the start exits at once', async (t) => {
  const exits = await withExitRecorded(async (codes) => {
    const signals = catchStopSignals();
    try {
      process.emit('SIGTERM', 'SIGTERM'); // while starting: noted
      t.deepEqual(codes, []);
      process.emit('SIGINT', 'SIGINT'); // a second while still starting (a start that hangs): out
      t.deepEqual(codes, [130]);
    } finally {
      signals.release();
    }
  });
  t.deepEqual(exits, [130]);
});

test.serial('one signal during the start: the node, once started, is stopped at once and nothing exits', async (t) => {
  let stopped = 0;
  const exits = await withExitRecorded(async () => {
    const signals = catchStopSignals();
    process.emit('SIGTERM', 'SIGTERM');
    await signals.stopWith(async () => void stopped++);
    process.emit('SIGTERM', 'SIGTERM'); // after the stop began: the listeners are gone, nothing happens here
  });
  t.is(stopped, 1);
  t.deepEqual(exits, []);
  t.is(process.listenerCount('SIGTERM'), 0);
  t.is(process.listenerCount('SIGINT'), 0);
});

test.serial('a signal after the start stops the node in order, once, however many follow', async (t) => {
  let stopped = 0;
  let release: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (release = resolve));
  const exits = await withExitRecorded(async () => {
    const signals = catchStopSignals();
    const stopping = signals.stopWith(async () => {
      stopped++;
      await done;
    });
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGTERM', 'SIGTERM');
    release();
    await stopping;
  });
  t.is(stopped, 1);
  t.deepEqual(exits, []);
});

test.serial('a fatal error asks for the stop from within: as a first signal during the start, and nothing once the stop has begun', async (t) => {
  let stopped = 0;
  const exits = await withExitRecorded(async () => {
    const signals = catchStopSignals();
    signals.stopNow(); // a fatal error while starting
    signals.stopNow(); // and another: never an exit at once
    const stopping = signals.stopWith(async () => void stopped++);
    signals.stopNow(); // during the stop (it used to SIGTERM the process, whose listeners were gone)
    await stopping;
  });
  t.is(stopped, 1);
  t.deepEqual(exits, []);
});

test.serial('a signal bin/ain.js kept while the code loaded counts as one during the start; its listener is taken off', async (t) => {
  let stopped = 0;
  const key = Symbol.for('ain.earlySignals');
  const early = { signals: ['SIGTERM'], listener: () => undefined };
  process.on('SIGTERM', early.listener);
  process.on('SIGINT', early.listener);
  (globalThis as Record<symbol, unknown>)[key] = early;
  const exits = await withExitRecorded(async () => {
    await catchStopSignals().stopWith(async () => void stopped++);
  });
  t.is(stopped, 1, 'stopped at once once started');
  t.deepEqual(exits, []);
  t.is((globalThis as Record<symbol, unknown>)[key], undefined);
  t.is(process.listenerCount('SIGTERM'), 0);
  t.is(process.listenerCount('SIGINT'), 0);
});
