import test from 'ava';
import fc from 'fast-check';

import { createRunOutput } from '../../../runtime/exec/runOutput.ts';
import type { RunEvent } from '../../../schemas/index.ts';

const collect = (outputBytesMax: number) => {
  const events: RunEvent[] = [];
  let limits = 0;
  const output = createRunOutput({ outputBytesMax, onEvent: (event) => events.push(event), onLimit: () => limits++ });
  return { output, events, limits: () => limits };
};

/** Splits `text` into chunks at the given cut points, as pipes do. */
const chunked = (text: string, cuts: number[]): Buffer[] => {
  const bytes = Buffer.from(text);
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    if (point > from) chunks.push(bytes.subarray(from, point));
    from = Math.max(from, point);
  }
  return chunks;
};

test('runOutput: property: however stderr is chunked, its lines come out as the same events', (t) => {
  const line = fc.stringMatching(/^[a-z {}":.0-9é€𝄞]{0,40}$/u);
  fc.assert(
    fc.property(fc.array(line, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (lines, cuts) => {
      const text = lines.map((l) => `${l}\n`).join('');
      const { output, events } = collect(1 << 20);
      for (const chunk of chunked(text, cuts)) output.stderr(chunk);
      output.end();
      t.deepEqual(
        events.map((event) => (event.type === 'log' ? event.line : '')),
        lines.map((l) => (l.trimStart().startsWith('{"progress"') ? '' : l)),
      );
      t.is(output.stderrTail(), text.slice(-4096));
    }),
    { numRuns: 200 },
  );
});

test('runOutput: property: stdout and stderr together never keep more than the limit, and the limit fires once', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 300 })), { maxLength: 30 }), fc.integer({ min: 1, max: 2000 }), (writes, limit) => {
      const { output, limits } = collect(limit);
      let total = 0;
      for (const [toStdout, size] of writes) {
        total += size;
        const chunk = Buffer.alloc(size, 'a');
        if (toStdout) output.stdout(chunk);
        else output.stderr(chunk);
      }
      t.true(output.stdoutBytes() <= limit);
      t.is(limits(), total > limit ? 1 : 0);
      t.is(output.overLimit(), total > limit);
    }),
    { numRuns: 200 },
  );
});

test('runOutput: progress lines become progress events; bad progress stays a log line', (t) => {
  const { output, events } = collect(1 << 20);
  output.stderr(Buffer.from('{"progress":0.25}\n{"progress":1,"message":"done"}\n{"progress":2}\nplain'));
  output.end();
  t.deepEqual(events, [
    { type: 'progress', fraction: 0.25 },
    { type: 'progress', fraction: 1, message: 'done' },
    { type: 'log', stream: 'stderr', line: '{"progress":2}' },
    { type: 'log', stream: 'stderr', line: 'plain' },
  ]);
});
