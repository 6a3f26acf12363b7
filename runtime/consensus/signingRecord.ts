import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { signingOrder, type LockedValue } from '../../actors/index.ts';
import { checkConsensusSignature } from '../../log/index.ts';
import { AinError, Hash, LastSigned, maxValidators, Proposal, Vote } from '../../schemas/index.ts';
import { readJsonFile, writeFileAtomic } from '../files/index.ts';

/** Where a validator keeps what it signed, in its data dir. */
export const signingRecordPath = (dataDir: string) => join(dataDir, 'consensus', 'signed.json');

/** Where the record of another chain (genesis hash `genesis`) is set aside while this dir runs a chain of another genesis. */
export const setAsideRecordPath = (dataDir: string, genesis: string) => join(dataDir, 'consensus', `signed-${genesis}.json`);

/** The most messages one height's record holds: a proposal and two votes a round, for the rounds a height may take. */
const messagesMax = 3 * 256;

/**
 * What a validator signed last (the record consensus never contradicts) and every proposal and
 * vote it signed at that height: after a crash only this node can send them again, and peers
 * may have lost them. With them the block it locked on and that block's polka (LockedValue).
 */
const SigningRecordFile = z.strictObject({
  /** The genesis hash of the chain it signed for (absent in records written before it was kept: see isOfChain). */
  genesis: Hash.optional(),
  lastSigned: LastSigned.nullable(),
  proposals: z.array(Proposal).max(messagesMax),
  votes: z.array(Vote).max(messagesMax),
  /** The block it is locked on at that height, with its polka (absent in records written before it was kept). */
  locked: z
    .strictObject({ proposal: Proposal, polka: z.array(Vote).max(maxValidators) })
    .nullable()
    .default(null),
});
export type SigningRecordFile = z.infer<typeof SigningRecordFile>;

export interface SigningRecord {
  /** What the file held at open (nothing signed yet: `lastSigned: null`). */
  readonly loaded: SigningRecordFile;
  /**
   * Writes `lastSigned` with the message it covers and syncs it to disk; resolves only then, so
   * the caller sends the signature after. Writes are serialised in call order. A `lastSigned`
   * before the one kept (in height, round, step order) is refused: nothing is kept or to be sent.
   */
  keep(lastSigned: LastSigned, message: { readonly proposal: Proposal } | { readonly vote: Vote }, locked?: LockedValue): Promise<void>;
  /**
   * Whether this node signed `message` (a proposal or vote of its own key), by the record as kept
   * so far: true when the record holds it (every message of its last height is there), false when
   * it falls after the last signature in (height, round, step) order, or at its height and is not
   * among them — another node signed it with this key, or this node's record was lost; undefined
   * for an earlier height, whose messages the record no longer keeps.
   */
  signed(message: { readonly proposal: Proposal } | { readonly vote: Vote }): boolean | undefined;
}

const empty: SigningRecordFile = { lastSigned: null, proposals: [], votes: [], locked: null };

/**
 * Opens a validator's signing record (CometBFT's priv_validator_state) for the chain of genesis
 * hash `genesis`: absent means nothing was signed; a file that does not parse is
 * BAD_SIGNING_RECORD, never guessed at, since a validator that forgot a signature could sign a
 * conflicting one. Each `keep` replaces the file whole (temp file, fsync, rename, fsync of the
 * directory), mode 0600.
 *
 * A record is its chain's: votes and proposals sign the genesis hash, so what a validator signed
 * for another chain never conflicts with what it signs here, but that record's last height would
 * keep it from signing any height up to it (`maySign`) — validators keeping their data dirs through
 * a network's relaunch on a new genesis would halt it. So a record of another genesis is set aside
 * (`signed-<genesis>.json`, kept, never overwritten by this chain's) and this chain's own is taken
 * back from there if the dir ran it before. A record from before records named their genesis is
 * this chain's if a message it holds verifies with this genesis (else set aside as
 * `signed-unknown-<its hash>.json`).
 * @example const record = await openSigningRecord(dataDir, genesisHash); await record.keep(lastSigned, { vote })
 */
