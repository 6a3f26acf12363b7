import { link, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { AinError } from '../../schemas/index.ts';

export const LOCK_FILE = 'LOCK';

/** A held lock on a log directory; `release` removes the lock file. */
export interface DirLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * Takes the log directory for this process: a lock file holding the owner's PID.
 *
 * Why not proper-lockfile: it judges a lock stale by its mtime, which the owner refreshes on a
 * timer. After a SIGKILL the next process must wait out the stale period (10 s by default) before
 * it may recover the log, and an owner whose event loop stalls longer than that loses its lock to
 * a second writer. A PID check answers at once and exactly for processes on one host, which is
 * where a file log lives.
 *
 * The file is created exclusively (O_EXCL) under a temporary name, with the PID already in it, and
 * then hard-linked to its real name; `link` fails if the name exists, so no one ever sees a lock
 * file without a PID. A lock whose PID is not alive (ESRCH) belongs to a crashed process and is
 * taken over. Limits: a dead owner's PID reused by an unrelated live process makes the lock look
 * held (the safe direction: remove the file by hand); two processes taking over the same stale
 * lock at the same instant are not excluded from each other.
 */
/** Lock files this process holds, so a lock naming our PID that we do not hold is known stale. */
const heldHere = new Set<string>();

export async function acquireDirLock(dir: string): Promise<DirLock> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(dir, path)) {
      heldHere.add(path);
      return {
        path,
        release: async () => {
          heldHere.delete(path);
          await unlink(path).catch(() => undefined);
        },
      };
    }
    const owner = await readOwner(path);
    if (owner === undefined) continue; // removed between our attempt and the read: try again
    // Our own PID on a lock we do not hold: a previous process with the same PID (a container's
    // node is often PID 1 on every start) crashed. It is stale.
    const staleOwnPid = owner === process.pid && !heldHere.has(path);
    if (!staleOwnPid && isAlive(owner)) {
      const who = owner === process.pid ? 'this process (the log is already open here)' : `process ${owner}`;
      throw new AinError('LOG_LOCKED', `The log in ${dir} is locked by ${who}; stop that process or open another directory.`, {
        details: { dir, pid: owner, lockFile: path },
      });
    }
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  throw new AinError('LOG_LOCKED', `The lock file ${path} keeps changing; another process is opening the same log.`, {
    details: { dir, lockFile: path },
  });
}

async function tryCreate(dir: string, path: string): Promise<boolean> {
  const temporary = join(dir, `${LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  const handle = await open(temporary, 'wx');
  try {
    await handle.writeFile(`${process.pid}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** The PID in the lock file, undefined when the file is gone; a garbled file names no live PID. */
async function readOwner(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : 0;
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user; it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
