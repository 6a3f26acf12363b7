import type { Logger } from 'pino';
import type { Observable, Subscription } from 'rxjs';
import { signTx, txHashOf, type KeyPair } from '../../log/index.ts';
import {
  AinError,
  defaultMaxTxBytes,
  isAinError,
  isAttestCertificate,
  type Evidence,
  type Genesis,
  type OpOf,
  type ParentConfig,
  type ShardCertificate,
} from '../../schemas/index.ts';
import { blockHashOfShardHeader } from '../../actors/index.ts';
import { callNode, nextNonce, postTx, type TxLanded } from '../client/index.ts';
import type { BlockStore } from './blockStore.ts';
import type { Service } from './lifecycle.ts';
import { attestEquivocationsOf, equivocationsOf, fittingReport, reportedBlocksOf } from './shardReports.ts';

export interface ShardReporterComponents {
  readonly logger: Logger;
  readonly now: () => number;
  /** This child validator's key: it signs the reports on the parent. */
  readonly key: KeyPair;
  readonly genesis: Genesis;
  readonly genesisHash: string;
  readonly blocks: Pick<BlockStore, 'get'>;
  /** How far this node's chain is decided (on Kafka: final) and applied. */
  readonly height: () => number;
  /** Decisions as they are appended (on Kafka: blocks, which move finality): each is a reason to look at the parent. */
  readonly commits$: Observable<unknown>;
  /** What proves a decided block: its commit certificate, or on Kafka its attestations. */
  readonly certificateOf: (height: number) => Promise<ShardCertificate | undefined>;
  /** The voting power of each validator that decided block `height`, while the ledger keeps it: a certificate too large for one report is cut to a quorum of it. */
  readonly powersAt?: (height: number) => ReadonlyMap<string, bigint> | null;
  readonly parent: ParentConfig;
  /** Hands an equivocation to this node's consensus (held for a block, and gossiped). */
  readonly evidence?: (evidence: Evidence) => Promise<void>;
  /** On Kafka: submits an equivocation (two attestations of one height) to this chain. */
  readonly equivocation?: (op: OpOf<'equivocation'>) => Promise<void>;
}

export interface ShardReporterStatus {
  /** The parent node asked last. */
  readonly parent: string;
  /** The last child height the parent had recorded when asked. */
  readonly reported: number;
  /** The last child height this node's own report got recorded. */
  readonly reportedHere: number;
  /** What went wrong last, while it has not gone right since. */
  readonly problem: string | null;
  /** Failures in a row since a report last landed (or there was nothing to report): the pause before the next try doubles with each. */
  readonly failures: number;
}

export interface ShardReporter extends Service {
  start(): void;
  stop(): Promise<void>;
  status(): ShardReporterStatus;
}

/** The parent's record of a shard, as `GET /v1/shards/<path>` gives it (the fields read here). */
interface ParentShard {
  readonly status: string;
  readonly genesis: string;
  /** The block the parent recorded last: its height and hash (a parent that does not say the hash is taken at its word). */
  readonly last: { readonly height: number; readonly hash?: string };
  readonly fork?: { readonly childHeight: number; readonly reported: string; readonly certificate?: ShardCertificate } | null;
  /** The version of this chain's rules the parent holds, and one it learned that holds later. */
  readonly rulesVersion?: number;
  readonly pendingRules?: { readonly version: number } | null;
  /** Who the parent takes reports from now. */
  readonly validators?: readonly { readonly address: string }[];
}

/** The first pause after a failure; it doubles up to `retryMsMax`. */
const retryMsMin = 250;
/** How long one request to a parent node may take. */
const requestTimeoutMs = 5_000;
/** How often a report's outcome is asked for while it waits for its parent block. */
const landPollMs = 200;
/**
 * Reports one round sends at most before it waits for the last one's block. A report holds what
 * fits one of the parent's txs (one child block with its certificate at the default 4 KiB), and a
 * parent block may take several: one report per parent block falls behind a child that decides
 * blocks faster than its parent.
 */
