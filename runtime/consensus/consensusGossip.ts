import { createHash } from 'node:crypto';
import { z } from 'zod';
import { checkConsensusSignature } from '../../log/index.ts';
import { Evidence, Proposal, safeParse, Uint, Vote } from '../../schemas/index.ts';
import { peerJson, topicOf, type GossipKind, type Transport, type Validation } from '../net/index.ts';

/**
 * A consensus message as gossiped. `n` is the sender's count of what it sent: gossip drops bytes
 * it has seen (for minutes), so a message sent again to make up for a lost one must differ.
 */
const ProposalWire = z.strictObject({ n: Uint, proposal: Proposal });
const VoteWire = z.strictObject({ n: Uint, vote: Vote });
const EvidenceWire = z.strictObject({ n: Uint, evidence: Evidence });

export type ConsensusMessage = { readonly proposal: Proposal } | { readonly vote: Vote } | { readonly evidence: Evidence };

type ConsensusKind = Extract<GossipKind, 'proposals' | 'votes' | 'evidence'>;
const wires = { proposals: ProposalWire, votes: VoteWire, evidence: EvidenceWire } as const;

/** What the gossip checks need to know of the node's consensus now. */
export interface GossipView {
  readonly chain: string;
  readonly shard: string;
  /** The chain's genesis hash, which its votes and proposals sign (another incarnation of a shard path has another). */
  readonly genesis: string;
  /** The height consensus is at; the ledger's next while consensus lags the ledger (judgedAt in validatorSets.ts). */
  height(): number;
  /** Whether `address` is a validator of the set of `height()`. */
  isValidator(address: string): boolean;
  /**
   * Whether `address` was a validator of the set that voted on `height` (at most the current
   * one), or undefined when this node no longer keeps that set: what evidence is judged by.
   */
  wasValidatorAt(address: string, height: number): boolean | undefined;
  /**
   * What a proposal's block must be on this chain, beyond an object with a `hash`: a node's is a
   * `ProposedBlock` (header and records, nothing else), so a block of anything else is refused
   * before its signature is checked over it (which means serializing all of it). Default: any
   * object with a hash (the consensus simulations' blocks).
   */
  readonly proposalBlock?: z.ZodType;
}

/** `{"n":`, how every message `publish` sends starts. */
const prefix: readonly number[] = [...Buffer.from('{"n":')];

/**
 * Messages whose signatures this node already checked, by a hash of their bytes after `n`: a
 * message sent again differs only in `n`, and checking a proposal's signature means serializing
 * its whole block. Each with when a copy of it was last taken, so a copy that comes again within
 * `resentMinMs` is dropped before it is decoded (see judgeConsensusMessage). Bounded; the oldest
 * go first.
 */
export class CheckedMessages {
  readonly #takenAt = new Map<string, number>();
  constructor(
    readonly maxEntries = 4096,
    readonly now: () => number = Date.now,
  ) {}

  /**
   * The key of a message that starts as `publish` writes one, `{"n":` digits `,`: a hash of the
   * bytes after that comma, which hold all of the message but `n`, so two messages with one key
   * decode alike (a signature that held for one holds for the other). Undefined for any other
   * start (another field first, spaces, `n` elsewhere): such a message is checked each time, as
   * the bytes after its first comma need not be all of it but `n` — a peer could put a field of a
   * checked message first, then send it again with that field changed and the same key.
   */
  static keyOf(bytes: Uint8Array): string | undefined {
    let at = prefix.length;
    if (bytes.length <= at || prefix.some((byte, i) => bytes[i] !== byte)) return undefined;
    while (at < bytes.length && at <= prefix.length + 16 && bytes[at]! >= 0x30 && bytes[at]! <= 0x39) at++;
    if (at === prefix.length || bytes[at] !== 0x2c) return undefined;
    return createHash('sha256')
      .update(bytes.subarray(at + 1))
      .digest('base64');
  }

  /**
   * The key of a decoded message by its content: a hash of it as its schema parsed it, whose
   * objects have their schema's key order, so a copy in other bytes (fields in another order,
   * other spaces: no `keyOf`, or another one) has the same key. With no transform or default in
   * those schemas, one content key means one value, whose canonical bytes (what signatures sign)
   * are the same: a signature that held for one holds for the other.
   */
  static contentKeyOf(kind: string, parsed: unknown): string {
    return createHash('sha256').update(kind).update('\0').update(JSON.stringify(parsed)).digest('base64');
  }

  has(key: string): boolean {
    return this.#takenAt.has(key);
  }

  /** When a copy of the message of `key` was last taken; undefined when none was. */
  takenAt(key: string): number | undefined {
    return this.#takenAt.get(key);
  }

