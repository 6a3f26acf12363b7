import { filter, firstValueFrom, type Observable } from 'rxjs';
import type { Chain } from '../../actors/index.ts';
import { sha256Hex, type EventLog } from '../../log/index.ts';
import { AinError, type Certificate } from '../../schemas/index.ts';
import type { BlockView } from '../blocks/index.ts';
import type { ReadBack } from '../ingest/index.ts';
import type { CommitStore } from './commitStore.ts';
import { decidedHashOf } from './proposalBlocks.ts';

export interface DecidedAppenderComponents {
  readonly chain: Chain;
  /** The node's own log: only decided blocks are appended to it. */
  readonly log: EventLog;
  readonly commits: CommitStore;
  /** Every block the follower applies, as it does. */
  readonly blocks$: Observable<BlockView>;
  /** The follower as an appender sees it: told of the records appended, so it need not verify them again. */
  readonly readBack?: ReadBack;
}

/**
 * Appends a decided block (its records: the commit of the block before, txs, its cut) to the log
 * once, whether consensus here decided it or a peer's certificate proved it; resolves when the
 * follower has applied it and its certificate is kept. Blocks go in one at a time, in order.
 * `hashes`: the records' tx hashes, when the caller has them (else each record's decidedHashOf).
 */
export type AppendDecided = (
  height: number,
  records: readonly Uint8Array[],
  certificate: Certificate,
  hashes?: readonly string[],
  /** The SHA-256 of each record (hex), when the caller has them. */
  refs?: readonly string[],
) => Promise<void>;

/**
 * The one way decided blocks enter a validator's log. The certificate is on disk (commit store)
 * before the block's records are appended, in one append. A crash in the middle of that append
 * leaves the block's first records in the log as whole frames (the log cuts a torn frame when it
 * opens): the follower holds them pending, beyond the last block. The block, decided again here
 * or fetched from a peer, then gets only the records the log lacks, so the log holds it once,
 * byte for byte as every other node's does; records pending that are not its beginning are
 * LOG_DIVERGED, and nothing is appended.
 * @example const appendDecided = createDecidedAppender({ chain, log, commits, blocks$ }); await appendDecided(7, records, certificate)
 */
export function createDecidedAppender(c: DecidedAppenderComponents): AppendDecided {
  const { chain, log, commits } = c;
  let appending: Promise<unknown> = Promise.resolve();

  /** The records of block `height` the log does not hold yet (all of them but those pending beyond the last block). */
  function missing(
    height: number,
    records: readonly Uint8Array[],
    hashes: readonly string[],
    refs: readonly string[] | undefined,
  ): { records: Uint8Array[]; hashes: string[]; refs: string[] | undefined } {
    const pending = chain.pending;
    const at = chain.position.lastOffset + 1;
    if (at + pending.length !== log.lastOffset() + 1) {
      throw new Error(
        `block ${height}: the follower has read the log to offset ${at + pending.length - 1} of ${log.lastOffset()}; append once it has read all`,
      );
    }
    // By bytes (the record's ref), not tx hash: a tx its signer signed again has the same hash and other bytes.
    const isBeginning = pending.length < records.length && pending.every((record, i) => record.ref === (refs?.[i] ?? sha256Hex(records[i]!)));
    if (!isBeginning) {
      throw new AinError(
        'LOG_DIVERGED',
        `The log holds ${pending.length} records after block ${height - 1} (from offset ${at}) that are not the beginning of decided block ${height}; this node appends nothing rather than fork from its log. Stop it, move its log, history and snapshots folders away (never node.key nor consensus/, which holds what it signed) and start it again: it fetches the chain from its peers.`,
        { details: { height, offset: at, pending: pending.length, records: records.length } },
      );
    }
    return { records: records.slice(pending.length), hashes: hashes.slice(pending.length), refs: refs?.slice(pending.length) };
  }

  /**
   * Appends a decided block's records as this node's own: it judged every one of them (as a
   * proposal before it voted, or as a fetched block against its certificate), so the follower
   * reading them back compares the bytes instead of verifying each signature again.
   */
  async function appendOwn(records: readonly Uint8Array[], hashes: readonly string[], refs: readonly string[] | undefined): Promise<void> {
    const { readBack } = c;
    if (readBack === undefined) {
      await log.append(records);
      return;
    }
    const own = records.map((value, i) => ({ hash: hashes[i]!, isCut: i === records.length - 1, value, ...(refs === undefined ? {} : { ref: refs[i]! }) }));
    let readingBack: Promise<void> | void = undefined;
    const appended = log.append(records).then((offsets) => {
      readingBack = readBack.noteOwn(offsets, own);
      return offsets;
    });
    readBack.appending(appended);
    await appended;
    await readingBack;
  }

  return (height, records, certificate, hashes, refs) => {
    const run = appending.then(async () => {
      if (chain.ledger.height < height) {
        if (chain.ledger.height + 1 !== height) throw new Error(`block ${height} cannot follow block ${chain.ledger.height}`);
        const rest = missing(height, records, hashes ?? records.map(decidedHashOf), refs);
        const applied = firstValueFrom(c.blocks$.pipe(filter((view) => view.header.height >= height)));
        await commits.save(height, certificate);
        await appendOwn(rest.records, rest.hashes, rest.refs);
        await applied;
      }
      await commits.keep(height, certificate);
    });
    appending = run.catch(() => undefined);
    return run;
  };
}
