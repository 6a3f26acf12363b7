import test from 'ava';
import { Subject } from 'rxjs';
import { keepRunEvents, runLogEventsMax, runLogText, type RunLogLine } from '../../../runtime/agents/index.ts';
import { workerLogText } from '../../../runtime/cli/runLogView.ts';
import type { RunEvent } from '../../../schemas/index.ts';

// A worker's run log: what it keeps of a run's events (bounded), its NDJSON, and how ain logs prints it.

const usage = { wallMs: 120 };

test('a run log keeps the last events, counts those it let go, and cuts long lines', (t) => {
  const events$ = new Subject<RunEvent>();
  const kept = keepRunEvents(events$);
  events$.next({ type: 'log', stream: 'stderr', line: 'the first line' });
  for (let i = 0; i < runLogEventsMax; i++) events$.next({ type: 'progress', fraction: i / runLogEventsMax });
  events$.next({ type: 'log', stream: 'stderr', line: 'x'.repeat(5000) });
  t.is(kept.events().length, runLogEventsMax);
  t.is(kept.dropped(), 2);
  t.is(kept.events()[0]!.type, 'progress');
  t.deepEqual(kept.events().at(-1), { type: 'log', stream: 'stderr', line: `${'x'.repeat(2000)}…` });
});

test('a failed run’s log is NDJSON: who ran it, its events, how it ended; ain logs prints it for a person', (t) => {
  const text = runLogText({
    request: 'r'.repeat(64),
    worker: '0xw',
    runtime: 'process',
    events: [
      { type: 'progress', fraction: 0.5, message: 'half way' },
      { type: 'log', stream: 'stderr', line: 'step 1 went wrong' },
    ],
    dropped: 0,
    result: {
      ok: false,
      code: 'RUN_FAILED',
      message: 'The job exited with code 3; see its stderr tail.',
      exitCode: 3,
      signal: null,
      usage,
      stderrTail: 'step 1 went wrong\n',
    },
  });
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunLogLine);
  t.deepEqual(
    lines.map((l) => l.type),
    ['run', 'progress', 'log', 'end'],
  );
  t.deepEqual(workerLogText({ worker: '0xw', status: 'failed RUN_FAILED', ref: 'blob://sha256:ab', lines }), [
    '== worker 0xw: failed RUN_FAILED, log blob://sha256:ab',
    `run of request ${'r'.repeat(64)} by worker 0xw (process runtime)`,
    'progress 50% half way',
    'stderr | step 1 went wrong',
    'ended RUN_FAILED: The job exited with code 3; see its stderr tail. (exit 3, 120 ms)',
  ]);
  // No stderr line kept (the run was killed before one came through): the tail stands in.
  const killed = runLogText({
    request: 'r',
    worker: '0xw',
    runtime: 'docker',
    events: [],
    dropped: 0,
    result: { ok: false, code: 'RUN_TIMEOUT', message: 'too slow', exitCode: null, signal: 'SIGKILL', usage, stderrTail: 'a\nb\n' },
  });
  const killedLines = killed
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunLogLine);
  t.deepEqual(workerLogText({ worker: '0xw', status: 'failed RUN_TIMEOUT', ref: null, lines: killedLines }).slice(2), [
    'ended RUN_TIMEOUT: too slow (killed by SIGKILL, 120 ms)',
    'stderr tail:',
    '  a',
    '  b',
  ]);
});
