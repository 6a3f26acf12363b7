import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Subject, type Observable } from 'rxjs';
import { z } from 'zod';
import { AinError, Certificate, safeParse } from '../../schemas/index.ts';
import { writeFileAtomic } from '../files/index.ts';

/** Certificates kept in memory, newest last: what peers catching up ask for is near the head. */
const recentMax = 256;

const CommitFile = z.strictObject({ height: z.number().int().min(1), certificate: Certificate });
export type KeptCommit = z.infer<typeof CommitFile>;

export interface CommitStore {
  /** The certificate of block `height` if this node holds it (its own decision or one it fetched). */
  get(height: number): Certificate | undefined;
  /** The newest certificate held. */
  latest(): KeptCommit | null;
  /** Keeps the certificate of a block now in the log; the newest is written to disk. */
  keep(height: number, certificate: Certificate): Promise<void>;
  readonly commits$: Observable<KeptCommit>;
  close(): void;
}

/**
 * The certificates of the blocks this node decided or fetched (CometBFT's seen commit). The next
 * block carries each one in its `commit` tx, so only the newest lives nowhere else: it is kept in
 * `<dataDir>/consensus/commit.json`, the proposer of the next height needs it after a restart.
 * @example const commits = await openCommitStore(dataDir); commits.get(5)
 */
export async function openCommitStore(dataDir: string): Promise<CommitStore> {
  const path = join(dataDir, 'consensus', 'commit.json');
  const recent = new Map<number, Certificate>();
  let newest: KeptCommit | null = await readKept(path);
  if (newest !== null) recent.set(newest.height, newest.certificate);
  const commits$ = new Subject<KeptCommit>();
  let writing: Promise<void> = Promise.resolve();
  return {
    get: (height) => recent.get(height),
    latest: () => newest,
    keep(height, certificate) {
      recent.set(height, certificate);
      for (const old of recent.keys()) {
        if (recent.size <= recentMax) break;
        recent.delete(old);
      }
      if (newest !== null && newest.height >= height) return writing;
      newest = { height, certificate };
      commits$.next(newest);
      const text = JSON.stringify(newest);
      writing = writing.then(() => writeFileAtomic(path, text, 0o600));
      return writing;
    },
    commits$,
    close: () => commits$.complete(),
  };
}

async function readKept(path: string): Promise<KeptCommit | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = safeParse(CommitFile, json);
  if (!parsed.success) throw new AinError('BAD_SIGNING_RECORD', `${path} does not hold a commit certificate; move it away to fetch it from peers again.`);
  return parsed.data;
}
