import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChainSnapshot, ChainSnapshotInput, LedgerSnapshot } from '../../actors/index.ts';
import type { CutterPosition } from '../../log/index.ts';
import type { ReadModelsSnapshot } from '../../projections/index.ts';
import { writeFileAtomic } from '../files/index.ts';

/**
 * A snapshot file: what a node needs to resume at a height (its chain's snapshot). The read models
 * are stored under `projections`, as older nodes wrote and read them.
 */
export interface NodeSnapshot {
  /** 2: block headers carry recordsRoot (a version 1 snapshot's block hash is another protocol's). */
  readonly version: 2;
  readonly height: number;
  /** Hash of the block at `height` (its header's hash). */
  readonly blockHash: string;
  readonly position: CutterPosition;
  readonly ledger: LedgerSnapshot;
  /** The reputation and dashboard read models at that height (absent in snapshots written before them). */
  readonly projections?: ReadModelsSnapshot;
}

/** A chain's snapshot as a file holds it. */
export function nodeSnapshotOf({ height, blockHash, position, ledger, readModels }: ChainSnapshot): NodeSnapshot {
  return { version: 2, height, blockHash, position, ledger, projections: readModels };
}

/** The chain's snapshot a file holds (its read models may be absent: see loadChainSnapshot). */
export function chainSnapshotOf({ height, blockHash, position, ledger, projections }: NodeSnapshot): ChainSnapshotInput {
  return projections === undefined ? { height, blockHash, position, ledger } : { height, blockHash, position, ledger, readModels: projections };
}

/** A snapshot file that could not be used, and why. */
export interface SkippedSnapshot {
  readonly file: string;
  readonly reason: string;
}

const nameOf = (height: number) => `${String(height).padStart(12, '0')}.json`;
const pattern = /^(\d{12})\.json$/;

export interface SnapshotStore {
  readonly dir: string;
  /** Writes atomically, then keeps the newest `keep` snapshots. */
  write(snapshot: NodeSnapshot): Promise<void>;
  /** Heights of the snapshot files on disk, newest first. */
  heights(): Promise<number[]>;
  read(height: number): Promise<NodeSnapshot>;
}

export function createSnapshotStore(dir: string, keep = 3): SnapshotStore {
  const heights = async () => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.flatMap((n) => (pattern.test(n) ? [Number(pattern.exec(n)![1])] : [])).sort((a, b) => b - a);
  };
  return {
    dir,
    heights,
    async write(snapshot) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, nameOf(snapshot.height)), JSON.stringify(snapshot));
      for (const old of (await heights()).slice(keep)) await rm(join(dir, nameOf(old)), { force: true });
    },
    async read(height) {
      return JSON.parse(await readFile(join(dir, nameOf(height)), 'utf8')) as NodeSnapshot;
    },
  };
}

/**
 * The newest snapshot that `use` accepts (it throws for one it cannot use: malformed, another
 * chain, a root that does not match); every one skipped on the way is reported.
 */
export async function newestUsable<T>(
  store: SnapshotStore,
  use: (snapshot: NodeSnapshot) => T,
  onSkip: (skipped: SkippedSnapshot) => void,
): Promise<T | undefined> {
  for (const height of await store.heights()) {
    const file = join(store.dir, nameOf(height));
    try {
      const snapshot = await store.read(height);
      if (snapshot?.version !== 2 || snapshot.height !== height) throw new Error(`it is not a version 2 snapshot of height ${height}`);
      return use(snapshot);
    } catch (error) {
      onSkip({ file, reason: (error as Error).message });
    }
  }
  return undefined;
}
