import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { checkProof, type StateProof } from './checkProof.ts';
import { canonicalText } from './hashText.ts';

export type { ProofEntry, ProofKind, ProofLevel, StateProof } from './checkProof.ts';

/** SHA-256 of UTF-8 text as lowercase hex, in plain JavaScript (@noble/hashes). */
export function browserHash(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * `verifyProof` for a browser or any runtime without node: the same check as the node path, with
 * @noble/hashes' SHA-256, importing nothing that needs node (test/projections/state checks the
 * import graph).
 * @example verifyProof(header.stateRoot, '/apps/chat/name', 'ann', proof) // true
 */
export function verifyProof(root: string, path: string, value: unknown, proof: StateProof): boolean {
  return checkProof(root, path, value, proof, browserHash);
}

/** A header of a shard's block as its chain hashes it (the fields `verifyShardProof` reads). */
export interface ShardProofHeader {
  readonly chain: string;
  readonly shard: string;
  readonly height: number;
  readonly prevHash: string;
  readonly txRoot: string;
  readonly recordsRoot: string;
  readonly time: number;
  readonly proposer: string;
  readonly lastRoot: string;
}

/** A `GET /v1/proof/<path>?shard=` answer: a shard's value, chained to its parent (the fields read here). */
export interface ShardProofAnswer {
  readonly path: string;
  readonly value: unknown;
  readonly proof: StateProof;
  readonly height: number;
  readonly header: { readonly shard: string };
  readonly parent?: {
    readonly genesis: string;
    readonly next: ShardProofHeader;
    readonly record: {
      readonly path: string;
      readonly value: unknown;
      readonly proof: StateProof;
      readonly height: number;
      readonly hash: string;
      readonly header: { readonly stateRoot: string };
    };
  };
}

export type ShardProofVerdict =
  | { readonly ok: true; readonly parentHeight: number; readonly parentHash: string; readonly parentStateRoot: string }
  | { readonly ok: false; readonly why: string };

/**
 * Checks a shard's value through its parent, trusting only the parent header the answer names
 * (the caller compares `parentHash`, or `parentStateRoot`, with a final header it trusts): the
 * parent's record of child block `height + 1` is in the parent's state; that record's proposal
 * hash is the hash of the child header `next`, which names the shard and whose `lastRoot` is the
 * child's state root after block `height`; the value's proof checks against that root. Two Merkle
 * proofs and one header hash, as the child's validators precommitted it.
 * `asked`: the shard asked about (default: the one the answer names, for a caller that asked a
 * node of its own shard and trusts it to say which).
 * @example verifyShardProof(answer, '/apps/x').ok && answer.parent.record.hash === trustedParentHash
 */
export function verifyShardProof(answer: ShardProofAnswer, asked: string = answer.header.shard): ShardProofVerdict {
  const no = (why: string): ShardProofVerdict => ({ ok: false, why });
  const { parent } = answer;
  if (parent === undefined) return no('the answer carries no chain to a parent (ask with ?shard=)');
  // The shard asked about: another shard's blocks, recorded on the same parent, would prove its own tree.
  if (answer.header.shard !== asked) return no(`the answer is a block of shard ${answer.header.shard}, not of ${asked}`);
  const { next, record, genesis } = parent;
  const height = answer.height + 1;
  if (record.path !== `/consensus/shards/${genesis}/${height}`) return no(`the parent's record is at ${record.path}, not the shard's block ${height}`);
  if (!verifyProof(record.header.stateRoot, record.path, record.value, record.proof)) return no("the parent's record does not check against the parent header");
  const recorded = record.value as { proposal?: unknown } | null;
  if (recorded === null || typeof recorded !== 'object') return no(`the parent holds no record of the shard's block ${height}`);
  if (next.height !== height || next.shard !== answer.header.shard) return no(`the next header is not block ${height} of shard ${answer.header.shard}`);
  const { chain, shard, prevHash, txRoot, recordsRoot, time, proposer, lastRoot } = next;
  // The proposal hash as log's `proposalHashOf` makes it (actors' `proposalHashOfShardHeader`),
  // with this module's browser-safe SHA-256.
  const proposal = browserHash(canonicalText({ chain, shard, height, prevHash, txRoot, recordsRoot, time, proposer, lastRoot }));
  if (recorded.proposal !== proposal) return no(`the parent recorded another proposal for the shard's block ${height}`);
  if (!verifyProof(lastRoot, answer.path, answer.value, answer.proof))
    return no(`the value does not check against the shard's state root after block ${answer.height}`);
  return { ok: true, parentHeight: record.height, parentHash: record.hash, parentStateRoot: record.header.stateRoot };
}
