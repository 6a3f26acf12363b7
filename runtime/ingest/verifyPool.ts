import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import {
  checkedRecordOf,
  checkRecords,
  recordCheckOf,
  type CheckedRecord,
  type CheckTxOptions,
  type LogRecord,
  type RecordCheck,
  type RecordScope,
} from '../../log/index.ts';
import { AinError, type Refusal } from '../../schemas/index.ts';
import type { CheckRecordsTask } from './checkRecordsChunk.ts';
import { verifyChunk, type CheckedChunk, type TxSender, type VerifyChunkTask } from './verifyChunk.ts';

/** What one tx came to: its hash and log record, or its refusal. */
export type CheckedTx = { readonly hash: string; readonly record: Uint8Array; readonly isCut: boolean; readonly sender?: TxSender } | Refusal;

export interface VerifyPoolOptions extends CheckTxOptions {
  /** Worker threads; 0 or absent means one per core; `none`: none, the checks run on this thread (see `createInlinePool`). */
  readonly threads?: number | 'none';
  /** Chunks waiting for a thread (with `threads: 'none'`, calls in hand) before new work is refused with OVERLOADED. */
  readonly maxQueuedChunks?: number;
}

export interface VerifyPool {
  /** Checks txs, given as JSON texts, on every core; results come back in input order. */
  verify(texts: readonly string[]): Promise<CheckedTx[]>;
  /** Checks records read back from a log (events' checkRecords) on every core; in input order. */
  checkRecords(records: readonly LogRecord[], scope: RecordScope): Promise<CheckedRecord[]>;
  /** Worker threads checking; 0 when the checks run on the caller's thread. */
  readonly threads: number;
  close(): Promise<void>;
}

// Below this a chunk costs more in messaging than it wins in balance across the threads.
const chunkTxsMin = 16;
/** Txs (or records) an inline pool checks in one turn of the event loop: ~5 ms of signatures. */
const inlineChunkTxs = 128;

/**
 * Worker threads run TypeScript too: give them tsx when this process was not started with it
 * (none when this module runs compiled, from `npm run build`'s dist/).
 * Only module-loading flags pass on; V8 and process flags (heap sizes, --trace-gc, --cpu-prof)
 * are the process's, and a worker refuses most of them.
 */
const loaderFlag = /^--(import|require|loader|experimental-loader|conditions)$/;

/**
 * piscina's worker loads the task file with require() first, import() if that throws. Our file is
 * an ES module: on Node 20.19+ that require() loads it (require(esm)), through a path that killed
 * a node's worker now and then (`FATAL ERROR: v8::Module::IsGraphAsync … must be used on an
 * instantiated module`, in ModuleWrap::InstantiateSync). With require(esm) off in the workers,
 * the require() throws ERR_REQUIRE_ESM and piscina imports the file, as on older Nodes.
 */
export const noRequireEsm = '--no-experimental-require-module';

export function workerExecArgv(): string[] {
  // A flag as `--import=x`, or `--import x` (the value is the next argument).
  const loading = process.execArgv.filter((a, i, all) => loaderFlag.test(a.split('=')[0]!) || loaderFlag.test(all[i - 1] ?? ''));
  const hasTsx = loading.some((a) => a.includes('tsx'));
  const withTsx = hasTsx || import.meta.url.endsWith('.js') ? loading : [...loading, `--import=${import.meta.resolve('tsx')}`];
  return [...withTsx, noRequireEsm];
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
  if (options.threads === 'none') return createInlinePool(options);
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
        if ((cause as Error).message?.includes('queue is full')) throw overloaded(cause);
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

const overloaded = (cause?: unknown) =>
  new AinError('OVERLOADED', 'The node is checking as many txs as it can; retry in a moment.', cause === undefined ? {} : { cause });

/**
 * The pool's checks on this thread, with the same code and answers as its threads: one chunk of
 * `inlineChunkTxs` per turn of the event loop, in the order asked, so the node's network, timers
 * and requests go on between them. A `verify` while `maxQueuedChunks` calls (default 64) are in
 * hand is refused with OVERLOADED, as a call to the pool's full queue is; `checkRecords` (the
 * node's own log read back) is never refused. For a node whose cores other nodes share: a thread
 * would only take turns on the same cores, after a copy of every batch each way.
 */
function createInlinePool(options: VerifyPoolOptions): VerifyPool {
  const maxCalls = options.maxQueuedChunks ?? 64;
  const taskOptions: CheckTxOptions = { chain: options.chain, shard: options.shard, maxTxBytes: options.maxTxBytes };
  let calls = 0;
  let closed = false;
  let tail: Promise<unknown> = Promise.resolve();
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** `count` items in chunks, each checked by `check` in a turn of its own after those asked before. */
  const inTurns = async <T>(count: number, check: (from: number, to: number) => T[]): Promise<T[]> => {
    if (closed) throw new Error('The verify pool is closed.');
    calls++;
    try {
      const parts: Promise<T[]>[] = [];
      for (let from = 0; from < count; from += inlineChunkTxs) {
        const part = tail.then(nextTurn).then(() => check(from, Math.min(count, from + inlineChunkTxs)));
        tail = part.catch(() => undefined);
        parts.push(part);
      }
      return (await Promise.all(parts)).flat();
    } finally {
      calls--;
    }
  };
  return {
    threads: 0,
    async verify(texts) {
      if (calls >= maxCalls) throw overloaded();
      return inTurns(texts.length, (from, to) => {
        const checked: CheckedTx[] = [];
        unpack(verifyChunk({ texts: texts.slice(from, to), options: taskOptions }), checked);
        return checked;
      });
    },
    async checkRecords(records, { chain, shard }) {
      // What checkRecordsChunk does on a thread, without packing the records into one buffer to cross to it.
      const checks = await inTurns(records.length, (from, to) => checkRecords(records.slice(from, to), { chain, shard }).map(recordCheckOf));
      return records.map(({ offset, value }, i) => checkedRecordOf(offset, value, checks[i]!));
    },
    async close() {
      closed = true;
      await tail;
    },
  };
}
