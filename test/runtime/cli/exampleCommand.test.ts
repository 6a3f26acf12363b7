import test from 'ava';
import { exampleCommand } from '../../../runtime/cli/exampleCommand.ts';
import { UsageError } from '../../../runtime/cli/output.ts';

// `ain example ls` lists the four patterns; `ain example run` refuses a name it does not know,
// and --node without the key that pays, before it starts anything.

async function stdoutOf(run: () => Promise<void>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test.serial('ain example ls: the four examples, one a line; --json their names, patterns and summaries', async (t) => {
  const lines = (await stdoutOf(() => exampleCommand(['ls'], { json: false }))).trim().split('\n');
  t.deepEqual(
    lines.map((line) => line.split(/\s+/)[0]),
    ['montecarlo', 'loss', 'dataparallel', 'nim'],
  );
  const listed = JSON.parse(await stdoutOf(() => exampleCommand(['ls'], { json: true }))) as { name: string; title: string }[];
  t.deepEqual(
    listed.map((e) => e.title),
    ['Distributed computing', 'Optimizing a loss function', 'Data parallelism', 'Reinforcement training, small'],
  );
});

test.serial('ain example run: an unknown name, no name, or --node without --key is a usage error', async (t) => {
  await t.throwsAsync(() => exampleCommand(['run', 'nope'], { json: false }), {
    instanceOf: UsageError,
    message: /no example "nope".*montecarlo, loss, dataparallel, nim/,
  });
  await t.throwsAsync(() => exampleCommand(['run'], { json: false }), { instanceOf: UsageError });
  await t.throwsAsync(() => exampleCommand(['run', 'loss', '--node', 'http://127.0.0.1:1'], { json: false }), { instanceOf: UsageError, message: /--key/ });
  await t.throwsAsync(() => exampleCommand(['walk'], { json: false }), { instanceOf: UsageError });
});
