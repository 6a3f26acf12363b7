import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Observable } from 'rxjs';
import type { EventLog } from '../../log/index.ts';
import { HealthProblemCode } from '../../schemas/index.ts';
import type { StreamRouteMetrics } from '../api/index.ts';
import type { BlockView } from './blockStore.ts';

/** The node's Prometheus metrics (docs/metrics.md), in a registry of its own. */
export interface NodeMetrics {
  readonly registry: Registry;
  /** Counts a block and the outcomes of its txs. */
  onBlock(view: BlockView): void;
  /** Counts txs accepted into the log, and refusals at the boundary by code. */
  onSubmitted(accepted: number, refusedCodes: readonly string[]): void;
  /** The log, with every append timed. */
  timed(log: EventLog): EventLog;
  /** Counts stream events serialized into frames (once per event, whatever its subscribers), by kind. */
  onStreamEncoded(event: string, bytes: number): void;
  /** What the stream routes report: open stream sockets, slow consumers cut off, bytes sent. */
  readonly streams: StreamRouteMetrics;
  /** A validator of a network: where its consensus stands, its decisions, its mempool and peers, read when scraped. */
  watchNetwork(network: NetworkFigures): void;
  /** What `GET /v1/health` lists, read when scraped: `ain_health_problem{code}` 1 while it lasts, 0 otherwise. */
  watchHealth(problems: () => readonly { readonly code: string }[]): void;
}

/** What a validator's metrics read of its network parts. */
export interface NetworkFigures {
  /** The newest final block the node applied: on a network, the newest decided (ConsensusServices.finalHeight). */
  readonly finalHeight: () => number;
  readonly consensus: () => { readonly height: number; readonly round: number };
  /** Each decision this node appends, with the round it was decided in. */
  readonly commits$: Observable<{ readonly height: number; readonly certificate: { readonly round: number; readonly votes: readonly unknown[] } }>;
  readonly mempool: () => { readonly txs: number; readonly bytes: number };
  readonly peers: () => number;
  /** How the records of the blocks consensus judged or fetched were checked, and how many blocks it fetched: totals since start. */
  readonly figures: () => {
    readonly records: { readonly mempool: number; readonly verifyThreads: number; readonly thisThread: number };
    readonly fetchedBlocks: number;
    readonly fetchedRecords: number;
    /** Peers' consensus messages refused by the gossip validator, by `<kind> <validation> <cause>`. */
    readonly refusedMessages: { readonly [kindValidationCause: string]: number };
  };
}

