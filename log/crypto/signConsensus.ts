import { sign } from 'node:crypto';
import { isAinError, type Proposal, type UnsignedProposal, type UnsignedVote, type Vote } from '../../schemas/index.ts';
import { canonicalJson } from './canonicalJson.ts';
import { Ed25519PublicKey, verifyEd25519 } from './ed25519.ts';
import { addressOf, signingKeyObject, type KeyPair } from './keys.ts';
import { signedBytesOf } from './signTx.ts';

function signed<T extends UnsignedVote | UnsignedProposal>(key: KeyPair, unsigned: T): T & { sig: string } {
  const sig = sign(null, signedBytesOf(unsigned), signingKeyObject(key)).toString('hex');
  return JSON.parse(canonicalJson({ ...unsigned, sig })) as T & { sig: string };
}

/**
 * Signs a prevote or precommit with a validator's key, over the same bytes as a tx: RFC 8785 JSON
 * of the vote without `sig`. The runtime calls it only after syncing its last-signed record.
 * @example signVote(key, { chain: 'ain-local', shard: '/', height: 5, round: 0, kind: 'prevote', hash })
 */
export function signVote(key: KeyPair, vote: Omit<UnsignedVote, 'from' | 'pub'>): Vote {
  return signed(key, { ...vote, from: key.address, pub: key.publicKey });
}

/**
 * Signs a proposal with the proposer's key.
 * @example signProposal(key, { chain: 'ain-local', shard: '/', height: 5, round: 0, validRound: -1, block })
 */
export function signProposal(key: KeyPair, proposal: Omit<UnsignedProposal, 'proposer' | 'pub'>): Proposal {
  return signed(key, { ...proposal, proposer: key.address, pub: key.publicKey });
}

/**
 * True when a vote or proposal is signed by the key it names and its signer's address is that
 * key's. Whether the signer is a validator of that height is for the caller, who knows the set.
 * A message with no canonical JSON (a proposal's block holding a lone surrogate, which a peer
 * can send) has no bytes a signature could cover: false.
 * @example if (!checkConsensusSignature(vote)) ignore(vote)
 */
export function checkConsensusSignature(message: Vote | Proposal): boolean {
  const signer = 'kind' in message ? message.from : message.proposer;
  if (addressOf(message.pub) !== signer) return false;
  let bytes: Buffer;
  try {
    bytes = signedBytesOf(message);
  } catch (error) {
    if (isAinError(error, 'BAD_SCHEMA')) return false;
    throw error;
  }
  return verifyEd25519(bytes, Buffer.from(message.sig, 'hex'), new Ed25519PublicKey(Buffer.from(message.pub, 'hex')));
}
