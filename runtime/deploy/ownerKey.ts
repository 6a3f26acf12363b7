import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { AinError } from '../../schemas/index.ts';
import { readKeyFile, writeKeyFile } from '../keys/index.ts';

/** Where a deployed network's genesis owner key is kept on this machine. */
export const ownerKeyFile = (stateDir: string): string => join(stateDir, 'owner.key');

/** DEPLOY_CONFLICT when `stateDir` holds an owner key already: a key is never overwritten. */
export async function checkNoOwnerKey(stateDir: string): Promise<void> {
  const file = ownerKeyFile(stateDir);
  const there = await access(file).then(
    () => true,
    () => false,
  );
  if (there) {
    throw new AinError(
      'DEPLOY_CONFLICT',
      `${file} exists, the owner key of another network; a key is never overwritten: move it away, or pass another --dir.`,
      { details: { file } },
    );
  }
}

/** Writes the owner's key from `from` into `stateDir` (mode 0600, the folder 0700). */
export async function keepOwnerKey(from: string, stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeKeyFile(ownerKeyFile(stateDir), await readKeyFile(from));
}
