import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { normalize } from 'node:path';
import { promisify } from 'node:util';

import type Docker from 'dockerode';

import { AinError } from '../../schemas/index.ts';
import type { TarEntry } from './tarStream.ts';

const run = promisify(execFile);

/** Whether the engine holds an image by that tag (or id). */
export async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

/**
 * Waits for an import or build to finish; its stream reports failures as `{ error }` lines.
 * `onLine` sees each line of progress (a build's `stream` text).
 */
export function followImageProgress(docker: Docker, stream: NodeJS.ReadableStream, what: string, onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, lines: { error?: string }[]) => {
        const failed = error?.message ?? lines.find((line) => line.error !== undefined)?.error;
        if (failed === undefined) resolve();
        else reject(new AinError('RUNTIME_UNAVAILABLE', `The Docker engine failed ${what}: ${failed}`));
      },
      (event: { stream?: string; status?: string }) => {
        const text = (event.stream ?? event.status ?? '').trim();
        if (text !== '' && onLine !== undefined) onLine(text);
      },
    );
  });
}

/**
 * The shared libraries `ldd` lists for `binaries` (the node binary, native addons), as tar
 * entries at their paths on this machine, with the directories above them that are not in
 * `dirsHad` (which the caller's entries create), leaving out those `skip` says the image has
 * already. A binary ldd cannot read (another libc's build of an addon) adds what it could list
 * and nothing else.
 */
export async function libraryEntries(
  binaries: readonly string[],
  dirsHad: ReadonlySet<string>,
  skip: (library: string) => boolean = () => false,
): Promise<TarEntry[]> {
  const libraries = new Set<string>();
  for (const binary of binaries) {
    const stdout = await run('ldd', [binary]).then(
      (result) => result.stdout,
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    for (const match of stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/g)) {
      // ldd prints a library found through $ORIGIN as `bin/../lib/…`.
      const library = normalize(match[1]!);
      if (!skip(library)) libraries.add(library);
    }
  }
  const entries: TarEntry[] = [];
  const dirs = new Set(dirsHad);
  for (const library of [...libraries].sort()) {
    const parts = library.slice(1).split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join('/');
      if (!dirs.has(dir)) entries.push({ type: 'dir', name: dir });
      dirs.add(dir);
    }
    const real = await realpath(library);
    entries.push({ type: 'file', name: library.slice(1), mode: 0o755, path: real, size: (await stat(real)).size });
  }
  return entries;
}

/** Files up to this size are hashed from one read; a stream per small file costs more than its bytes. */
const wholeReadBytesMax = 1024 * 1024;

/** SHA-256 over every entry's name, mode, owner and content (streamed for files on disk). */
export async function hashEntries(entries: readonly TarEntry[]): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of entries) {
    hash.update(`${entry.type}\u0000${entry.name}\u0000${'mode' in entry ? (entry.mode ?? '') : ''}\u0000`);
    if (entry.owner !== undefined && entry.owner !== 0) hash.update(`owner ${entry.owner}\u0000`);
    if (entry.type === 'symlink') hash.update(entry.target);
    else if (entry.type === 'file' && 'bytes' in entry) hash.update(entry.bytes);
    else if (entry.type === 'file' && entry.size <= wholeReadBytesMax) hash.update(await readFile(entry.path));
    else if (entry.type === 'file') for await (const chunk of createReadStream(entry.path)) hash.update(chunk as Buffer);
    hash.update('\u0000');
  }
  return hash.digest('hex');
}
