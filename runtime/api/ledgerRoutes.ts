import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Ledger } from '../../actors/index.ts';
import { signatureVerifier } from '../../log/index.ts';
import { bandwidthOf, readAccount, type ProofKind, type StateTree } from '../../projections/index.ts';
import {
  AccountAnswer,
  Address,
  AinError,
  BlocksQuery,
  Hash,
  HealthAnswer,
  type HealthProblem,
  ProofAnswer,
  ProofQuery,
  StateAnswer,
  StateQuery,
  TxAnswer,
} from '../../schemas/index.ts';
import type { BlockStore } from '../blocks/index.ts';
import { answerOf, doc, restOfPath, type Api } from './openApi.ts';
import { createTxProofs } from './txProofs.ts';

export interface LedgerRoutesOptions {
  readonly ledger: Ledger;
  readonly blocks: BlockStore;
  /** Resolves once block `height` is final; rejects with NOT_FINAL when it is not in time. */
  readonly waitFinal: (height: number) => Promise<void>;
  /**
   * The newest final block (`GET /v1/health`): on a network of validators the newest decided,
   * which its certificate makes final before a later block records it; default the latest block's `finalized`.
   */
  readonly finalHeight?: () => number;
  /** What keeps the node from its work now (`GET /v1/health`'s `problems`: runtime/node/healthWatch.ts); default none. */
  readonly problems?: () => HealthProblem[];
  readonly metrics?: Registry;
  /** JSON bytes of the value one `GET /v1/state` answers with (a page's too); more: RESULT_TOO_LARGE. */
  readonly readBytesMax?: number;
  /**
   * The shard this node's chain keeps, and on a shard with a parent the link of a block to it,
   * for `GET /v1/proof/<path>?shard=` (runtime/node/shardProofs.ts).
   */
  readonly shard?: { readonly path: string; readonly linkOf?: (height: number) => Promise<NonNullable<ProofAnswer['parent']>> };
  /** The node's clock, for the bandwidth window an account is in; default Date.now. */
  readonly now?: () => number;
  /** On a peer-to-peer node, its mempool: `GET /v1/tx/<hash>` of a tx in no block says whether it waits there or was dropped unapplied. */
  readonly pendingTxs?: {
    has(hash: string): boolean;
    dropped(hash: string): { readonly from: string; readonly nonce: number; readonly spent: number; readonly atReplay?: true } | undefined;
  };
}

/** Keys of a `GET /v1/state` page when `limit` is not given. */
const statePageKeysDefault = 100;
const TxParam = z.strictObject({ hash: Hash });
const AccountParam = z.strictObject({ address: Address });

/** The state path a wildcard route names: `/v1/state/apps/x` → `/apps/x`. */
const StatePathParam = restOfPath('A path of the state tree without its leading `/` (`apps/chat/name`); empty for the root.');
const pathOf = (params: { '*': string }): string => `/${params['*']}`.replace(/\/$/, '') || '/';

function read(tree: StateTree, path: string, kind: ProofKind): unknown {
  switch (kind) {
    case 'values':
      return tree.get(path);
    case 'rules':
      return tree.getRule(path);
    case 'owners':
      return tree.getOwner(path);
    case 'functions':
      return tree.getFunctions(path);
  }
}

function resultTooLarge(path: string, bytesMax: number): AinError {
  const url = `/v1/state${path === '/' ? '/' : path}`;
  return new AinError(
    'RESULT_TOO_LARGE',
    `The value at ${path} is more than ${bytesMax} bytes of JSON, more than one read answers; read it in pages: GET ${url}?limit=${statePageKeysDefault}, then again with &cursor=<next> from each answer until next is null (or read the paths below it).`,
    { details: { path, bytesMax } },
  );
}

