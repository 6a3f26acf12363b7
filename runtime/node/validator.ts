import type { Logger } from 'pino';
import type { Observable, Subscription } from 'rxjs';
import { createActor, fromPromise, type Actor } from 'xstate';
import { validatorMachine, type Ledger } from '../../actors/index.ts';
import type { TxRecord } from '../../log/index.ts';
import type { BlockStore } from './blockStore.ts';
import type { Service } from './lifecycle.ts';
import type { NodeSigner } from './nodeSigner.ts';

export interface ValidatorOptions {
  readonly address: string;
  readonly ledger: Ledger;
  readonly blocks: BlockStore;
  /** The blocks the node applies, as it does: each is a moment to look for blocks to attest. */
  readonly blocks$: Observable<unknown>;
  readonly signer: NodeSigner;
  readonly logger: Logger;
  readonly caughtUp: () => boolean;
  /** Records in the log beyond the last block (the cutter's), in log order. */
  readonly pending: () => readonly TxRecord[];
  /** How often it looks for blocks to attest without a new one (after a restart the node catches up without one). */
  readonly intervalMs: number;
}

export interface Validator extends Service {
  start(): void;
  stop(): void;
}

/** Heights `address` attested in these records (a vote in the log, its block not cut yet). */
function attestedIn(records: readonly TxRecord[], address: string): Set<number> {
  const heights = new Set<number>();
  for (const { tx } of records) if (tx !== null && tx.from === address && tx.op.type === 'attest') heights.add(tx.op.height);
  return heights;
}

/**
 * The node's ValidatorActor (actors/agents/validatorMachine), run live once started: it reads the
 * ledger and the records waiting for the next block when it decides, and signs each attestation
 * with the node's signer.
 */
export function createValidator({ address, ledger, blocks, blocks$, signer, logger, caughtUp, pending, intervalMs }: ValidatorOptions): Validator {
  const machine = validatorMachine.provide({
    actors: {
      attest: fromPromise<{ height: number }, { height: number }>(async ({ input }) => {
        const view = blocks.get(input.height);
        if (view === undefined) logger.warn({ height: input.height }, 'the block to attest is no longer held in memory; it is left unattested');
        else await signer.submit({ type: 'attest', height: view.header.height, hash: view.hash, genesis: ledger.genesisHash });
        return input;
      }),
    },
    actions: {
      reportError: ({ context }) => logger.warn({ err: context.lastError }, 'could not append an attestation; will retry at the next block'),
    },
  });
  const view = () => {
    const up = caughtUp();
    return { tree: ledger.tree, height: ledger.height, caughtUp: up, waiting: up ? attestedIn(pending(), address) : new Set<number>() };
  };
  let running: { actor: Actor<typeof machine>; blocks: Subscription } | undefined;
  return {
    start() {
      if (running !== undefined) return;
      const actor = createActor(machine, { input: { intervalMs, address, view } }).start();
      running = { actor, blocks: blocks$.subscribe(() => actor.send({ type: 'BLOCK' })) };
    },
    stop() {
      running?.blocks.unsubscribe();
      running?.actor.stop();
      running = undefined;
    },
  };
}
