import type { Logger } from 'pino';
import type { Ledger } from '../../actors/index.ts';
import { readAccount } from '../../projections/index.ts';
import type { BlockStore, BlockView } from './blockStore.ts';
import type { NodeSigner } from './nodeSigner.ts';

export interface ValidatorOptions {
  readonly address: string;
  readonly ledger: Ledger;
  readonly blocks: BlockStore;
  readonly signer: NodeSigner;
  readonly logger: Logger;
  readonly caughtUp: () => boolean;
}

/**
 * Attests every block the node applies while it has stake, once caught up with its log: after a
 * restart, every block above the final height is attested (a repeat is ALREADY_ATTESTED, harmless).
 */
export function startValidator({ address, ledger, blocks, signer, logger, caughtUp }: ValidatorOptions): { onBlock(view?: BlockView): void } {
  let attestedUpTo = ledger.height === 0 ? 0 : Number((ledger.tree.get('/consensus/finalized/height') as number | null) ?? 0);
  let running = false;
  const attestPending = async () => {
    if (running || !caughtUp()) return;
    running = true;
    try {
      while (attestedUpTo < ledger.height) {
        const view = blocks.get(attestedUpTo + 1);
        const account = readAccount(ledger.tree, address);
        if (view === undefined || account.stake === 0n || account.slashed) {
          attestedUpTo++;
          continue;
        }
        await signer.submit({ type: 'attest', height: view.header.height, hash: view.hash });
        attestedUpTo = view.header.height;
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not append an attestation; will retry at the next block');
    } finally {
      running = false;
    }
  };
  return { onBlock: () => void attestPending() };
}
