import { Subject } from 'rxjs';
import type { Chain } from '../../actors/index.ts';
import type { Block, TxRecord } from '../../log/index.ts';
import { decideQuorum } from '../../projections/index.ts';

// Blocks whose kind (only cut markers and attestations, or more) is remembered, newest first.
const idleHeightsMax = 1024;

/** What the records beyond the last block ask of a proposer. */
export interface PendingWork {
  /**
   * Records wait that need a block: anything but cut markers and attestations of blocks that
   * held nothing else (so an idle chain stops cutting).
   */
  readonly hasWork: boolean;
  /** The attestations waiting bring a block with txs past 2/3 of its stake: a proposer may cut at once. */
  readonly quorum$: Subject<void>;
  /**
   * Whether block `height` held txs besides cut markers and attestations (its finality is waited
   * for); undefined for a block this node did not cut since it started, or one of more than
   * `idleHeightsMax` blocks ago.
   */
  holdsWork(height: number): boolean | undefined;
  /** A record that closed no block. */
  note(record: TxRecord): void;
  /** A block was cut: what waited is in it. */
  cut(block: Block): void;
  complete(): void;
}

const isChainOnly = (record: TxRecord) => record.tx !== null && (record.tx.op.type === 'cut' || record.tx.op.type === 'attest');

/**
 * Follows the records beyond the last block for the proposer. An attestation of a block that
 * held txs is work (that block's finality waits for it), and once the attestations waiting
 * complete its quorum (decideQuorum) `quorum$` asks for a cut now; before that, the proposer's
 * timer cuts them. With one validator its vote is the quorum; with several, the block that makes
 * it final comes once, not once per vote.
 * @example const work = createPendingWork(chain); work.note(record); work.hasWork
 */
export function createPendingWork(chain: Pick<Chain, 'ledger' | 'position'>): PendingWork {
  const quorum$ = new Subject<void>();
  const idleHeights = new Map<number, boolean>();
  // Heights of blocks with txs → the votes for them waiting (the first per validator counts).
  const votes = new Map<number, Map<string, string>>();
  let hasWork = false;
  return {
    quorum$,
    get hasWork() {
      return hasWork;
    },
    holdsWork: (height) => {
      const idle = idleHeights.get(height);
      return idle === undefined ? undefined : !idle;
    },
    note(record) {
      const op = record.tx?.op;
      if (op?.type === 'attest' && op.genesis === chain.ledger.genesisHash && idleHeights.get(op.height) === false) {
        hasWork = true;
        const waiting = votes.get(op.height) ?? new Map<string, string>();
        votes.set(op.height, waiting);
        if (waiting.has(record.tx!.from)) return;
        waiting.set(record.tx!.from, op.hash);
        const view = { tree: chain.ledger.tree, height: chain.ledger.height, lastHash: chain.position.prevHash };
        if (decideQuorum(view, op.height, waiting)) quorum$.next();
      } else if (!hasWork) hasWork = !isChainOnly(record);
    },
    cut(block) {
      idleHeights.set(block.header.height, block.txs.every(isChainOnly));
      idleHeights.delete(block.header.height - idleHeightsMax);
      votes.clear();
      hasWork = false;
    },
    complete() {
      quorum$.complete();
    },
  };
}
