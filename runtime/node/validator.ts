import type { Logger } from 'pino';
import { createActor, fromPromise } from 'xstate';
import { validatorMachine, type Ledger } from '../../actors/index.ts';
import { readAccount } from '../../projections/index.ts';
import type { BlockStore } from './blockStore.ts';
import type { NodeSigner } from './nodeSigner.ts';

export interface ValidatorOptions {
  readonly address: string;
  readonly ledger: Ledger;
  readonly blocks: BlockStore;
  readonly signer: NodeSigner;
  readonly logger: Logger;
  readonly caughtUp: () => boolean;
  /** How often it looks for blocks to attest without a new one (after a restart the node catches up without one). */
  readonly intervalMs: number;
}

export interface Validator {
  /** The node applied a block. */
  onBlock(): void;
  stop(): void;
}

/**
 * Runs the node's ValidatorActor (actors/agents/validatorMachine) live: it attests each block the
 * node applied while the node's key has stake, with the node's signer.
 */
export function startValidator({ address, ledger, blocks, signer, logger, caughtUp, intervalMs }: ValidatorOptions): Validator {
  const machine = validatorMachine.provide({
    actors: {
      attest: fromPromise<{ height: number }, { height: number }>(async ({ input }) => {
        const view = blocks.get(input.height);
        const account = readAccount(ledger.tree, address);
        if (view !== undefined && account.stake !== 0n && !account.slashed) await signer.submit({ type: 'attest', height: view.header.height, hash: view.hash });
        return input;
      }),
    },
    actions: {
      reportError: ({ context }) => logger.warn({ err: context.lastError }, 'could not append an attestation; will retry at the next block'),
    },
  });
  const attestedUpTo = ledger.height === 0 ? 0 : Number((ledger.tree.get('/consensus/finalized/height') as number | null) ?? 0);
  const actor = createActor(machine, { input: { intervalMs, attestedUpTo, view: () => ({ height: ledger.height, caughtUp: caughtUp() }) } }).start();
  return { onBlock: () => actor.send({ type: 'BLOCK' }), stop: () => actor.stop() };
}
