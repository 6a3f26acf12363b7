import test from 'ava';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import type { Chain } from '../../../actors/index.ts';
import { createProposer } from '../../../runtime/node/proposer.ts';

// A chain that stops cutting while work waits must say so, and say which step holds it.

test('given work waits and the cut marker is never read back, when the stall passes its bound, then the log says so with what the proposer saw', async (t) => {
  const lines = new PassThrough();
  const logger = pino({ level: 'warn' }, lines);
  const proposer = createProposer({
    chain: { position: { height: 7 } } as unknown as Chain,
    signer: { submit: () => new Promise<number>(() => {}) }, // appended, never read back
    intervalMs: 5,
    logger,
    caughtUp: () => true,
    hasWork: () => true,
    hasPending: () => true,
    stallWarnMs: 100,
    describe: () => ({ readBack: { waiting: 1 } }),
  });
  proposer.start();
  t.teardown(() => proposer.stop());
  const warned = await new Promise<Record<string, unknown>>((resolve) => {
    lines.on('data', (chunk: Buffer) => {
      const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
      if (String(line.msg).includes('no block was cut')) resolve(line);
    });
  });
  t.is(warned.height, 7);
  t.is(warned.proposer, 'cutting', 'the proposer sits in cutting: its marker append has not come back');
  t.deepEqual(warned.readBack, { waiting: 1 });
  t.regex(String(warned.msg), /work has waited \d+ s for block 7/);
});

test('given no work waits, when time passes, then nothing is said', async (t) => {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => lines.push(c.toString()));
  let looks = 0;
  const proposer = createProposer({
    chain: { position: { height: 3 } } as unknown as Chain,
    signer: { submit: async () => 0 },
    intervalMs: 5,
    logger: pino({ level: 'warn' }, stream),
    caughtUp: () => true,
    hasWork: () => (looks++, false),
    hasPending: () => false,
    stallWarnMs: 40,
  });
  proposer.start();
  // Wait for many looks (the watch and the timer both look), well past the bound.
  while (looks < 200) await new Promise((resolve) => setImmediate(resolve));
  proposer.stop();
  t.deepEqual(lines, []);
});

test('given a long timer, when the follower signals an attestation (cutSoon$), then the proposer cuts at once; once stopped it no longer listens', async (t) => {
  const cutSoon$ = new Subject<void>();
  const cuts: unknown[] = [];
  let appended!: () => void;
  const proposer = createProposer({
    chain: { position: { height: 4 } } as unknown as Chain,
    signer: {
      submit: async (op) => {
        cuts.push(op);
        appended();
        return 0;
      },
    },
    intervalMs: 3_600_000,
    logger: pino({ level: 'silent' }),
    caughtUp: () => true,
    hasWork: () => true,
    hasPending: () => true,
    cutSoon$,
  });
  cutSoon$.next(); // before start: nothing runs yet
  proposer.start();
  t.deepEqual(cuts, []);
  const cut = new Promise<void>((resolve) => (appended = resolve));
  cutSoon$.next();
  await cut;
  t.deepEqual(cuts, [{ type: 'cut', height: 4 }]);
  proposer.stop();
  t.false(cutSoon$.observed, 'the stopped proposer unsubscribed');
});