/** Reads of the ledger: state, proofs, blocks, txs, accounts, health and metrics. */
export function ledgerRoutes(
  app: Api,
  { ledger, blocks, waitFinal, finalHeight, problems, metrics, readBytesMax = 1024 * 1024, shard, now = Date.now, pendingTxs }: LedgerRoutesOptions,
): void {
  // Answered as JSON text written straight from the tree, so a read costs at most its bound.
  const stateDoc = doc('state', 'The value at a path of the state tree, whole or a page of its keys (`?limit=&cursor=`).', {
    params: StatePathParam,
    querystring: StateQuery,
    response: { 200: StateAnswer },
  });
  app.get('/v1/state/*', stateDoc, async (request, reply) => {
    const path = pathOf(request.params);
    const { limit, cursor } = request.query;
    const { tree, height } = ledger;
    const answer = (valueJson: string, rest = '') => `{"path":${JSON.stringify(path)},"value":${valueJson},"height":${height}${rest}}`;
    void reply.type('application/json; charset=utf-8');
    if (limit === undefined && cursor === undefined) {
      const json = tree.getJson(path, readBytesMax);
      if (json === undefined) throw resultTooLarge(path, readBytesMax);
      return answer(json);
    }
    const page = tree.getPage(path, { after: cursor, keysMax: limit ?? statePageKeysDefault, bytesMax: readBytesMax });
    if ('tooLarge' in page) throw resultTooLarge(page.key === null ? path : `${path === '/' ? '' : path}/${page.key}`, readBytesMax);
    return answer(page.json, `,"next":${JSON.stringify(page.next)}`);
  });

  const proofDoc = doc('state', 'A value (or rule, owner config, functions) with its Merkle proof and the final header it checks against.', {
    params: StatePathParam,
    querystring: ProofQuery,
    response: { 200: ProofAnswer },
  });
  app.get('/v1/proof/*', proofDoc, async (request) => {
    const path = pathOf(request.params);
    const { kind, shard: chainedTo } = request.query;
    const linkOf = chainedTo === undefined ? undefined : linkOfShard(chainedTo);
    // Read and prove now, at the latest block; answer once that block is final.
    const height = ledger.height;
    const view = blocks.get(height);
    if (view === undefined) throw new AinError('NOT_FINAL', 'No block has been cut yet, so no header can back a proof; retry shortly.');
    if (kind === 'values' && ledger.tree.getJson(path, readBytesMax) === undefined) {
      throw new AinError(
        'RESULT_TOO_LARGE',
        `The value at ${path} is more than ${readBytesMax} bytes of JSON, more than one proof carries; prove the paths below it instead (GET /v1/state${path}?limit=${statePageKeysDefault} lists them).`,
        {
          details: { path, bytesMax: readBytesMax },
        },
      );
    }
    const value = read(ledger.tree, path, kind);
    const proof = ledger.tree.proof(path, kind);
    await waitFinal(height);
    const answer = { path, kind, value, proof, height, hash: view.hash, header: view.header };
    return linkOf === undefined ? answer : { ...answer, parent: await linkOf(height) };
  });

  /** The link to the parent for `?shard=`: only a node of that shard with a parent has one. */
  function linkOfShard(asked: string): (height: number) => Promise<NonNullable<ProofAnswer['parent']>> {
    const own = shard?.path ?? '/';
    if (asked !== own) {
      throw new AinError('UNKNOWN_SHARD', `This node keeps shard ${own}, not ${asked}: ask a node of shard ${asked} for a proof chained to its parent.`, {
        details: { shard: asked, own },
      });
    }
    if (shard?.linkOf === undefined) {
      throw new AinError(
        'UNKNOWN_SHARD',
        own === '/'
          ? 'This node keeps the root chain, which has no parent to chain a proof to; ask without ?shard=.'
          : `This node keeps shard ${own} but has no parent configured (parent.urls) to chain a proof to.`,
        { details: { shard: asked } },
      );
    }
    return shard.linkOf;
  }

  app.get(
    '/v1/blocks',
    doc('blocks', 'Blocks from `from` to `to` (or `limit` of them), at most 100 heights a read.', { querystring: BlocksQuery }),
    async (request) => {
      const { from, to } = request.query;
      const range = blocks.blocks(from, to);
      return { from, to: range.to, blocks: range.blocks };
    },
  );

  const proofs = createTxProofs(blocks);
  const txDoc = doc('txs', 'Where a tx landed (height, index, offset), what it came to, and the proof of both against its block’s header.', {
    params: TxParam,
    response: { 200: TxAnswer },
  });
  app.get('/v1/tx/:hash', txDoc, async (request) => {
    const { hash } = request.params;
    const found = blocks.findTx(hash);
    if (found !== undefined) return proofs.answer(found);
    const dropped = pendingTxs?.dropped(hash);
    // One found spent at a restart is stale only if no block holds it, which only a history whole up to that start can tell.
    if (dropped !== undefined && (dropped.atReplay !== true || blocks.wholeSinceStart)) {
      const { from, nonce, spent } = dropped;
      throw new AinError(
        'TX_DROPPED',
        `Tx ${hash.slice(0, 16)}… (nonce ${nonce} of ${from}) will not land: this node held it, but other txs of its sender spent that nonce first (the ledger's nonce for it is ${spent}), and no block this node holds includes it. Sign it again with a nonce above ${spent}.`,
        { details: { hash, from, nonce, spent } },
      );
    }
    if (pendingTxs?.has(hash) === true) {
      throw new AinError('NOT_FOUND', `Tx ${hash.slice(0, 16)}… waits in this node's mempool for a block.`, { details: { hash, pending: true } });
    }
    // A node with a mempool (a network's) says it does not hold the tx either (`pending: false`).
    throw new AinError(
      'NOT_FOUND',
      pendingTxs === undefined
        ? `No tx ${hash.slice(0, 16)}… is in the blocks this node holds (from height ${blocks.lowest}); it may still be waiting for its block, or be in blocks this node's history lacks (ain audit replays all).`
        : `No tx ${hash.slice(0, 16)}… is in the blocks this node holds (from height ${blocks.lowest}) nor in its mempool: this node has not had it (one sent to another node of the network comes by gossip in a moment), or it is in blocks this node's history lacks (ain audit replays all).`,
      { details: { hash, ...(pendingTxs === undefined ? {} : { pending: false }) } },
    );
  });

  app.get(
    '/v1/accounts/:address',
    doc('accounts', 'An account: balance, stake, unbonding, nonce, slashing and bandwidth.', { params: AccountParam, response: { 200: AccountAnswer } }),
    async (request) => {
      const { address } = request.params;
      const account = readAccount(ledger.tree, address);
      return {
        address,
        balance: account.balance.toString(),
        stake: account.stake.toString(),
        unbonding: account.unbonding.toString(),
        nonce: account.nonce,
        slashed: account.slashed,
        height: ledger.height,
        // The window is the node's clock's (the next block's time), never before the last block's.
        ...(ledger.bandwidth === null
          ? {}
          : { bandwidth: bandwidthOf(ledger.tree, ledger.bandwidth, address, Math.max(now(), blocks.latest()?.header.time ?? 0)) }),
      };
    },
  );

  app.get(
    '/v1/health',
    doc('node', 'Whether the node answers: its height, final height and signature verifier, and what keeps it from its work now.', {
      response: { 200: HealthAnswer },
    }),
    async () => ({
      ok: true,
      height: ledger.height,
      finalized: finalHeight?.() ?? blocks.latest()?.finalized.height ?? 0,
      verifier: signatureVerifier().name,
      problems: problems?.() ?? [],
    }),
  );

  if (metrics !== undefined) {
    app.get(
      '/metrics',
      doc('node', 'The node’s metrics.', { response: { 200: answerOf('text/plain', 'The Prometheus text format.') } }),
      async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
    );
  }
}
