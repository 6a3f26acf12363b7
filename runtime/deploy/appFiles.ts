import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AinError } from '../../schemas/index.ts';
import { appRootUrl } from '../config/index.ts';
import type { TarEntry } from '../exec/index.ts';

/** The repository this module runs from: bin/ain.js, the sources tsx runs, package-lock.json. */
export const appRoot = fileURLToPath(appRootUrl);

/** The folders of the node's TypeScript sources; `npm run build` compiles each into `dist/`. */
const codeDirs = ['schemas', 'log', 'projections', 'actors', 'runtime'] as const;
/**
 * What the node runs: the CLI, the TypeScript sources it loads through tsx, the dashboard it
 * serves (whose modules import some of those sources), and the sample job.
 */
const sourceEntries = ['package.json', 'tsconfig.json', 'bin', ...codeDirs, 'web', 'examples'] as const;
/** What a compiled app adds: the JavaScript `npm run build` made of the sources (not its tests, benches or fuzz targets). */
const compiledEntries = codeDirs.map((dir) => `dist/${dir}`);
/** The file `bin/ain.js` runs with AIN_COMPILED=1: a compiled app without it could not start. */
const compiledMain = 'dist/runtime/cli/main.js';
/** Files an app image may hold at most (the production dependencies are some 20,000). */
const appFilesMax = 100_000;
/**
 * Files of a package that no node loads: type declarations, source maps and documents (a third of
 * the production packages' files). Every container is a full copy of its image on the vfs
 * storage driver, so each file left out is one less to copy for every container.
 */
const unloadedFile = /\.(?:d\.[cm]?ts|[cm]?[jt]s\.map|md|markdown)$/i;

/** A prebuilt binary's platform in its file or folder name (`darwin-arm64`, `win32-x64.dawn.node`). */
const platformName = /^(aix|android|darwin|freebsd|ios|linux|netbsd|openbsd|sunos|win32)-(arm|arm64|ia32|loong64|mips64el|ppc64|riscv64|s390x|x64)(?=$|[-.])/;
const ownPlatform = `${process.platform}-${process.arch}`;

/** The app's files as tar entries under `prefix`, and the native addons among them (their libraries go in too). */
export interface AppFiles {
  readonly entries: readonly TarEntry[];
  /** Paths on this machine of the `.node` addons built for this platform. */
  readonly addons: readonly string[];
  /**
   * SHA-256 over each entry's name, mode, size and modification time: equal while no file was
   * touched, so a content hash computed once can be found again without reading every file.
   */
  readonly fingerprint: string;
}

interface LockFile {
  readonly packages?: Record<string, { readonly dev?: boolean }>;
}

export interface AppFilesOptions {
  /** With it the app holds `dist/` too (see {@link compiledEntries}), for `bin/ain.js` to run with AIN_COMPILED=1; BAD_CONFIG if it was not built. */
  readonly compiled?: boolean;
}

/**
 * The app as an image holds it: {@link sourceEntries}, with `compiled` the JavaScript of
 * `dist/`, and, from package-lock.json, every package that is not only a development dependency
 * and is installed here (optional ones for other platforms are not), each without its nested
 * node_modules (those are packages of their own in the lock file), without prebuilt binaries
 * for other platforms and without the files no node loads ({@link unloadedFile}). Entries are
 * sorted, so equal trees give equal hashes.
 * @example const { entries } = await appFiles(appRoot, 'app', { compiled: true })
 */
export async function appFiles(root: string, prefix: string, { compiled = false }: AppFilesOptions = {}): Promise<AppFiles> {
  if (compiled && (await lstat(join(root, compiledMain)).catch(() => undefined)) === undefined)
    throw new AinError('BAD_CONFIG', `The app at ${root} has no ${compiledMain} to run compiled; npm run build makes it.`);
  const lock = await readLock(root);
  const packages = Object.entries(lock.packages ?? {})
    .filter(([path, info]) => path.startsWith('node_modules/') && info.dev !== true)
    .map(([path]) => path)
    .sort();
  const walked: TarEntry[] = [];
  const addons: string[] = [];
  const fingerprint = createHash('sha256');
  const add = (entry: TarEntry, info: Stats) => {
    if (walked.length >= appFilesMax) throw new AinError('TOO_LARGE', `The app at ${root} has more than ${appFilesMax} files to put in an image.`);
    walked.push(entry);
    fingerprint.update(`${entry.name}\u0000${info.mode}\u0000${info.size}\u0000${info.mtimeMs}\u0000`);
  };
  const visit = async (relative: string, inPackage: boolean): Promise<void> => {
    if (inPackage && unloadedFile.test(relative)) return;
    const path = join(root, relative);
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) return;
    const name = `${prefix}/${relative}`;
    if (info.isSymbolicLink()) return add({ type: 'symlink', name, target: await readlink(path) }, info);
    if (info.isFile()) {
      if (path.endsWith('.node')) addons.push(path);
      return add({ type: 'file', name, mode: info.mode & 0o111 ? 0o755 : 0o644, path, size: info.size }, info);
    }
    if (!info.isDirectory()) return;
    add({ type: 'dir', name }, info);
    for (const child of (await readdir(path)).sort()) {
      if (child === 'node_modules') continue;
      const platform = platformName.exec(child);
      if (platform !== null && !child.startsWith(ownPlatform)) continue;
      await visit(join(relative, child), inPackage);
    }
  };
  walked.push({ type: 'dir', name: prefix });
  for (const source of sourceEntries) await visit(source, false);
  if (compiled) {
    // Not fingerprinted: its time changes with what else is built beside these folders (dist/test).
    walked.push({ type: 'dir', name: `${prefix}/dist` });
    for (const dir of compiledEntries) await visit(dir, false);
  }
  // The folders above a package (node_modules, node_modules/@scope) are made once, before it.
  const dirs = new Set<string>();
  for (const path of packages) {
    const parts = path.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      const info = await lstat(join(root, dir)).catch(() => undefined);
      if (info !== undefined) add({ type: 'dir', name: `${prefix}/${dir}` }, info);
    }
    dirs.add(path);
    await visit(path, true);
  }
  return { entries: walked, addons, fingerprint: fingerprint.digest('hex') };
}

async function readLock(root: string): Promise<LockFile> {
  const file = join(root, 'package-lock.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockFile;
  } catch (cause) {
    throw new AinError('BAD_CONFIG', `The app's lock file ${file} cannot be read: it names the production dependencies an image holds.`, { cause });
  }
}
