import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AinError } from '../../schemas/index.ts';
import { connectExampleNetwork, exampleNamed, examples, startExampleNode, type ExampleNetworkHandle } from '../examples/index.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError } from './output.ts';

/** `ain example ls`: each example's name, pattern and what it does. */
function list(json: boolean): void {
  if (json) return printJson(examples.map(({ name, title, summary }) => ({ name, title, summary })));
  const width = Math.max(...examples.map((e) => e.name.length));
  for (const e of examples) process.stdout.write(`${e.name.padEnd(width)}  ${e.title}: ${e.summary}\n`);
}

/**
 * `ain example run NAME [--node URL --key FILE] [--out DIR]`: runs one example by agents on a
 * network: the node at --node (paid for by --key), or a one-node network of its own in a temp
 * folder, stopped after. Prints what it does and its quality figure against the stated bound;
 * exit 1 when the figure is outside it.
 */
async function run(args: string[], json: boolean): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { node: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' } },
  });
  const [name, extra] = positionals;
  if (name === undefined || extra !== undefined) throw new UsageError('ain example run takes one example name (ain example ls lists them).');
  const example = exampleNamed(name);
  if (example === undefined) throw new UsageError(`There is no example "${name}"; the examples are ${examples.map((e) => e.name).join(', ')}.`);
  if (values.node !== undefined && values.key === undefined)
    throw new UsageError("--node needs --key FILE: a key that holds AIN and may store in the node's Big Storage (ain up's .data/up-net/owner.key).");
  const say = (line: string) => (json ? undefined : process.stdout.write(`${line}\n`));
  say(`example ${example.name}: ${example.title}, ${example.summary}`);
  const network: ExampleNetworkHandle = values.node === undefined ? await startExampleNode(say) : await connectExampleNetwork(values.node, values.key!, say);
  try {
    const report = await example.run(network, { outDir: resolve(values.out ?? '.') });
    if (json) printJson(report);
    else {
      for (const file of report.files) say(`wrote ${file}`);
      say(
        `${report.quality.figure} ${report.quality.value.toPrecision(4)}: ${report.quality.ok ? 'within' : 'OUTSIDE'} the bound ${report.quality.bound}; ${report.rounds} round${report.rounds === 1 ? '' : 's'}, ${report.requests} requests, ${(report.wallMs / 1000).toFixed(1)} s`,
      );
    }
    if (!report.quality.ok)
      throw new AinError(
        'EXAMPLE_OUT_OF_BOUND',
        `The example ${example.name} ended with ${report.quality.figure} ${report.quality.value}, outside its bound ${report.quality.bound}.`,
      );
  } finally {
    await network.stop();
  }
}

/** `ain example ls | run NAME …`: the paper's machine-learning patterns as jobs that run. */
export async function exampleCommand(args: string[], { json }: CommandContext): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'ls') return list(json);
  if (verb === 'run') return run(rest, json);
  throw new UsageError('ain example takes ls or run NAME.');
}
