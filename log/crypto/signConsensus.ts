import { sign } from 'node:crypto';
import { isAinError, type PeerClaim, type Proposal, type UnsignedPeerClaim, type UnsignedProposal, type UnsignedVote, type Vote } from '../../schemas/index.ts';
import { canonicalBytes, canonicalJson } from './canonicalJson.ts';
import { Ed25519PublicKey, verifyEd25519 } from './ed25519.ts';
import { addressOf, signingKeyObject, type KeyPair } from './keys.ts';

/**
 * The bytes a vote's or proposal's signature covers: UTF-8 of the RFC 8785 JSON of the message
 * without `sig`, with the genesis hash of the chain it is for as `genesis` (which the message does
 * not carry: every verifier knows the chain it checks for, as CometBFT's sign bytes hold a chain id
 * its votes do not). A vote names (chain, shard, height, round, kind, hash) and nothing else of
 * the chain: without the genesis, a shard path branched again with the same validator keys would
 * take the closed incarnation's votes as its own (its certificates as forks in a report, two of
 * its votes as equivocation evidence against honest validators).
 * @example consensusSignedBytesOf(vote, ledger.genesisHash)
 */
export function consensusSignedBytesOf(message: UnsignedVote | Vote | UnsignedProposal | Proposal | UnsignedPeerClaim | PeerClaim, genesis: string): Buffer {
  const { sig: _sig, ...unsigned } = message as Vote;
  return canonicalBytes({ ...unsigned, genesis });
}

function signed<T extends UnsignedVote | UnsignedProposal | UnsignedPeerClaim>(key: KeyPair, unsigned: T, genesis: string): T & { sig: string } {
  const sig = sign(null, consensusSignedBytesOf(unsigned, genesis), signingKeyObject(key)).toString('hex');
  return JSON.parse(canonicalJson({ ...unsigned, sig })) as T & { sig: string };
}

/**
 * Signs a prevote or precommit with a validator's key for the chain of genesis hash `genesis`
 * (see consensusSignedBytesOf). The runtime calls it only after syncing its last-signed record.
 * @example signVote(key, { chain: 'ain-local', shard: '/', height: 5, round: 0, kind: 'prevote', hash }, ledger.genesisHash)
 */
export function signVote(key: KeyPair, vote: Omit<UnsignedVote, 'from' | 'pub'>, genesis: string): Vote {
  return signed(key, { ...vote, from: key.address, pub: key.publicKey }, genesis);
}

/**
 * Signs a proposal with the proposer's key for the chain of genesis hash `genesis`.
 * @example signProposal(key, { chain: 'ain-local', shard: '/', height: 5, round: 0, validRound: -1, block }, ledger.genesisHash)
 */
export function signProposal(key: KeyPair, proposal: Omit<UnsignedProposal, 'proposer' | 'pub'>, genesis: string): Proposal {
  return signed(key, { ...proposal, proposer: key.address, pub: key.publicKey }, genesis);
}

/**
 * True when a vote or proposal is signed, for the chain of genesis hash `genesis`, by the key it
 * names and its signer's address is that key's. Whether the signer is a validator of that height
 * is for the caller, who knows the set. A message with no canonical JSON (a proposal's block
 * holding a lone surrogate, which a peer can send) has no bytes a signature could cover: false.
 * @example if (!checkConsensusSignature(vote, ledger.genesisHash)) ignore(vote)
 */
export function checkConsensusSignature(message: Vote | Proposal, genesis: string): boolean {
  const signer = 'kind' in message ? message.from : message.proposer;
  if (addressOf(message.pub) !== signer) return false;
  let bytes: Buffer;
  try {
    bytes = consensusSignedBytesOf(message, genesis);
  } catch (error) {
    if (isAinError(error, 'BAD_SCHEMA')) return false;
    throw error;
  }
  return verifyEd25519(bytes, Buffer.from(message.sig, 'hex'), new Ed25519PublicKey(Buffer.from(message.pub, 'hex')));
}

/**
 * Signs a node's claim that it is the libp2p peer `peerId` on a chain and shard, for the chain of
 * genesis hash `genesis` (see consensusSignedBytesOf): what its `status` answer carries.
 * @example signPeerClaim(key, { chain: 'ain-local', shard: '/', peerId: transport.peerId }, ledger.genesisHash)
 */
export function signPeerClaim(key: KeyPair, claim: Pick<UnsignedPeerClaim, 'chain' | 'shard' | 'peerId'>, genesis: string): PeerClaim {
  return signed(key, { ...claim, from: key.address, pub: key.publicKey }, genesis);
}

/**
 * True when a peer claim is signed, for the chain of genesis hash `genesis`, by the key it names
 * and its `from` is that key's address. Whether the peer that gave it is `peerId`, and whether
 * `from` is a validator, is for the caller.
 * @example if (checkPeerClaim(claim, genesisHash) && claim.peerId === peer) bind(claim.from, peer)
 */
export function checkPeerClaim(claim: PeerClaim, genesis: string): boolean {
  if (addressOf(claim.pub) !== claim.from) return false;
  return verifyEd25519(consensusSignedBytesOf(claim, genesis), Buffer.from(claim.sig, 'hex'), new Ed25519PublicKey(Buffer.from(claim.pub, 'hex')));
}
