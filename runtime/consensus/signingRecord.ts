import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { LockedValue } from '../../actors/index.ts';
import { AinError, LastSigned, maxValidators, Proposal, Vote } from '../../schemas/index.ts';
import { readJsonFile, writeFileAtomic } from '../files/index.ts';

/** Where a validator keeps what it signed, in its data dir. */
export const signingRecordPath = (dataDir: string) => join(dataDir, 'consensus', 'signed.json');

/** The most messages one height's record holds: a proposal and two votes a round, for the rounds a height may take. */
const messagesMax = 3 * 256;

/**
 * What a validator signed last (the record consensus never contradicts) and every proposal and
 * vote it signed at that height: after a crash only this node can send them again, and peers
 * may have lost them. With them the block it locked on and that block's polka (LockedValue).
 */
const SigningRecordFile = z.strictObject({
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
   * the caller sends the signature after. Writes are serialised in call order.
   */
  keep(lastSigned: LastSigned, message: { readonly proposal: Proposal } | { readonly vote: Vote }, locked?: LockedValue): Promise<void>;
}

const empty: SigningRecordFile = { lastSigned: null, proposals: [], votes: [], locked: null };

/**
 * Opens a validator's signing record (CometBFT's priv_validator_state): absent means nothing was
 * signed; a file that does not parse is BAD_SIGNING_RECORD, never guessed at, since a validator
 * that forgot a signature could sign a conflicting one. Each `keep` replaces the file whole
 * (temp file, fsync, rename, fsync of the directory), mode 0600.
 * @example const record = await openSigningRecord(dataDir); await record.keep(lastSigned, { vote })
 */
export async function openSigningRecord(dataDir: string): Promise<SigningRecord> {
  const path = signingRecordPath(dataDir);
  await mkdir(join(dataDir, 'consensus'), { recursive: true, mode: 0o700 });
  const loaded = await readRecord(path);
  let current = loaded;
  let writing: Promise<void> = Promise.resolve();
  return {
    loaded,
    keep(lastSigned, message, locked) {
      const sameHeight = current.lastSigned?.height === lastSigned.height;
      const proposals = sameHeight ? current.proposals : [];
      const votes = sameHeight ? current.votes : [];
      current = {
        lastSigned,
        proposals: 'proposal' in message ? [...proposals, message.proposal].slice(-messagesMax) : proposals,
        votes: 'vote' in message ? [...votes, message.vote].slice(-messagesMax) : votes,
        locked: locked === undefined ? (sameHeight ? current.locked : null) : { proposal: locked.proposal, polka: [...locked.polka] },
      };
      const text = JSON.stringify(current);
      writing = writing.then(() => writeFileAtomic(path, text, 0o600));
      return writing;
    },
  };
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