const reportsPerRoundMax = 8;
/** Reports in flight at most (sent, not seen landed): past it the reporter waits for them. */
const inFlightMax = 32;
/** Outcomes of a report that say another validator's report landed first (or an earlier one of a round did not land): look again at once. */
const racedCodes = new Set(['ALREADY_REPORTED', 'REPORT_GAP', 'BAD_PREV_HASH']);

/**
 * What one round came to: wait for the next decision, look again soon (a report in flight: at
 * its landing or the next decision, whichever is first), or pause.
 */
type Next = { readonly kind: 'idle' } | { readonly kind: 'watch' } | { readonly kind: 'pause'; readonly ms: number; readonly failed: boolean };

/**
 * A child chain's validator reports its decided blocks to the parent: whenever a block is decided
 * it asks a parent node (`GET /v1/shards/<path>`) how far the shard is recorded, and submits
 * `report`s of the blocks after that (consecutive, with their certificates, as many as fit the
 * parent's tx size in each; up to `reportsPerRoundMax` of them, with rising nonces) signed with
 * its key for the parent's chain. It does not wait for them: while the last is in flight, the
 * blocks it carries count as reported, so a block decided meanwhile goes out at once in a report
 * that links to it; each round looks at the last report's outcome (every `landPollMs`, or at the
 * next decision), and one that fails or is lost (`landMs`) is sent again from what the parent holds.
 * Every validator does so: the one whose turn the next height is reports at once, the others
 * `staggerMs` later per place if the parent still lacks it, so reporting goes on when any of them
 * stops. ALREADY_REPORTED (another was first) is normal; a parent that does not answer is tried
 * again, the next of `urls` each time, after a pause that doubles up to `retryMsMax`. Nothing it
 * meets stops the node.
 * @example const reporter = createShardReporter(components); reporter.start()
 */
