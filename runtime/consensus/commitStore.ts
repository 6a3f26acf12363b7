import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Subject, type Observable } from 'rxjs';
import { z } from 'zod';
import { checkConsensusSignature } from '../../log/index.ts';
import { AinError, Certificate } from '../../schemas/index.ts';
import { readJsonFile, writeFileAtomic } from '../files/index.ts';

/** Certificates kept in memory, newest last: what peers catching up ask for is near the head. */
const recentMax = 256;

const KeptCommit = z.strictObject({ height: z.number().int().min(1), certificate: Certificate });
export type KeptCommit = z.infer<typeof KeptCommit>;
/** The newest certificate on disk, and the one before it (the log may end one block short of the newest). */
const CommitFile = KeptCommit.extend({ previous: KeptCommit.optional() });

export interface CommitStore {
  /** The certificate of block `height` if this node holds it (its own decision or one it fetched). */
  get(height: number): Certificate | undefined;
  /** The newest certificate held. */
  latest(): KeptCommit | null;
  /**
   * Writes the certificate of a block about to be appended to the log to disk, beside the one
   * before it: a node killed at any point then still holds the certificate of its log's last
   * block, which it needs to propose the next and to serve that block to peers catching up.
   */
  save(height: number, certificate: Certificate): Promise<void>;
  /** Keeps the certificate of a block now in the log (saved first if it was not) and announces it. */
  keep(height: number, certificate: Certificate): Promise<void>;
  readonly commits$: Observable<KeptCommit>;
  close(): void;
}

/**
 * The certificates of the blocks this node decided or fetched (CometBFT's seen commit). The next
 * block carries each one in its `commit` tx, so only the newest lives nowhere else: it is kept in
 * `<dataDir>/consensus/commit.json` (with the one before it): the proposer of the next height
 * needs it after a restart. One kept for the chain of another genesis (a data dir moved to a
 * relaunched network; its votes sign that genesis) is not taken — its heights would hide this
 * chain's — but set aside as `commit-aside-<its hash>.json`, where the dir finds it again by its
 * votes if it runs that chain again (the newest of them).
 * @example const commits = await openCommitStore(dataDir, genesisHash); commits.get(5)
 */
export async function openCommitStore(dataDir: string, genesis: string): Promise<CommitStore> {
  const path = join(dataDir, 'consensus', 'commit.json');
  const recent = new Map<number, Certificate>();
  const kept = await readKept(path);
  let file = kept !== null && isOfChain(kept, genesis) ? kept : null;
  if (kept !== null && file === null) {
    // Another chain's: its bytes beside it (named by their hash), and this chain's own taken back if the dir ran it before.
    const bytes = await readFile(path);
    await writeFileAtomic(join(dataDir, 'consensus', `commit-aside-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.json`), bytes, 0o600);
    file = await setAsideOf(dataDir, genesis);
  }
  let onDisk: KeptCommit[] =
    file === null ? [] : [...(file.previous === undefined ? [] : [file.previous]), { height: file.height, certificate: file.certificate }];
  for (const kept of onDisk) recent.set(kept.height, kept.certificate);
  let newest: KeptCommit | null = onDisk.at(-1) ?? null;
  const commits$ = new Subject<KeptCommit>();
  let writing: Promise<void> = Promise.resolve();
  const remember = (height: number, certificate: Certificate) => {
    recent.set(height, certificate);
    for (const old of recent.keys()) {
      if (recent.size <= recentMax) break;
      recent.delete(old);
    }
  };
  const save = (height: number, certificate: Certificate): Promise<void> => {
    remember(height, certificate);
    if ((onDisk.at(-1)?.height ?? 0) >= height) return writing;
    onDisk = [...onDisk, { height, certificate }].slice(-2);
    const [previous, last] = onDisk.length === 2 ? onDisk : [undefined, onDisk[0]!];
    const text = JSON.stringify({ ...last, ...(previous === undefined ? {} : { previous }) });
    writing = writing.then(() => writeFileAtomic(path, text, 0o600));
    return writing;
  };
  return {
    get: (height) => recent.get(height),
    latest: () => newest,
    save,
    keep(height, certificate) {
      const saved = save(height, certificate);
      if (newest !== null && newest.height >= height) return saved;
      newest = { height, certificate };
      commits$.next(newest);
      return saved;
    },
    commits$,
    close: () => commits$.complete(),
  };
}

type CommitFile = z.infer<typeof CommitFile>;

/** Whether a kept certificate's votes verify with `genesis`, which every vote signs. */
const isOfChain = (file: CommitFile, genesis: string) => file.certificate.votes.some((vote) => checkConsensusSignature(vote, genesis));

/** The newest certificate set aside while the dir ran another chain whose votes verify with `genesis`; one that does not read is passed over. */
async function setAsideOf(dataDir: string, genesis: string): Promise<CommitFile | null> {
  let newest: CommitFile | null = null;
  for (const name of await readdir(join(dataDir, 'consensus'))) {
    if (!/^commit-aside-[0-9a-f]{16}\.json$/.test(name)) continue;
    const file = await readKept(join(dataDir, 'consensus', name)).catch(() => null);
    if (file !== null && isOfChain(file, genesis) && file.height > (newest?.height ?? 0)) newest = file;
  }
  return newest;
}

function readKept(path: string): Promise<CommitFile | null> {
  return readJsonFile(
    path,
    CommitFile,
    () => new AinError('BAD_SIGNING_RECORD', `${path} does not hold a commit certificate; move it away to fetch it from peers again.`),
  );
}
