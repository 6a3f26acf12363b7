import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openFileLog, type FileLog, type LogRecord } from '../../log/index.ts';
import type { FsyncPolicy } from '../../schemas/index.ts';

const generationName = /^\d{12}$/;
const nameOf = (generation: number) => String(generation).padStart(12, '0');
const replayBatchRecords = 4096;
const copyBatchRecords = 4096;

export interface JournalOptions {
  /** Holds one file log per generation, `<dir>/<generation>/`. */
  readonly dir: string;
  readonly fsync?: FsyncPolicy;
  readonly maxRecordBytes?: number;
}

/**
 * The mempool's write-ahead journal: every tx it acknowledges is appended (durably) here before
 * the ingest answers. It is a file log per generation: when the current one has grown, the txs
 * still waiting are copied into a new generation and the old one is deleted, so the journal holds
 * at most what was appended since the last rotation plus one copy of the pending set. A crash
 * mid-rotation leaves both generations on disk, and the next open replays both.
 */
export class Journal {
  #current: { generation: number; log: FileLog; appendedBytes: number };

  private constructor(
    private readonly options: JournalOptions,
    current: { generation: number; log: FileLog; appendedBytes: number },
  ) {
    this.#current = current;
  }

  /**
   * Opens every generation in `dir`, passes each record to `replay` (oldest generation first, in
   * log order), and keeps the newest open for appends.
   * @example const journal = await Journal.open({ dir }, (record) => pending.add(...))
   */
  static async open(options: JournalOptions, replay: (record: LogRecord) => void): Promise<{ journal: Journal; generations: number }> {
    await mkdir(options.dir, { recursive: true });
    const names = (await readdir(options.dir)).filter((name) => generationName.test(name)).sort();
    const generations = names.map(Number);
    if (generations.length === 0) generations.push(1);
    let newest: { generation: number; log: FileLog; appendedBytes: number } | undefined;
    for (const [i, generation] of generations.entries()) {
      const log = await Journal.#openLog(options, generation);
      let appendedBytes = 0;
      try {
        for (let from = 0; from <= log.lastOffset();) {
          const records = await log.read(from, { maxRecords: replayBatchRecords });
          for (const record of records) {
            appendedBytes += record.value.byteLength;
            replay(record);
          }
          from += records.length;
        }
      } catch (error) {
        await log.close().catch(() => undefined);
        throw error;
      }
      if (i < generations.length - 1) await log.close();
      else newest = { generation, log, appendedBytes };
    }
    return { journal: new Journal(options, newest!), generations: generations.length };
  }

  static #openLog(options: JournalOptions, generation: number): Promise<FileLog> {
    return openFileLog({ dir: join(options.dir, nameOf(generation)), fsync: options.fsync, maxRecordBytes: options.maxRecordBytes });
  }

  /** Bytes appended to the current generation (replayed ones included). */
  get appendedBytes(): number {
    return this.#current.appendedBytes;
  }

  get generation(): number {
    return this.#current.generation;
  }

  /** Appends to the current generation (the one current when called); resolves with the offsets, once durable. */
  async append(batch: readonly Uint8Array[]): Promise<number[]> {
    const current = this.#current;
    const offsets = await current.log.append(batch);
    for (const record of batch) current.appendedBytes += record.byteLength;
    return offsets;
  }

  /**
   * Starts a new generation (appends from now on go there), copies into it the records
   * `survivors()` resolves with (it should wait for the appends still in flight on the old one),
   * then closes the old generation and deletes every older one.
   */
  async rotate(survivors: () => Promise<readonly Uint8Array[]>): Promise<void> {
    const old = this.#current;
    const generation = old.generation + 1;
    const log = await Journal.#openLog(this.options, generation);
    this.#current = { generation, log, appendedBytes: 0 };
    const copies = await survivors();
    for (let at = 0; at < copies.length; at += copyBatchRecords) await this.append(copies.slice(at, at + copyBatchRecords));
    await old.log.close();
    // Only once the copies are durable may the old generations go.
    for (const name of await readdir(this.options.dir)) {
      if (generationName.test(name) && Number(name) < generation) await rm(join(this.options.dir, name), { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    await this.#current.log.close();
  }
}