export function createNodeMetrics(): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ain_process_' });
  const txsIn = new Counter({ name: 'ain_txs_in_total', help: 'Txs accepted into the log through the API.', registers: [registry] });
  const refused = new Counter({ name: 'ain_txs_refused_total', help: 'Txs refused at the boundary, by code.', labelNames: ['code'], registers: [registry] });
  const blocks = new Counter({ name: 'ain_blocks_total', help: 'Blocks cut and applied.', registers: [registry] });
  const height = new Gauge({ name: 'ain_block_height', help: 'Height of the latest applied block.', registers: [registry] });
  // On a network of validators the newest decided block, which is final before a later block records it.
  let finalHeight: (() => number) | undefined;
  const finalized = new Gauge({
    name: 'ain_finalized_height',
    help: 'Height of the latest final block (on a network of validators, the latest decided).',
    registers: [registry],
    collect() {
      if (finalHeight !== undefined) this.set(finalHeight());
    },
  });
  const outcomes = new Counter({
    name: 'ain_tx_outcomes_total',
    help: 'Outcomes of txs in applied blocks, by code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const appendSeconds = new Histogram({
    name: 'ain_log_append_seconds',
    help: 'Time from append to durable acknowledgement.',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const streamEncoded = new Counter({
    name: 'ain_stream_events_encoded_total',
    help: 'Stream events serialized into SSE frames (once per event, however many subscribers get it), by event.',
    labelNames: ['event'],
    registers: [registry],
  });
  const streamEncodedBytes = new Counter({ name: 'ain_stream_encoded_bytes_total', help: 'Bytes of the SSE frames serialized.', registers: [registry] });
  const streamConnections = new Gauge({ name: 'ain_stream_connections', help: 'Stream sockets open, each counted until it is closed.', registers: [registry] });
  const slowConsumers = new Counter({ name: 'ain_stream_slow_consumers_total', help: 'Streams ended with SLOW_CONSUMER.', registers: [registry] });
  const streamSentBytes = new Counter({
    name: 'ain_stream_sent_bytes_total',
    help: "Bytes of stream events handed to subscribers' sockets.",
    registers: [registry],
  });
  let healthProblems: (() => readonly { readonly code: string }[]) | undefined;
  new Gauge({
    name: 'ain_health_problem',
    help: 'Whether GET /v1/health lists a problem of this code now (1) or not (0): LOG_UNAVAILABLE, CONSENSUS_STALLED, VALIDATORS_UNREACHABLE, …',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      if (healthProblems === undefined) return;
      const now = new Set(healthProblems().map((p) => p.code));
      for (const code of HealthProblemCode.options) this.set({ code }, now.has(code) ? 1 : 0);
    },
  });
  return {
    registry,
    watchHealth(problems) {
      healthProblems = problems;
    },
    watchNetwork({ finalHeight: final, consensus, commits$, mempool, peers, figures }) {
      finalHeight = final;
      const gauge = (name: string, help: string, read: () => number) =>
        new Gauge({
          name,
          help,
          registers: [registry],
          collect() {
            this.set(read());
          },
        });
      gauge('ain_consensus_height', 'Height consensus is deciding (the last decided plus one while it runs).', () => consensus().height);
      gauge('ain_consensus_round', 'Round of the height consensus is deciding: above 0 after a proposer failed or timed out.', () => consensus().round);
      gauge('ain_mempool_txs', 'Txs the mempool holds for blocks to take.', () => mempool().txs);
      gauge('ain_mempool_bytes', 'Bytes of the txs the mempool holds.', () => mempool().bytes);
      gauge('ain_net_peers', 'Peers connected over libp2p.', () => peers());
      const decided = new Counter({ name: 'ain_consensus_decisions_total', help: 'Blocks this node appended as decided.', registers: [registry] });
      const lateRounds = new Counter({
        name: 'ain_consensus_late_rounds_total',
        help: 'Rounds that ended without a decision, summed over the decided heights (the round each was decided in).',
        registers: [registry],
      });
      const signers = new Gauge({
        name: 'ain_consensus_last_signers',
        help: 'Precommits in the certificate of the last decided block.',
        registers: [registry],
      });
      // Totals the consensus service keeps, brought up to date as they are read.
      const counted = { mempool: 0, verifyThreads: 0, thisThread: 0, fetchedBlocks: 0, fetchedRecords: 0 };
      new Counter({
        name: 'ain_consensus_block_records_total',
        help: 'Records of the blocks consensus judged (each proposal) or fetched, by how each was checked: held by the mempool, on the verify threads, or on the consensus thread.',
        labelNames: ['checked'],
        registers: [registry],
        collect() {
          const { records } = figures();
          for (const [label, key] of [
            ['mempool', 'mempool'],
            ['verify_threads', 'verifyThreads'],
            ['this_thread', 'thisThread'],
          ] as const) {
            this.inc({ checked: label }, records[key] - counted[key]);
            counted[key] = records[key];
          }
        },
      });
      const total = (key: 'fetchedBlocks' | 'fetchedRecords', name: string, help: string) =>
        new Counter({
          name,
          help,
          registers: [registry],
          collect() {
            const value = figures()[key];
            this.inc(value - counted[key]);
            counted[key] = value;
          },
        });
      total('fetchedBlocks', 'ain_consensus_fetched_blocks_total', 'Decided blocks fetched from peers (catch-up) and appended.');
      total(
        'fetchedRecords',
        'ain_consensus_fetched_records_total',
        'Records of proposals asked of peers: neither the mempool nor a recent block held them (their gossip had not come).',
      );
      const refusedCounted = new Map<string, number>();
      new Counter({
        name: 'ain_consensus_messages_refused_total',
        help: "Peers' consensus messages the gossip validator refused, by topic kind (proposals, votes, evidence), verdict (reject: provably invalid; ignore: stale or not judged yet) and cause (schema, chain, past_height, future_height, signer, signature, resent).",
        labelNames: ['kind', 'validation', 'cause'],
        registers: [registry],
        collect() {
          for (const [key, value] of Object.entries(figures().refusedMessages)) {
            const [kind, validation, cause] = key.split(' ') as [string, string, string];
            this.inc({ kind, validation, cause }, value - (refusedCounted.get(key) ?? 0));
            refusedCounted.set(key, value);
          }
        },
      });
      commits$.subscribe(({ certificate }) => {
        decided.inc();
        if (certificate.round > 0) lateRounds.inc(certificate.round);
        signers.set(certificate.votes.length);
      });
    },
    onStreamEncoded(event, bytes) {
      streamEncoded.inc({ event });
      streamEncodedBytes.inc(bytes);
    },
    streams: {
      onConnections: (open) => streamConnections.set(open),
      onSlowConsumer: () => slowConsumers.inc(),
      onSent: (bytes) => streamSentBytes.inc(bytes),
    },
    onBlock(view) {
      blocks.inc();
      height.set(view.header.height);
      finalized.set(view.finalized.height);
      const counts = new Map<string, number>();
      for (const tx of view.txs) counts.set(tx.outcome.code, (counts.get(tx.outcome.code) ?? 0) + 1);
      for (const [code, n] of counts) outcomes.inc({ code }, n);
    },
    onSubmitted(accepted, refusedCodes) {
      if (accepted > 0) txsIn.inc(accepted);
      for (const code of refusedCodes) refused.inc({ code });
    },
    timed(log) {
      const timedLog = Object.create(log) as EventLog;
      timedLog.append = async (batch) => {
        const end = appendSeconds.startTimer();
        try {
          return await log.append(batch);
        } finally {
          end();
        }
      };
      return timedLog;
    },
  };
}
