import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { checkedRecordOf, type CheckedRecord, type CheckTxOptions, type LogRecord, type RecordCheck, type RecordScope } from '../../log/index.ts';
import { AinError, type Refusal } from '../../schemas/index.ts';
import type { CheckRecordsTask } from './checkRecordsChunk.ts';
import type { CheckedChunk, TxSender, VerifyChunkTask } from './verifyChunk.ts';

/** What one tx came to: its hash and log record, or its refusal. */
export type CheckedTx = { readonly hash: string; readonly record: Uint8Array; readonly isCut: boolean; readonly sender?: TxSender } | Refusal;

export interface VerifyPoolOptions extends CheckTxOptions {
  /** Worker threads; 0 or absent means one per core. */
  readonly threads?: number;
  /** Chunks waiting for a thread before new work is refused with OVERLOADED. */
  readonly maxQueuedChunks?: number;
}

export interface VerifyPool {
  /** Checks txs, given as JSON texts, on every core; results come back in input order. */
  verify(texts: readonly string[]): Promise<CheckedTx[]>;
  /** Checks records read back from a log (events' checkRecords) on every core; in input order. */
  checkRecords(records: readonly LogRecord[], scope: RecordScope): Promise<CheckedRecord[]>;
  readonly threads: number;
  close(): Promise<void>;
}

// Below this a chunk costs more in messaging than it wins in balance across the threads.
const chunkTxsMin = 16;

/**
 * Worker threads run TypeScript too: give them tsx when this process was not started with it
 * (none when this module runs compiled, from `npm run build`'s dist/).
 * Only module-loading flags pass on; V8 and process flags (heap sizes, --trace-gc, --cpu-prof)
 * are the process's, and a worker refuses most of them.
 */
const loaderFlag = /^--(import|require|loader|experimental-loader|conditions)$/;

function workerExecArgv(): string[] {
  // A flag as `--import=x`, or `--import x` (the value is the next argument).
  const loading = process.execArgv.filter((a, i, all) => loaderFlag.test(a.split('=')[0]!) || loaderFlag.test(all[i - 1] ?? ''));
  const hasTsx = loading.some((a) => a.includes('tsx'));
  return hasTsx || import.meta.url.endsWith('.js') ? loading : [...loading, `--import=${import.meta.resolve('tsx')}`];
}

function unpack(chunk: CheckedChunk, into: CheckedTx[]): void {
  let at = 0;
  let next = 0;
  const cuts = new Set(chunk.cuts);
  for (const [index, outcome] of chunk.outcomes.entries()) {
    if (typeof outcome !== 'string') {
      into.push(outcome);
      continue;
    }
    const sender = chunk.senders[next];
    const size = chunk.recordBytes[next++]!;
    into.push({ hash: outcome, record: chunk.records.subarray(at, at + size), isCut: cuts.has(index), sender });
    at += size;
  }
}

/**
 * A pool of worker threads that run events' checks (signatures included) on every core.
 * @example const pool = createVerifyPool({ chain: 'ain-local' }); await pool.verify(txs)
 */
export function createVerifyPool(options: VerifyPoolOptions = {}): VerifyPool {
  const threads = options.threads && options.threads > 0 ? options.threads : availableParallelism();
  const piscina = new Piscina<VerifyChunkTask | CheckRecordsTask, CheckedChunk | RecordCheck[]>({
    // The same folder's worker file: .ts from the sources, .js from `npm run build`'s dist/.
    filename: new URL(`./verifyChunk${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    maxQueue: options.maxQueuedChunks ?? threads * 64,
    execArgv: workerExecArgv(),
  });
  const taskOptions: CheckTxOptions = { chain: options.chain, shard: options.shard, maxTxBytes: options.maxTxBytes };
  return {
    threads,
    async verify(texts) {
      if (texts.length === 0) return [];
      const size = Math.max(chunkTxsMin, Math.ceil(texts.length / threads));
      const chunks: Promise<CheckedChunk>[] = [];
      for (let i = 0; i < texts.length; i += size) {
        chunks.push(piscina.run({ texts: i === 0 && size >= texts.length ? texts : texts.slice(i, i + size), options: taskOptions }) as Promise<CheckedChunk>);
      }
      let done: CheckedChunk[];
      try {
        done = await Promise.all(chunks);
      } catch (cause) {
        if ((cause as Error).message?.includes('queue is full')) {
          throw new AinError('OVERLOADED', 'The node is checking as many txs as it can; retry in a moment.', { cause });
        }
        throw cause;
      }
      const results: CheckedTx[] = [];
      for (const chunk of done) unpack(chunk, results);
      return results;
    },
    async checkRecords(records, { chain, shard }) {
      if (records.length === 0) return [];
      const size = Math.max(chunkTxsMin, Math.ceil(records.length / threads));
      const chunks: Promise<RecordCheck[]>[] = [];
      for (let i = 0; i < records.length; i += size) {
        const part = records.slice(i, i + size);
        const task: CheckRecordsTask = {
          bytes: Buffer.concat(part.map((r) => r.value)),
          sizes: part.map((r) => r.value.byteLength),
          offsets: part.map((r) => r.offset),
          chain,
          shard,
        };
        chunks.push(piscina.run(task, { name: 'checkRecordsChunk' }) as Promise<RecordCheck[]>);
      }
      const checks = (await Promise.all(chunks)).flat();
      return records.map(({ offset, value }, i) => checkedRecordOf(offset, value, checks[i]!));
    },
    async close() {
      await piscina.destroy();
    },
  };
}
