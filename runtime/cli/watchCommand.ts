import { parseArgs } from 'node:util';
import { defaultNodeUrl, wholeNumber } from './argValues.ts';
import { followStream } from '../client/index.ts';
import { streamNames } from '../streams/index.ts';
import type { CommandContext } from './main.ts';
import { UsageError } from './output.ts';

/**
 * `ain watch NAME [--from HEIGHT] [--count N] [--node URL]`: one line per event of a node's stream
 * (`<id> <event> <json>`, with `--json` NDJSON of `{ id, event, data }`) until `--count` events,
 * Ctrl-C or SIGTERM.
 */
export async function watchCommand(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { node: { type: 'string', default: defaultNodeUrl }, from: { type: 'string' }, count: { type: 'string' } },
  });
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) {
    throw new UsageError(`ain watch needs one stream: ${streamNames.join(', ')}.`);
  }
  const fromHeight = wholeNumber(values.from, 'from');
  const count = wholeNumber(values.count, 'count');
  if (count === 0) return;
  const aborter = new AbortController();
  const stop = () => aborter.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const onRetry = (error: unknown, attempt: number, pauseMs: number) =>
    process.stderr.write(`ain watch: the stream broke (${(error as Error).message}); reconnecting in ${pauseMs} ms (attempt ${attempt})\n`);
  let printed = 0;
  try {
    for await (const { id, event, data } of followStream(values.node, name.replace(/^\/+/, ''), { fromHeight, signal: aborter.signal, onRetry })) {
      process.stdout.write(json ? JSON.stringify({ id, event, data }) + '\n' : `${id} ${event} ${JSON.stringify(data)}\n`);
      if (count !== undefined && ++printed >= count) break;
    }
  } finally {
    aborter.abort();
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}
