import { parseArgs } from 'node:util';
import { defaultNodeUrl, wholeNumber } from './argValues.ts';
import { followStream, getAccountRequests } from '../client/index.ts';
import { streamNames } from '../streams/index.ts';
import type { CommandContext } from './main.ts';
import { UsageError } from './output.ts';

/**
 * After each event of an `accounts/<address>` stream: a warning on stderr when the balance does not
 * cover what the address's open requests may still lock (`GET /v1/accounts/<address>/requests`),
 * once for each new shortfall, and a line when it is covered again.
 */
function coverageWarner(nodeUrl: string, address: string): () => Promise<void> {
  let shortfall: string | null = null;
  return async () => {
    const found = await getAccountRequests({ url: nodeUrl }, { address }).catch(() => undefined);
    if (found === undefined) return;
    if (found.warning !== null && found.mayLock !== shortfall) {
      process.stderr.write(`ain watch: warning: ${found.warning}\n`);
      shortfall = found.mayLock;
    } else if (found.warning === null && shortfall !== null) {
      process.stderr.write(`ain watch: ${address}'s balance of ${found.balance} AIN covers its open requests again.\n`);
      shortfall = null;
    }
  };
}

/**
 * `ain watch NAME [--from HEIGHT] [--count N] [--node URL]`: one line per event of a node's stream
 * (`<id> <event> <json>`, with `--json` NDJSON of `{ id, event, data }`) until `--count` events,
 * Ctrl-C or SIGTERM. On `accounts/<address>` it warns on stderr when the balance cannot cover its
 * open requests.
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
  const account = /^\/*accounts\/(0x[0-9a-f]{40})$/.exec(name)?.[1];
  const checkCoverage = account === undefined ? undefined : coverageWarner(values.node, account);
  try {
    for await (const { id, event, data } of followStream(values.node, name.replace(/^\/+/, ''), { fromHeight, signal: aborter.signal, onRetry })) {
      process.stdout.write(json ? JSON.stringify({ id, event, data }) + '\n' : `${id} ${event} ${JSON.stringify(data)}\n`);
      await checkCoverage?.();
      if (count !== undefined && ++printed >= count) break;
    }
  } finally {
    aborter.abort();
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}
