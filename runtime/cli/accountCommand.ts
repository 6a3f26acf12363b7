import { parseArgs } from 'node:util';
import { Address, parseOrThrow } from '../../schemas/index.ts';
import { getAccount } from '../client/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { defaultNodeUrl } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError } from './output.ts';
import { timeText } from './table.ts';

/**
 * `ain account [ADDRESS | --key FILE] [--node URL]`: an account's money, nonce and bandwidth — how
 * many txs it may still have folded in this window and when the budget refills.
 */
export async function accountCommand(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { node: { type: 'string', default: defaultNodeUrl }, key: { type: 'string' } },
  });
  if (positionals.length > 1) throw new UsageError(`ain account takes one ADDRESS, not "${positionals.join(' ')}".`);
  if ((positionals[0] === undefined) === (values.key === undefined))
    throw new UsageError('ain account needs an ADDRESS or --key FILE (the key whose account to show), not both.');
  const address = positionals[0] === undefined ? (await readKeyFile(values.key!)).address : parseOrThrow(Address, positionals[0], 'ADDRESS');
  const account = await getAccount({ url: values.node ?? defaultNodeUrl }, { address });
  if (json) {
    printJson(account);
    return;
  }
  const lines = [
    `${address} at block ${account.height}`,
    `  balance ${account.balance} AIN, stake ${account.stake} AIN, unbonding ${account.unbonding} AIN${account.slashed ? ' (slashed)' : ''}`,
    `  last nonce ${account.nonce}`,
  ];
  const bandwidth = account.bandwidth;
  if (bandwidth === undefined) lines.push('  bandwidth: this chain budgets no txs');
  else {
    const left = Math.max(0, bandwidth.budget - bandwidth.used);
    lines.push(
      `  bandwidth: ${bandwidth.used} of ${bandwidth.budget} txs used in this ${bandwidth.windowMs / 1000} s window, ${left} left; it refills at ${timeText(bandwidth.refillsAt)}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}
