import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Ledger } from '../../actors/index.ts';
import { proofKinds, readAccount, type ProofKind, type StateTree } from '../../projections/index.ts';
import { Address, AinError, Hash, parseOrThrow } from '../../schemas/index.ts';
import type { BlockStore } from '../node/blockStore.ts';

export interface LedgerRoutesOptions {
  readonly ledger: Ledger;
  readonly blocks: BlockStore;
  /** Resolves once block `height` is final; rejects with NOT_FINAL when it is not in time. */
  readonly waitFinal: (height: number) => Promise<void>;
  readonly metrics?: Registry;
}

const blocksPerRangeMax = 100;
const ProofQuery = z.strictObject({ kind: z.enum(proofKinds as [ProofKind, ...ProofKind[]]).default('values') });
const RangeQuery = z
  .strictObject({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) })
  .refine((q) => q.to >= q.from && q.to - q.from < blocksPerRangeMax, { message: `to must be at least from, and a range holds at most ${blocksPerRangeMax} blocks` });
const TxParam = z.strictObject({ hash: Hash });
const AccountParam = z.strictObject({ address: Address });

/** The state path a wildcard route names: `/v1/state/apps/x` → `/apps/x`. */
const pathOf = (params: unknown): string => `/${(params as { '*'?: string })['*'] ?? ''}`.replace(/\/$/, '') || '/';

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

/** Reads of the ledger: state, proofs, blocks, txs, accounts, health and metrics. */
export function ledgerRoutes(app: FastifyInstance, { ledger, blocks, waitFinal, metrics }: LedgerRoutesOptions): void {
  app.get('/v1/state/*', async (request) => {
    const path = pathOf(request.params);
    return { path, value: ledger.tree.get(path), height: ledger.height };
  });

  app.get('/v1/proof/*', async (request) => {
    const path = pathOf(request.params);
    const { kind } = parseOrThrow(ProofQuery, request.query, 'query');
    // Read and prove now, at the latest block; answer once that block is final.
    const height = ledger.height;
    const view = blocks.get(height);
    if (view === undefined) throw new AinError('NOT_FINAL', 'No block has been cut yet, so no header can back a proof; retry shortly.');
    const value = read(ledger.tree, path, kind);
    const proof = ledger.tree.proof(path, kind);
    await waitFinal(height);
    return { path, kind, value, proof, height, hash: view.hash, header: view.header };
  });

  app.get('/v1/blocks', async (request) => {
    const { from, to } = parseOrThrow(RangeQuery, request.query, 'query');
    const found = [];
    for (let h = from; h <= to; h++) {
      const view = blocks.get(h);
      if (view !== undefined) found.push(view);
    }
    return { from, to, blocks: found };
  });

  app.get('/v1/tx/:hash', async (request) => {
    const { hash } = parseOrThrow(TxParam, request.params, 'path');
    const found = blocks.findTx(hash);
    if (found === undefined) {
      throw new AinError('NOT_FOUND', `No tx ${hash.slice(0, 16)}… is in the blocks this node holds (from height ${blocks.lowest}); it may still be waiting for its block, or be older (ain audit replays all).`);
    }
    return found;
  });

  app.get('/v1/accounts/:address', async (request) => {
    const { address } = parseOrThrow(AccountParam, request.params, 'path');
    const account = readAccount(ledger.tree, address);
    return {
      address,
      balance: account.balance.toString(),
      stake: account.stake.toString(),
      unbonding: account.unbonding.toString(),
      nonce: account.nonce,
      slashed: account.slashed,
      height: ledger.height,
    };
  });

  app.get('/v1/health', async () => ({ ok: true, height: ledger.height, finalized: blocks.latest()?.finalized.height ?? 0 }));

  if (metrics !== undefined) {
    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
  }
}
