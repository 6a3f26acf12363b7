import { z } from 'zod';
import { listShards, readShard, type Ledger, type PersistedShard } from '../../actors/index.ts';
import { AinError, parseOrThrow, ShardPath } from '../../schemas/index.ts';
import { doc, restOfPath, type Api } from './openApi.ts';

export interface ShardRoutesOptions {
  readonly ledger: Ledger;
}

const listMax = 1000;
const ListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(listMax).default(100), after: ShardPath.optional() });

/**
 * A shard as the API shows it: its machine's state as `status`, and what the parent recorded of
 * it; `rulesVersion` is the version of the child's rules its validators and rules are (0: the
 * branch's), `pendingRules` a change a report proved that is not in force yet (or null).
 */
export function shardView({ state, context }: PersistedShard) {
  const { path, chain, tx, owner, genesis, validators, rules, branchedAt, last, reportedAt, deadline, fork, endedAt } = context;
  const rulesVersion = context.version ?? 0;
  const pendingRules = context.pending ?? null;
  return {
    path,
    status: state,
    chain,
    genesis,
    tx,
    owner,
    validators,
    rules,
    rulesVersion,
    pendingRules,
    branchedAt,
    last,
    reportedAt,
    deadline,
    fork,
    endedAt,
  };
}

/** Reads of the shards branched from this chain: `/v1/shards` and `/v1/shards/<path>`. */
export function shardRoutes(app: Api, { ledger }: ShardRoutesOptions): void {
  const { tree } = ledger;

  app.get('/v1/shards', doc('shards', 'The shards branched from this chain, by path.', { querystring: ListQuery }), async (request) => {
    const { limit, after } = request.query;
    const page = listShards(tree, limit + 1, after);
    const shards = page.slice(0, limit).map(shardView);
    return { height: ledger.height, shards, next: page.length > limit ? shards.at(-1)!.path : null };
  });

  // The path is checked here, as a whole shard path, not as a route parameter.
  app.get(
    '/v1/shards/*',
    doc('shards', 'A shard: its status, validators, rules and the last header it reported.', {
      params: restOfPath('The shard’s path without its leading `/` (`apps/x`).'),
    }),
    async (request) => {
      const path = parseOrThrow(ShardPath, `/${request.params['*'].replace(/\/$/, '')}`, 'shard path');
      const shard = readShard(tree, path);
      if (shard === null) throw new AinError('UNKNOWN_SHARD', `No shard was branched at ${path}; GET /v1/shards lists them.`);
      return { height: ledger.height, ...shardView(shard) };
    },
  );
}