export function createShardReporter(c: ShardReporterComponents): ShardReporter {
  const { logger, key, genesis, parent } = c;
  const path = genesis.shard;
  const order = genesis.proposers;
  const place = Math.max(0, order.indexOf(key.address));
  let running = false;
  let decided = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> = Promise.resolve();
  let subscription: Subscription | undefined;
  let urlIndex = 0;
  let failures = 0;
  let waitedFor = 0;
  let lastNonce = 0;
  let ledgerNonce: number | undefined;
  /** The fork (its reported proposal) whose equivocations were handed to consensus. */
  let forkSeen: string | undefined;
  /**
   * The reports sent and not seen landed, oldest first, on one parent node: their blocks count as
   * reported, so a block decided meanwhile goes out at once in a report that links to them. They
   * are given up together once the oldest has not landed within `landMs` of its sending.
   */
  let inFlight:
    { readonly url: string; readonly sent: { readonly hash: string; readonly from: number; readonly to: number }[]; readonly until: number } | undefined;
  /** A report of this node landed in this round: reporting moves, so failures start counting again. */
  let landedNow = false;
  /** The parent's set for the shard left this validator out, when it last looked. */
  let outOfSet = false;
  const parents = new Map<string, { chain: string; shard: string; maxTxBytes: number }>();
  let status: ShardReporterStatus = { parent: parent.urls[0]!, reported: 0, reportedHere: 0, problem: null, failures: 0 };

  /** Resolves after `ms`, or at once when the reporter stops; with `orDecided` also at the next decision. */
  const pause = (ms: number, orDecided: boolean) =>
    new Promise<void>((resolve) => {
      if (!running || (orDecided && decided)) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = orDecided ? done : () => (running ? undefined : done());
    });

  const parentOf = async (url: string) => {
    const known = parents.get(url);
    if (known !== undefined) return known;
    const answer = await callNode<{ chain: string; shard: string; maxTxBytes?: number }>(url, 'GET', '/v1/status', undefined, { timeoutMs: requestTimeoutMs });
    const info = { chain: answer.chain, shard: answer.shard, maxTxBytes: answer.maxTxBytes ?? defaultMaxTxBytes };
    if (info.chain !== genesis.chain) {
      throw new AinError(
        'BAD_CONFIG',
        `The parent ${url} runs chain ${info.chain}, but this shard keeps its parent's chain id ${genesis.chain}; check parent.urls.`,
      );
    }
    parents.set(url, info);
    return info;
  };

  /** The outcome of a report if its parent block holds it, else null (one request). */
  async function outcomeNow(url: string, hash: string): Promise<TxLanded | null> {
    try {
      return await callNode<TxLanded>(url, 'GET', `/v1/tx/${hash}`, undefined, { timeoutMs: requestTimeoutMs });
    } catch (error) {
      if (isAinError(error, 'NOT_FOUND')) return null;
      throw error;
    }
  }

  /**
   * Settles the reports in flight, oldest first, against what the parent holds now: each landed
   * ok is logged and let go; the first refused ends them all — a race (another validator's report
   * came first) quietly, anything else thrown (the ones after it linked to it and cannot land);
   * the first not landed stops the look, unless another's report covered all of them or the
   * oldest is past `landMs` (then they are given up, and the next parent node asked).
   */
  async function settleInFlight(url: string, recorded: number): Promise<void> {
    if (inFlight === undefined) return;
    if (inFlight.url !== url) {
      inFlight = undefined; // asked another parent node: look from what that one holds
      return;
    }
    const { sent } = inFlight;
    while (sent.length > 0) {
      const report = sent[0]!;
      const landed = await outcomeNow(url, report.hash);
      if (landed === null) {
        const last = sent.at(-1)!;
        if (recorded >= last.to) {
          inFlight = undefined; // another's report covered them all
          return;
        }
        // The newest refused while the oldest is nowhere: the oldest was lost, and the rest cannot link.
        const tail = sent.length > 1 ? await outcomeNow(url, last.hash) : null;
        if (tail !== null && tail.outcome.code !== 'ok') {
          inFlight = undefined;
          return refusal(url, last, tail);
        }
        if (Date.now() > inFlight.until) {
          logger.warn({ parent: url, from: report.from, to: last.to }, 'reports not in a parent block in time; sending them again to the next parent node');
          inFlight = undefined;
          urlIndex++;
        }
        return;
      }
      sent.shift();
      if (landed.outcome.code === 'ok') {
        logger.info({ parent: url, from: report.from, to: report.to, parentHeight: landed.height }, 'reported to the parent');
        status = { ...status, reportedHere: Math.max(status.reportedHere, report.to) };
        landedNow = true;
        continue;
      }
      inFlight = undefined;
      return refusal(url, report, landed);
    }
    inFlight = undefined;
  }

  /** Whether the parent's tip is another block than this chain's of its height (undefined hash, or no block of it here: taken as the same). */
  async function tipDiffers(source: Parameters<typeof reportedBlocksOf>[0], last: ParentShard['last']): Promise<boolean> {
    if (last.hash === undefined || last.height < 1) return false;
    const [block] = await reportedBlocksOf(source, last.height, last.height);
    const own = block === undefined ? undefined : blockHashOfShardHeader(block.header);
    if (own === undefined || own === last.hash) return false;
    logger.warn(
      { height: last.height, recorded: last.hash, own },
      'the parent recorded another block of this height than this chain’s: it goes again, with the next',
    );
    return true;
  }

  /** A report of this node refused: another validator's came first (a race, quietly), or BAD_REPORT thrown with the parent's code. */
  function refusal(url: string, report: { readonly from: number; readonly to: number }, landed: TxLanded): void {
    const { code, message } = landed.outcome;
    if (racedCodes.has(code)) {
      logger.debug({ parent: url, from: report.from, to: report.to, code }, 'another validator reported first');
      return;
    }
    if (code === 'BAD_NONCE') ledgerNonce = undefined;
    throw new AinError('BAD_REPORT', `The parent ${url} refused the report of child blocks ${report.from}…${report.to}: ${code} ${message ?? ''}`.trim());
  }

  /**
   * The parent holds the shard forked: the certificate it took for the other block of that height
   * against this chain's own certificate gives the validators that precommitted both in one
   * round, whose evidence this chain commits (their stake burned, the set without them). Once
   * per fork.
   */
  async function reportEquivocations(url: string, shard: ParentShard): Promise<void> {
    const fork = shard.fork;
    if (fork?.certificate === undefined || forkSeen === fork.reported) return;
    const own = await c.certificateOf(fork.childHeight);
    const other = fork.certificate;
    // Precommits of one round on a peer-to-peer chain; attestations of one height on Kafka.
    const consensus =
      c.evidence !== undefined && own !== undefined && !isAttestCertificate(own) && !isAttestCertificate(other) ? equivocationsOf(own, other) : [];
    const attested =
      c.equivocation !== undefined && own !== undefined && isAttestCertificate(own) && isAttestCertificate(other)
        ? attestEquivocationsOf(own, other, c.genesisHash)
        : [];
    const validators = [...consensus.map((e) => e.a.from), ...attested.map((e) => e.first.from)];
    logger.warn(
      { parent: url, childHeight: fork.childHeight, validators },
      validators.length === 0
        ? 'the parent holds the shard forked; no equivocation to commit here'
        : 'the parent holds the shard forked; committing the equivocations',
    );
    for (const evidence of consensus) await c.evidence!(evidence);
    for (const op of attested) await c.equivocation!(op);
    // Only once all are handed over: a failure looks again next round (consensus holds each once).
    forkSeen = fork.reported;
  }

  /** Looks at the parent once and reports what it lacks, if it is this node's turn. */
  async function round(url: string): Promise<Next> {
    const where = await parentOf(url);
    const shard = await callNode<ParentShard>(url, 'GET', `/v1/shards${path}`, undefined, { timeoutMs: requestTimeoutMs });
    if (shard.genesis !== c.genesisHash) {
      throw new AinError('BAD_CONFIG', `The shard ${path} on ${url} has genesis ${shard.genesis}, not this chain's ${c.genesisHash}: it was branched again.`);
    }
    if (shard.status === 'forked') await reportEquivocations(url, shard);
    if (shard.status === 'forked' || shard.status === 'ended') {
      throw new AinError(
        shard.status === 'ended' ? 'SHARD_ENDED' : 'SHARD_FORKED',
        `The parent ${url} holds the shard ${path} as ${shard.status}; it takes no reports.`,
      );
    }
    status = { ...status, parent: url, reported: shard.last.height };
    // A rules change left this validator out (or has not put it in yet): the parent would refuse its reports.
    if (shard.validators !== undefined && !shard.validators.some((v) => v.address === key.address)) {
      if (!outOfSet) logger.info({ parent: url, version: shard.rulesVersion ?? 0 }, 'not a validator of the shard on the parent: reporting nothing while so');
      outOfSet = true;
      inFlight = undefined;
      return { kind: 'idle' };
    }
    outOfSet = false;
    await settleInFlight(url, shard.last.height);
    // Past the report in flight, if any: the blocks decided since it was sent.
    const next = (inFlight?.sent.at(-1)?.to ?? shard.last.height) + 1;
    // The parent's last block came without the rules change the block before it made (a
    // reporter left it out): that block goes again, with the change, before the next ones.
    const tipRules = inFlight === undefined ? c.blocks.get(shard.last.height - 1)?.rulesProof : undefined;
    const resend = tipRules !== undefined && tipRules.record.version > Math.max(shard.rulesVersion ?? 0, shard.pendingRules?.version ?? 0);
    if ((next > c.height() && !resend) || (inFlight?.sent.length ?? 0) >= inFlightMax) return inFlight === undefined ? { kind: 'idle' } : { kind: 'watch' };
    // Whose turn the next height is turns with it; the others give the one before them time (not
    // the one whose report is in flight: it goes on).
    const behind = (place - (next % order.length) + order.length) % order.length;
    if (behind > 0 && waitedFor !== next && inFlight === undefined) {
      waitedFor = next;
      return { kind: 'pause', ms: behind * parent.staggerMs, failed: false };
    }
    // A validator may report a block with roots of its own (its certificate covers the proposal,
    // not the roots): the parent records it, and this chain's next block, which links to the real
    // one, is BAD_PREV_HASH there for good. Such a tip goes again, this chain's own, with the block
    // after it, which restates it (applyReport).
    const source = { genesis, blocks: c.blocks, certificateOf: c.certificateOf };
    const tipAgain = !resend && inFlight === undefined && (await tipDiffers(source, shard.last));
    const first = resend || tipAgain ? next - 1 : next;
    const blocks = await reportedBlocksOf(source, first, c.height());
    ledgerNonce ??= (await callNode<{ nonce: number }>(url, 'GET', `/v1/accounts/${key.address}`, undefined, { timeoutMs: requestTimeoutMs })).nonce;
    // As many reports as the blocks need (each as many blocks as fit one tx), sent one after
    // another with rising nonces; the next rounds settle them, oldest first.
    const sent: { hash: string; from: number; to: number }[] = [];
    let reports = 0;
    for (let at = 0; at < blocks.length && reports < reportsPerRoundMax; reports++) {
      const time = c.now();
      const nonce = nextNonce({ lastNonce, ledgerNonce, timeMs: time, address: key.address });
      const fit = fittingReport({ key, chain: where.chain, shard: where.shard, nonce, time }, path, blocks.slice(at), where.maxTxBytes, c.powersAt);
      if (fit === null) {
        throw new AinError(
          'TX_TOO_LARGE',
          `Child block ${first + at} with its certificate does not fit in one tx of ${where.maxTxBytes} bytes, the limit of ${url}; raise its maxTxBytes.`,
        );
      }
      const tx = signTx({ key, op: fit.op, nonce, time, chain: where.chain, shard: where.shard });
      lastNonce = nonce;
      await postTx(url, tx);
      sent.push({ hash: txHashOf(tx), from: first + at, to: first + at + fit.count - 1 });
      at += fit.count;
    }
    if (sent.length === 0) return { kind: 'idle' };
    // Not waited for here: the next rounds look at their outcomes, and meanwhile report what is decided after them.
    inFlight = { url, sent: [...(inFlight?.sent ?? []), ...sent], until: inFlight?.until ?? Date.now() + parent.landMs };
    logger.debug({ parent: url, from: first, to: sent.at(-1)!.to, reports }, 'reports sent');
    return { kind: 'watch' };
  }

  async function run(): Promise<void> {
    while (running) {
      decided = false;
      landedNow = false;
      const url = parent.urls[urlIndex % parent.urls.length]!;
      let next: Next;
      try {
        next = await round(url);
        // Only a report landed, or nothing left to report, ends a run of failures: a report
        // sent that will be refused again must not start the backoff over.
        if (landedNow || next.kind === 'idle') {
          failures = 0;
          status = { ...status, problem: null, failures: 0 };
        }
      } catch (error) {
        // A parent that does not answer: the next one, after a pause that grows.
        failures++;
        if (isAinError(error, 'NODE_UNREACHABLE')) urlIndex++;
        if (isAinError(error, 'BAD_NONCE')) ledgerNonce = undefined;
        const problem = error instanceof Error ? error.message : String(error);
        if (problem !== status.problem || failures % 10 === 1)
          logger.warn({ err: error, parent: url, failures }, 'reporting to the parent failed; trying again');
        status = { ...status, problem, failures };
        next = { kind: 'pause', ms: Math.min(parent.retryMsMax, retryMsMin * 2 ** Math.min(failures - 1, 16)), failed: true };
      }
      if (next.kind === 'idle') await pause(parent.retryMsMax, true);
      else if (next.kind === 'watch') await pause(landPollMs, true);
      else if (next.kind === 'pause') await pause(next.ms, false);
    }
  }

  return {
    start() {
      running = true;
      subscription = c.commits$.subscribe(() => {
        decided = true;
        wake?.();
      });
      loop = run().catch((error: unknown) => logger.error({ err: error }, 'the shard reporter stopped'));
    },
    async stop() {
      running = false;
      subscription?.unsubscribe();
      wake?.();
      await loop;
    },
    status: () => status,
  };
}
