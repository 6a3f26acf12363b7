import { sha256Hex } from '../../log/index.ts';
import type { ProposalBlock, ProposedBlock } from '../../schemas/index.ts';

/**
 * Compact proposals. A proposal names each mempool tx of its block by the SHA-256 (hex) of its
 * record (a "ref") instead of carrying its text: the validators hold those txs already (tx
 * gossip brought them, checked), so a block of 2,000 txs travels as ~130 KiB instead of a
 * megabyte, and its signature is checked over that. The proposer's own records (its commit,
 * evidence and cut) travel whole. A validator fills the refs from its mempool, asks peers for
 * what it lacks (`records` requests), and judges and appends the filled block, whose records
 * are byte for byte the proposer's: a ref pins every byte of its record, signature included.
 */

const refPattern = /^[0-9a-f]{64}$/;

/** Whether a compact block's record is a ref (a record's text is JSON, never 64 hex digits). */
export const isRecordRef = (text: string): boolean => text.length === 64 && refPattern.test(text);

/** The records of a block as a proposal carries it, if they are a list of texts and refs; else undefined (the check refuses it). */
function recordsOf(block: ProposalBlock): readonly string[] | undefined {
  const records = (block as Partial<ProposedBlock>).records;
  return Array.isArray(records) && records.every((r) => typeof r === 'string') ? records : undefined;
}

/** The block with each record `refOf` names replaced by its ref (the mempool's txs); the others stay whole. */
export function compactBlock(block: ProposedBlock, refOf: (text: string) => string | undefined): ProposedBlock {
  return { ...block, records: block.records.map((text) => refOf(text) ?? text) };
}

/**
 * A compact block's records filled in by `lookup` (a ref → its record's text, or undefined):
 * `{ block }` when every ref was found, else `{ missing }`, the refs it lacks. A block whose
 * records are not a list of texts comes back as it is, for the check to refuse.
 */
export function fillBlock(
  block: ProposalBlock,
  lookup: (ref: string) => string | undefined,
): { readonly block: ProposalBlock; readonly missing?: undefined } | { readonly block?: undefined; readonly missing: readonly string[] } {
  const records = recordsOf(block);
  if (records === undefined || !records.some(isRecordRef)) return { block };
  const missing = new Set<string>();
  const filled = records.map((text) => {
    if (!isRecordRef(text)) return text;
    const found = lookup(text);
    if (found === undefined) missing.add(text);
    return found ?? text;
  });
  return missing.size > 0 ? { missing: [...missing] } : { block: { ...block, records: filled } };
}

/** A record whose bytes and tx hash a node has at hand (a mempool's tx, checked when it came in). */
export interface KnownRecord {
  readonly hash: string;
  readonly record: Uint8Array;
  /** The SHA-256 (hex) of `record`, when the holder kept it (a mempool does). */
  readonly ref?: string;
}

/**
 * The records of recent compact blocks, filled (the blocks this node proposed or judged valid), by
 * block hash and by ref: what a commit appends, and what this node answers a peer's `records`
 * request with once its mempool has let the txs go. Bounded; the oldest block goes first.
 */
export class FilledBlocks {
  readonly #blocks = new Map<
    string,
    {
      readonly compact: readonly string[];
      readonly full: readonly string[];
      readonly refs: readonly string[];
      readonly held?: ReadonlyMap<string, KnownRecord>;
    }
  >();
  /** Each ref's text, and how many kept blocks carry it (blocks of one height in several rounds share most). */
  readonly #byRef = new Map<string, { readonly text: string; count: number }>();
  constructor(readonly maxBlocks = 16) {}

  /**
   * Keeps `full`, the filled records of `compact` (its hash and records as the proposal carries
   * them), and `held`, those of them whose record bytes and tx hash this node has (its mempool's),
   * by text; the newest of one hash wins.
   */
  add(compact: ProposalBlock, full: readonly string[], held?: ReadonlyMap<string, KnownRecord>): void {
    const records = recordsOf(compact);
    if (records === undefined || records.length !== full.length) return;
    if (this.#blocks.has(compact.hash)) this.#forget(compact.hash);
    // A ref is the record filled in for it; any other record is there as it is.
    const refs: string[] = [];
    records.forEach((text, i) => {
      if (text === full[i]) return;
      refs.push(text);
      const entry = this.#byRef.get(text);
      if (entry === undefined) this.#byRef.set(text, { text: full[i]!, count: 1 });
      else entry.count += 1;
    });
    this.#blocks.set(compact.hash, held === undefined ? { compact: records, full, refs } : { compact: records, full, refs, held });
    while (this.#blocks.size > this.maxBlocks) this.#forget(this.#blocks.keys().next().value!);
  }

  /** The filled records of this compact block (the same hash and the same records), if kept. */
  fullOf(compact: ProposalBlock): readonly string[] | undefined {
    const kept = this.#blocks.get(compact.hash);
    const records = recordsOf(compact);
    if (kept === undefined || records === undefined || records.length !== kept.compact.length) return undefined;
    return records.every((text, i) => text === kept.compact[i]) ? kept.full : undefined;
  }

  /** The records of a kept block (its hash) whose bytes and tx hash `add` was given, by text. */
  heldOf(hash: string): ReadonlyMap<string, KnownRecord> | undefined {
    return this.#blocks.get(hash)?.held;
  }

  /** The text of the record with this ref, from a kept block. */
  textOf(ref: string): string | undefined {
    return this.#byRef.get(ref)?.text;
  }

  #forget(hash: string): void {
    const kept = this.#blocks.get(hash)!;
    this.#blocks.delete(hash);
    for (const ref of kept.refs) {
      const entry = this.#byRef.get(ref);
      if (entry !== undefined && --entry.count === 0) this.#byRef.delete(ref);
    }
  }
}

/** A lone surrogate (`\p{Cs}` outside a pair): UTF-8 has no bytes for it, so encoding writes U+FFFD in its place. */
const loneSurrogate = /\p{Cs}/u;

/**
 * Whether `text` is the record `ref` names. A text with a lone surrogate is not: it would encode
 * to the bytes of another text (with U+FFFD), hash to that one's ref and fail the check after.
 */
export const matchesRef = (text: string, ref: string): boolean => !loneSurrogate.test(text) && sha256Hex(text) === ref;
