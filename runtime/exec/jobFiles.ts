import { cp, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { RunSpec } from '../../schemas/index.ts';

/** Writes the job's files (`spec.dir` copied, then `spec.files`) into `dir`. */
export async function writeJobFiles(dir: string, spec: Pick<RunSpec, 'files' | 'dir'>): Promise<void> {
  if (spec.dir !== undefined) await cp(spec.dir, dir, { recursive: true, dereference: true, errorOnExist: false, force: true });
  for (const [path, text] of Object.entries(spec.files)) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text);
  }
}
