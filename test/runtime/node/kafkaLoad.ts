// A client load on a Kafka node for fault tests: it remembers every acknowledgement (hash and
// offset) so a test can check each against what the topic holds.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeTxRecord, generateKeyPair, openKafkaLog, signTx, type KeyPair } from '../../../log/index.ts';
import { kafkaTopicOf, type Tx } from '../../../schemas/index.ts';
import type { NodeProcess } from './nodeProcess.ts';

const bin = join(process.cwd(), 'bin', 'ain.js');

export interface Ack {
  readonly hash: string;
  readonly offset: number;
  readonly tx: Tx;
}

/**
 * Batches of `batchTxs` txs, each batch from a client of its own (its nonces rise in log order
 * whatever order batches land in), each tx setting `/apps/load/k/<i>` and counting itself.
 */
export function createLoad(chain: string, batchTxs = 20) {
  const acks: Ack[] = [];
  const refusals = new Map<string, number>();
  let next = 0;
  const clients: KeyPair[] = [];
  const batchOf = (batch: number): Tx[] => {
    const key = (clients[batch] ??= generateKeyPair());
    return Array.from({ length: batchTxs }, (_, j) => {
      const i = batch * batchTxs + j;
      return signTx({
        key,
        op: {
          type: 'set',
          ops: [
            { type: 'set_value', path: `/apps/load/k/${i}`, value: i },
            { type: 'inc_value', path: '/apps/load/count', value: 1 },
          ],
        },
        nonce: j + 1,
        time: i,
        chain,
      });
    });
  };
  return {
    acks,
    refusals,
    /** Submits the next batch once; records what was acknowledged. Resolves with the HTTP status (0: no answer). */
    async submit(node: NodeProcess): Promise<number> {
      const txs = batchOf(next++);
      const reply = await node.post('/v1/txs', txs).catch(() => ({ status: 0, body: {} as Record<string, any> }));
      if (reply.status === 202) {
        for (const [index, result] of (reply.body.results as { hash?: string; offset?: number; code?: string }[]).entries()) {
          if (result.offset !== undefined) acks.push({ hash: result.hash!, offset: result.offset, tx: txs[index]! });
          else refusals.set(result.code!, (refusals.get(result.code!) ?? 0) + 1);
        }
      } else {
        const code = String(reply.body.code ?? reply.status);
        refusals.set(code, (refusals.get(code) ?? 0) + 1);
      }
      return reply.status;
    },
  };
}

/** Every record of the chain's topic (of genesis hash `genesis`): offset → tx hash (a record that is no tx maps to its raw hash). */
export async function readTopic(brokers: string[], chain: string, genesis: string): Promise<Map<number, string>> {
  const log = await openKafkaLog({ brokers, topic: kafkaTopicOf(chain, '/', genesis), createTopic: false, clientId: 'ain-test-reader' });
  try {
    const byOffset = new Map<number, string>();
    const last = log.lastOffset();
    for (let from = 0; from <= last;) {
      const records = await log.read(from, { maxRecords: 10_000 });
      if (records.length === 0) break;
      for (const { offset, value } of records) byOffset.set(offset, decodeTxRecord(offset, value).hash);
      from = records[records.length - 1]!.offset + 1;
    }
    return byOffset;
  } finally {
    await log.close();
  }
}

/** Acknowledgements whose offset does not hold their tx. */
export function wrongAcks(acks: readonly Ack[], topic: Map<number, string>): Ack[] {
  return acks.filter(({ hash, offset }) => topic.get(offset) !== hash);
}

/** `ain audit --kafka` of a node's data dir: its JSON report. */
export async function auditTopic(brokers: string[], dataDir: string): Promise<{ ok: boolean; mismatches: unknown[]; blocks: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'audit', '--kafka', brokers.join(','), '--data', dataDir, '--json', '--threads', '1'], {
    timeout: Number(process.env.AIN_TEST_AUDIT_TIMEOUT_MS ?? 120_000),
    killSignal: 'SIGKILL',
  }).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout || JSON.stringify({ ok: false, mismatches: [String(error), error.stderr] }),
  }));
  return JSON.parse(stdout) as never;
}