  /** A copy of the message of `key` (its signatures checked) is taken now. */
  add(key: string): void {
    this.#takenAt.delete(key);
    this.#takenAt.set(key, this.now());
    if (this.#takenAt.size > this.maxEntries) this.#takenAt.delete(this.#takenAt.keys().next().value!);
  }
}

/**
 * How soon after a copy of a consensus message was taken another copy of it (another `n`) is taken
 * again: sooner, it is ignored before it is decoded, and goes no further. A node sends what it
 * holds again once a second (the machine's gossip timeout); a peer that wraps a real 4 MiB
 * proposal in new `n`s as fast as it can would otherwise have every node decode each copy and
 * pass it on.
 */
export const resentMinMs = 500;

/** A message as its schema parsed it, and its content as the content key hashes it (the block as `proposalBlock` parsed it: its keys in order too). */
function decode(kind: ConsensusKind, bytes: Uint8Array, proposalBlock: z.ZodType | undefined): { message: ConsensusMessage; content: unknown } | null {
  let json: unknown;
  try {
    json = peerJson(bytes, `${kind} message`);
  } catch {
    return null;
  }
  const parsed = safeParse(wires[kind], json);
  if (!parsed.success) return null;
  const { n: _n, ...message } = parsed.data;
  if (!('proposal' in message) || proposalBlock === undefined) return { message: message as ConsensusMessage, content: message };
  const block = safeParse(proposalBlock, message.proposal.block);
  if (!block.success) return null;
  return { message: message as ConsensusMessage, content: { proposal: { ...message.proposal, block: block.data } } };
}

const heightOf = (m: ConsensusMessage) => ('proposal' in m ? m.proposal.height : 'vote' in m ? m.vote.height : m.evidence.a.height);
const chainOf = (m: ConsensusMessage) => ('proposal' in m ? m.proposal : 'vote' in m ? m.vote : m.evidence.a);
const signersOf = (m: ConsensusMessage) => ('proposal' in m ? [m.proposal.proposer] : 'vote' in m ? [m.vote.from] : [m.evidence.a.from, m.evidence.b.from]);
const signedOf = (m: ConsensusMessage) => ('proposal' in m ? [m.proposal] : 'vote' in m ? [m.vote] : [m.evidence.a, m.evidence.b]);

/**
 * The signers of evidence that were no validators of the set that voted on its height (not the
 * current set: a validator that left since, by unstaking or a rules change, answers for what it
 * signed before); undefined when this node no longer keeps that set.
 */
function evidenceStrangers(message: ConsensusMessage, height: number, view: GossipView): string[] | undefined {
  const strangers: string[] = [];
  // One validator signed both votes (the schema holds evidence to that): asked once.
  for (const signer of new Set(signersOf(message))) {
    const was = view.wasValidatorAt(signer, height);
    if (was === undefined) return undefined;
    if (!was) strangers.push(signer);
  }
  return strangers;
}

/**
 * Why a consensus message was refused, as a word for metrics: not of the schema, for another chain
 * or shard, for a past height, evidence of a future one, evidence of a height whose set this node
 * pruned, signed by no validator of the height judged, a signature that does not verify, or a
 * copy of one taken less than `resentMinMs` before.
 */
export type RefusalCause = 'schema' | 'chain' | 'past_height' | 'future_height' | 'expired' | 'signer' | 'signature' | 'resent';

/**
 * The gossip validator's verdict on a consensus message, cheap checks only: `reject` for what is
 * provably invalid (not JSON of its schema, another chain or shard, a bad signature, evidence
 * signed by no validator of its own height's set); `ignore` for a past height (nothing left to
 * decide there), evidence of a future one (no block acts on it yet) or of one whose set this node
 * pruned, a vote or proposal whose signer is outside this node's current set (a peer a height
 * behind may judge it by the set before), or a copy (another `n`) of a message taken less than `resentMinMs`
 * before (dropped before it is decoded); `keep` (delivered here, not passed on) for a proposal or
 * vote two or more heights ahead of this node's. Its block is judged by consensus later (the
 * `check` effect), not here.
 */
export function judgeConsensusMessage(
  kind: ConsensusKind,
  bytes: Uint8Array,
  view: GossipView,
  checked?: CheckedMessages,
): { validation: Validation; message?: ConsensusMessage; reason?: string; cause?: RefusalCause } {
  const key = checked === undefined ? undefined : CheckedMessages.keyOf(bytes);
  const takenAt = key === undefined ? undefined : checked!.takenAt(key);
  if (takenAt !== undefined && checked!.now() - takenAt < resentMinMs) {
    return { validation: 'ignore', cause: 'resent', reason: `a copy of a message taken ${checked!.now() - takenAt} ms before` };
  }
  const decoded = decode(kind, bytes, view.proposalBlock);
  if (decoded === null) return { validation: 'reject', cause: 'schema', reason: `not a message of ain's schema for the ${kind} topic` };
  const { message } = decoded;
  const { chain, shard } = chainOf(message);
  if (chain !== view.chain || shard !== view.shard) return { validation: 'reject', cause: 'chain', reason: `for chain ${chain} shard ${shard}` };
  const height = heightOf(message);
  const current = view.height();
  if (kind !== 'evidence' && height < current) return { validation: 'ignore', cause: 'past_height', reason: `for past height ${height}` };
  // No block acts on evidence of a height it has not reached (the pool does not hold it): not passed on.
  if (kind === 'evidence' && height > current) return { validation: 'ignore', cause: 'future_height', reason: `evidence of height ${height}, past this one` };
  const strangers = kind === 'evidence' ? evidenceStrangers(message, height, view) : signersOf(message).filter((a) => !view.isValidator(a));
  if (strangers === undefined)
    return { validation: 'ignore', cause: 'expired', reason: `evidence of height ${height}, whose validator set this node no longer keeps` };
  if (strangers.length > 0) {
    // Evidence is judged by its own height's set, the same on every node: a stranger's is provably
    // invalid. A vote or proposal is judged by this node's current set, which a peer a height
    // behind may not have yet (a validator that left at this height is still one there): not
    // passed on, but not counted against the peer that forwarded it (see RejectedGossip).
    return kind === 'evidence'
      ? { validation: 'reject', cause: 'signer', reason: `signed by ${strangers[0]}, no validator of height ${height}` }
      : height === current
        ? { validation: 'ignore', cause: 'signer', reason: `signed by ${strangers[0]}, no validator of height ${current}` }
        : { validation: 'ignore', cause: 'signer', reason: `signed by ${strangers[0]}, not a validator now; height ${height} may have another set` };
  }
  // The same content in other bytes (another order of fields, other spaces): a copy all the same.
  // Keyed by bytes alone, each re-encoding of a real vote cost every node a verify and went on.
  const contentKey = checked === undefined ? undefined : CheckedMessages.contentKeyOf(kind, decoded.content);
  const contentTakenAt = contentKey === undefined ? undefined : checked!.takenAt(contentKey);
  if (contentTakenAt !== undefined && checked!.now() - contentTakenAt < resentMinMs) {
    return { validation: 'ignore', cause: 'resent', reason: `a copy (in other bytes) of a message taken ${checked!.now() - contentTakenAt} ms before` };
  }
  if (takenAt === undefined && contentTakenAt === undefined && !signedOf(message).every((signed) => checkConsensusSignature(signed, view.genesis))) {
    return { validation: 'reject', cause: 'signature', reason: `a signature does not verify for this chain (genesis ${view.genesis.slice(0, 16)}…)` };
  }
  if (key !== undefined) checked!.add(key);
  if (contentKey !== undefined) checked!.add(contentKey);
  // Two or more heights ahead: this node is behind, and catch-up takes the hint; relaying it is
  // for the peers that are not (a validator's message for a height far ahead goes no further).
  if (height > current + 1) return { validation: 'keep', message };
  return { validation: 'accept', message };
}

export interface ConsensusGossip {
  /** Subscribes to the chain's proposals, votes and evidence; `deliver` gets each accepted message once. */
  subscribe(deliver: (message: ConsensusMessage, from: string) => void): void;
  publish(message: ConsensusMessage): Promise<void>;
  unsubscribe(): void;
}

/**
 * Consensus messages over a node's transport: one topic per kind, judged by
 * `judgeConsensusMessage` before gossipsub forwards them, each sent with a fresh `n`.
 * @example const gossip = createConsensusGossip(transport, view, log); gossip.subscribe(onMessage)
 */
export function createConsensusGossip(
  transport: Transport,
  view: GossipView,
  onRefused: (kind: ConsensusKind, from: string, reason: string, validation: Validation, cause: RefusalCause) => void,
  firstN: number,
  now: () => number = Date.now,
): ConsensusGossip {
  const kinds: readonly ConsensusKind[] = ['proposals', 'votes', 'evidence'];
  const topic = (kind: ConsensusKind) => topicOf(view.chain, view.shard, kind);
  let n = firstN;
  const encoder = new TextEncoder();
  return {
    subscribe(deliver) {
      const checked = new CheckedMessages(undefined, now);
      for (const kind of kinds) {
        const pending = new WeakMap<Uint8Array, ConsensusMessage>();
        transport.subscribe(topic(kind), {
          validate(bytes, from) {
            const { validation, message, reason, cause } = judgeConsensusMessage(kind, bytes, view, checked);
            if (message !== undefined) pending.set(bytes, message);
            else onRefused(kind, from, reason ?? 'refused', validation, cause ?? 'schema');
            return validation;
          },
          onMessage(bytes, from) {
            // Judged again (without the cache, whose copy `validate` just took) only if the transport handed other bytes.
            const message = pending.get(bytes) ?? judgeConsensusMessage(kind, bytes, view).message;
            if (message !== undefined) deliver(message, from);
          },
        });
      }
    },
    async publish(message) {
      const kind: ConsensusKind = 'proposal' in message ? 'proposals' : 'vote' in message ? 'votes' : 'evidence';
      const bytes = encoder.encode(JSON.stringify({ n: n++, ...message }));
      await transport.publish(topic(kind), bytes);
    },
    unsubscribe() {
      for (const kind of kinds) transport.unsubscribe(topic(kind));
    },
  };
}
