import type { Certificate, Proposal, Vote } from '../../schemas/index.ts';
import type { SigningRecord } from './signingRecord.ts';

/**
 * How long a validator whose chain is past genesis listens after it starts before it signs
 * anything: validators gossip their messages of the height again every second, so another node
 * running this key (a copy of this data dir, say) is heard within it, before this one signs a
 * vote that conflicts with that node's.
 */
export const listenBeforeSigningMs = 2_000;
/**
 * How many heights must be decided past the last signature of this node's key it never made
 * before it signs again: the other node has stopped by then (a running one signs at every height),
 * or it was this node itself before its record was lost.
 */
export const quietHeights = 2;

/** A proposal or vote of this node's key that this node never signed, by its signing record. */
export interface ForeignSignature {
  readonly height: number;
  readonly round: number;
  readonly step: 'propose' | 'prevote' | 'precommit';
  /** How it came: gossiped by a peer, or among a decided block's certificate's precommits. */
  readonly via: 'gossip' | 'certificate';
  /** When it came (this node's clock). */
  readonly heardMs: number;
}

/** The signature in words, as the log and the health report say it: "a prevote of height 9, round 1 from a peer". */
export function foreignSignatureWords(found: ForeignSignature): string {
  const what = found.step === 'propose' ? 'proposal' : found.step;
  return `a ${what} of height ${found.height}, round ${found.round} ${found.via === 'certificate' ? 'in a decided block’s certificate' : 'from a peer'}`;
}

export interface OwnKeyGuard {
  /**
   * A peer's proposal or vote: when it is signed by this node's key and this node's record says
   * it never signed it, the latest such is kept; returns it when it is the first since signing
   * was last allowed (to be said once).
   */
  heard(message: { readonly proposal: Proposal } | { readonly vote: Vote }, via?: ForeignSignature['via']): ForeignSignature | undefined;
  /** A decided block's certificate: its precommit of this node's key, if any, as `heard`. */
  certified(certificate: Certificate): ForeignSignature | undefined;
  /**
   * Whether this node may sign now, with `decided` the chain's decided height: not within
   * `listenBeforeSigningMs` of the first time it asks on a chain past genesis (`decided` > 0) when
   * it signed before (a node restarted, or a copy started), nor while the latest foreign signature
   * is less than `quietHeights` decided heights old.
   */
  maySign(decided: number): boolean;
  /** The latest foreign signature while it keeps this node from signing at `decided`; undefined otherwise. */
  holding(decided: number): ForeignSignature | undefined;
}

/**
 * Keeps a validator from signing while another node signs with its key: two nodes on one key
 * sign conflicting votes sooner or later, and the key's stake is burned for it (a copied data dir
 * did it within a minute). Every proposal and vote of this node's key that reaches it — gossiped
 * by peers, who re-send what validators signed, or in a decided block's certificate — is held to
 * its signing record (signingRecord.ts: everything it signed at its last height, fsynced before
 * it is sent): one the record says it never signed is another node's, and this node signs nothing
 * until `quietHeights` heights are decided past it. The node that yields so signs nothing the
 * other could hold against it, so the other goes on as the validator; the node started second
 * (it listens first) is the one that yields, and it takes over by itself once the other stops. A
 * node whose record was lost hears its own old signatures the same way, and waits the same.
 *
 * Only signatures decide: whether another node answers as this key (ValidatorPresence) is for
 * the health report, since both nodes would see it, go silent together and resume together, and
 * then sign differently. Two nodes started on one record at once while the chain is idle sign the
 * same votes (Ed25519 signatures are deterministic), unseen, until a round they see differently:
 * that round is the first signature either can tell is not its own. Cf. CometBFT's
 * `double_sign_check_height`, which looks back at the last blocks' signatures at start only.
 * @example const guard = createOwnKeyGuard({ address, record, now }); if (guard.maySign(chain.ledger.height)) sign()
 */
export function createOwnKeyGuard({
  address,
  record,
  now,
  signedBefore,
}: {
  readonly address: string;
  readonly record: Pick<SigningRecord, 'signed'>;
  readonly now: () => number;
  /**
   * Whether its record held a signature when the node started: only then does it listen first (a
   * copy of a data dir holds one; a validator newly staked has none, and a listen would hold its
   * first votes past the height the others decide without them, on a chain that then idles).
   */
  readonly signedBefore: boolean;
}): OwnKeyGuard {
  /** Until when it listens, set the first time it would sign: from then (it has caught up, and its peers' gossip flows) when the chain is past genesis. */
  let listenUntilMs: number | undefined;
  let latest: ForeignSignature | undefined;
  /** Whether `latest` was said since signing was last allowed. */
  let said = false;
  const holding = (decided: number) => (latest !== undefined && decided < latest.height + quietHeights ? latest : undefined);
  const heard: OwnKeyGuard['heard'] = (message, via = 'gossip') => {
    const signed = 'vote' in message ? message.vote : message.proposal;
    const signer = 'vote' in message ? message.vote.from : message.proposal.proposer;
    if (signer !== address || record.signed(message) !== false) return undefined;
    const step = 'vote' in message ? message.vote.kind : 'propose';
    if (latest === undefined || signed.height >= latest.height) latest = { height: signed.height, round: signed.round, step, via, heardMs: now() };
    if (said) return undefined;
    said = true;
    return latest;
  };
  return {
    heard,
    certified(certificate) {
      const own = certificate.votes.find((vote) => vote.from === address);
      return own === undefined ? undefined : heard({ vote: own }, 'certificate');
    },
    maySign(decided) {
      listenUntilMs ??= now() + (decided > 0 && signedBefore ? listenBeforeSigningMs : 0);
      if (now() < listenUntilMs) return false;
      if (holding(decided) !== undefined) return false;
      said = false;
      return true;
    },
    holding,
  };
}
