import { parseArgs } from 'node:util';
import { ProofKind, ShardPath, StatePath, parseOrThrow } from '../../schemas/index.ts';
import { verifyState } from '../client/index.ts';
import { defaultNodeUrl } from './argValues.ts';
import { printJson, UsageError, verbError } from './output.ts';

/**
 * `ain state verify PATH [--kind K] [--shard S [--parent URL]] [--node URL]`: the value at PATH
 * with its Merkle proof, checked here against its block's header; with `--shard` (the node's own
 * shard) also through the parent, whose block it rests on is read from the parent node (`--parent`,
 * else the one the node names). PROOF_INVALID (exit 1) when anything does not check.
 */
async function verify(args: string[], json: boolean): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { node: { type: 'string', default: defaultNodeUrl }, kind: { type: 'string' }, shard: { type: 'string' }, parent: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('ain state verify needs one state path: ain state verify /apps/x/n [--shard /apps/x] [--node URL].');
  const path = parseOrThrow(StatePath, positionals[0], 'state path');
  const kind = values.kind === undefined ? undefined : parseOrThrow(ProofKind, values.kind, '--kind');
  const shard = values.shard === undefined ? undefined : parseOrThrow(ShardPath, values.shard, '--shard');
  if (values.parent !== undefined && shard === undefined) throw new UsageError('ain state verify: --parent goes with --shard (the parent of that shard).');
  const verified = await verifyState(values.node, path, {
    ...(kind === undefined ? {} : { kind }),
    ...(shard === undefined ? {} : { shard }),
    ...(values.parent === undefined ? {} : { parentUrl: values.parent }),
  });
  if (json) return printJson({ verified: true, ...verified });
  const { height, hash, stateRoot, value, parent } = verified;
  process.stdout.write(
    `verified: ${verified.kind === 'values' ? '' : `the ${verified.kind} of `}${path} = ${JSON.stringify(value)} after block ${height} (${hash.slice(0, 16)}…), ` +
      `its Merkle proof checked here against that block's stateRoot ${stateRoot.slice(0, 16)}…\n` +
      (parent === undefined
        ? ''
        : `through the parent: the shard's next block names that root, and parent block ${parent.height} (${parent.hash.slice(0, 16)}…) on ${parent.url}, final there (final height ${parent.finalized}), records that block.\n`),
  );
}

export async function stateCommand(args: string[], { json }: { json: boolean } = { json: false }): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'verify') return verify(rest, json);
  throw verbError('state', verb, `use "ain state verify PATH".`);
}
