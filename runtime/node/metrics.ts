import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventLog } from '../../log/index.ts';
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
}

export function createNodeMetrics(): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ain_process_' });
  const txsIn = new Counter({ name: 'ain_txs_in_total', help: 'Txs accepted into the log through the API.', registers: [registry] });
  const refused = new Counter({ name: 'ain_txs_refused_total', help: 'Txs refused at the boundary, by code.', labelNames: ['code'], registers: [registry] });
  const blocks = new Counter({ name: 'ain_blocks_total', help: 'Blocks cut and applied.', registers: [registry] });
  const height = new Gauge({ name: 'ain_block_height', help: 'Height of the latest applied block.', registers: [registry] });
  const finalized = new Gauge({ name: 'ain_finalized_height', help: 'Height of the latest final block.', registers: [registry] });
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
  return {
    registry,
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
