import type { Logger } from 'pino';
import { z } from 'zod';
import { parseOrThrow, safeParse } from '../../schemas/index.ts';
import { defaultLimits, peerJson, protocolOf, type Transport } from '../net/index.ts';
import { matchesRef } from './compactBlocks.ts';

/** Refs one `records` request may name: 64 hex digits and a comma and quotes each, under a request's 64 KiB. */
export const refsPerRequest = 900;
/** How long a node waits for one peer's answer before asking the next. */
const answerTimeoutMs = 1_000;
/** How long one fetch may take in all, peers and requests together: a proposal's records are wanted within its round. */
export const fetchBudgetMs = 2_000;
/** An answer stops adding records past this many bytes (nulls after it): well inside a response's limit. */
const answerBytesMax = defaultLimits.maxResponseBytes / 2;

const RecordsRequest = z.strictObject({
  refs: z
    .array(z.string().regex(/^[0-9a-f]{64}$/))
    .min(1)
    .max(refsPerRequest),
});
const RecordsAnswer = z.strictObject({ records: z.array(z.string().nullable()).max(refsPerRequest) });

const encoder = new TextEncoder();

export interface RecordsExchange {
  /**
   * The records these refs name, asked of `first` (the peer that sent the proposal) and then each
   * other connected peer until every ref is found, no peer is left, `fetchBudgetMs` has passed or
   * `signal` aborts: a record counts only if it hashes to its ref. What it did not get is missing
   * from the map.
   */
  fetch(refs: readonly string[], first?: string, signal?: AbortSignal): Promise<Map<string, string>>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The `records` request/response of a chain's shard, the other half of compact proposals
 * (compactBlocks.ts): a validator answers with the records it holds by ref (`textOf`: its mempool,
 * then its recent filled blocks), null for the others; a validator whose mempool lacks some of a
 * proposal's txs (their gossip still on its way, or lost) asks its peers for them.
 */
export function createRecordsExchange({
  logger,
  chain,
  shard,
  transport,
  textOf,
}: {
  readonly logger: Logger;
  readonly chain: string;
  readonly shard: string;
  readonly transport: Transport;
  readonly textOf: (ref: string) => string | undefined;
}): RecordsExchange {
  const protocol = protocolOf(chain, shard, 'records');

  async function answer(bytes: Uint8Array): Promise<Uint8Array> {
    const { refs } = parseOrThrow(RecordsRequest, peerJson(bytes, 'records request'), 'records request');
    let size = 16;
    const records = refs.map((ref) => {
      const text = size > answerBytesMax ? undefined : textOf(ref);
      if (text === undefined) return null;
      size += Buffer.byteLength(text) + 8;
      return text;
    });
    return encoder.encode(JSON.stringify({ records }));
  }

  async function askOne(peer: string, want: readonly string[], got: Map<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const bytes = await transport.request(peer, protocol, encoder.encode(JSON.stringify({ refs: want })), {
      timeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });
    const parsed = safeParse(RecordsAnswer, peerJson(bytes, 'records answer'));
    if (!parsed.success || parsed.data.records.length !== want.length) throw new Error('its answer is not one record or null per ref asked');
    parsed.data.records.forEach((text, i) => {
      if (text !== null && matchesRef(text, want[i]!)) got.set(want[i]!, text);
    });
  }

  return {
    async fetch(refs, first, signal) {
      const got = new Map<string, string>();
      const deadline = Date.now() + fetchBudgetMs;
      const left = () => deadline - Date.now();
      const peers = [...new Set([...(first === undefined ? [] : [first]), ...transport.peers()])];
      for (const peer of peers) {
        const wanted = [...new Set(refs.filter((ref) => !got.has(ref)))];
        if (wanted.length === 0 || left() <= 0 || signal?.aborted === true) break;
        try {
          for (let i = 0; i < wanted.length && left() > 0; i += refsPerRequest) {
            await askOne(peer, wanted.slice(i, i + refsPerRequest), got, Math.min(answerTimeoutMs, left()), signal);
          }
        } catch (error) {
          logger.debug({ peer, reason: (error as Error).message }, 'a records request failed; asking the next peer');
        }
      }
      return got;
    },
    start: () => transport.handle(protocol, (bytes) => answer(bytes)),
    stop: () => transport.unhandle(protocol).catch(() => undefined),
  };
}