export async function openSigningRecord(dataDir: string, genesis: string): Promise<SigningRecord> {
  const path = signingRecordPath(dataDir);
  await mkdir(join(dataDir, 'consensus'), { recursive: true, mode: 0o700 });
  let loaded = await readRecord(path);
  if (!isOfChain(loaded, genesis)) {
    // Another chain's: its bytes as they are, beside it, before anything of this chain's replaces them.
    const bytes = await readFile(path);
    const aside =
      loaded.genesis === undefined
        ? join(dataDir, 'consensus', `signed-unknown-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.json`)
        : setAsideRecordPath(dataDir, loaded.genesis);
    await writeFileAtomic(aside, bytes, 0o600);
    const ownPath = setAsideRecordPath(dataDir, genesis);
    loaded = await readRecord(ownPath);
    if (loaded.genesis !== undefined && loaded.genesis !== genesis)
      throw new AinError(
        'BAD_SIGNING_RECORD',
        `${ownPath} holds the signing record of another chain (genesis ${loaded.genesis}); move it back to its own name.`,
        {
          details: { path: ownPath },
        },
      );
    if (loaded === empty) loaded = await unknownRecordOf(dataDir, genesis);
  }
  let current = loaded;
  let writing: Promise<void> = Promise.resolve();
  return {
    loaded,
    keep(lastSigned, message, locked) {
      // Never back: a record behind what was sent would let a restart sign against it.
      if (current.lastSigned !== null && signingOrder(lastSigned, current.lastSigned) < 0)
        return Promise.reject(
          new Error(`a signature at ${JSON.stringify(lastSigned)} comes before ${JSON.stringify(current.lastSigned)}, kept already: not signed`),
        );
      const sameHeight = current.lastSigned?.height === lastSigned.height;
      const proposals = sameHeight ? current.proposals : [];
      const votes = sameHeight ? current.votes : [];
      current = {
        genesis,
        lastSigned,
        proposals: 'proposal' in message ? [...proposals, message.proposal].slice(-messagesMax) : proposals,
        votes: 'vote' in message ? [...votes, message.vote].slice(-messagesMax) : votes,
        locked: locked === undefined ? (sameHeight ? current.locked : null) : { proposal: locked.proposal, polka: [...locked.polka] },
      };
      const text = JSON.stringify(current);
      writing = writing.then(() => writeFileAtomic(path, text, 0o600));
      return writing;
    },
    signed(message) {
      const last = current.lastSigned;
      const signed = 'vote' in message ? message.vote : message.proposal;
      if (last === null || signed.height > last.height) return false;
      if (signed.height < last.height) return undefined;
      if ('vote' in message) {
        const { round, kind, hash } = message.vote;
        return current.votes.some((v) => v.round === round && v.kind === kind && v.hash === hash);
      }
      const { round, block } = message.proposal;
      return current.proposals.some((p) => p.round === round && p.block.hash === block.hash);
    },
  };
}

/** The messages a record holds, each signed with its chain's genesis hash. */
const messagesOf = (record: SigningRecordFile) => [...record.proposals, ...record.votes, ...(record.locked === null ? [] : [record.locked.proposal])];

/** Whether a message the record holds verifies with `genesis`. */
const signedWith = (record: SigningRecordFile, genesis: string) => messagesOf(record).some((message) => checkConsensusSignature(message, genesis));

/**
 * Whether a record is of the chain of genesis hash `genesis`: the one it names; one from before
 * records named theirs is this chain's if nothing was signed or a message it holds verifies with
 * this genesis, else another chain's, whichever.
 */
function isOfChain(record: SigningRecordFile, genesis: string): boolean {
  if (record.genesis !== undefined) return record.genesis === genesis;
  return messagesOf(record).length === 0 || signedWith(record, genesis);
}

/** The newest record set aside before records named their genesis whose messages verify with `genesis`: this chain's, from before the dir ran another. */
async function unknownRecordOf(dataDir: string, genesis: string): Promise<SigningRecordFile> {
  const names = (await readdir(join(dataDir, 'consensus'))).filter((name) => /^signed-unknown-[0-9a-f]{16}\.json$/.test(name)).sort();
  let newest = empty;
  for (const name of names) {
    const record = await readRecord(join(dataDir, 'consensus', name));
    if (record.genesis === undefined && record.lastSigned !== null && signedWith(record, genesis)) {
      if (newest.lastSigned === null || signingOrder(record.lastSigned, newest.lastSigned) > 0) newest = record;
    }
  }
  return newest;
}

async function readRecord(path: string): Promise<SigningRecordFile> {
  const kept = await readJsonFile(path, SigningRecordFile, (problem) =>
    problem.kind === 'notJson'
      ? new AinError('BAD_SIGNING_RECORD', `${path} is not JSON; restore it from a backup (never delete it: the validator could sign twice).`, {
          cause: problem.cause,
        })
      : new AinError('BAD_SIGNING_RECORD', `${path} does not hold a signing record: ${problem.message}.`, { details: { path } }),
  );
  return kept ?? empty;
}
